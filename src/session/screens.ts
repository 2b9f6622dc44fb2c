// The semantic screens of a session: what the customer sees, with the numbers behind the text
// as fields (amounts in tiyn) so tests and the bench page read values, not prose.

import type { Display, Language, Screen } from '../../hal/ports';
import { formatDate, formatTiyn } from '../kz/tenge';
import type { CustomerAccount } from './deps';
import { say, type TextId } from './texts';

export interface CashInView {
  readonly billTiyn: number;
  readonly depositedTiyn: number;
  readonly toBillTiyn: number;
  readonly toNextTiyn: number;
  /** Next month's bill after this deposit. */
  readonly nextBillTiyn: number;
  readonly notes: number;
}

type Fields = Record<string, string | number>;

export class Screens {
  readonly #display: Display;

  constructor(display: Display) {
    this.#display = display;
  }

  attract(languages: readonly Language[]): void {
    const lines = languages.map((language) => say(language, 'chooseLanguage'));
    this.#show('attract', languages[0] ?? 'kk', say('kk', 'welcome'), [...lines, say('kk', 'languageKeys')], {});
  }

  /** The idle screen of a machine that cannot serve anyone, in every language it offers. */
  outOfService(languages: readonly Language[], reason: string): void {
    const lines = languages.map((language) => say(language, 'outOfService'));
    this.#show('out-of-service', languages[0] ?? 'kk', say('kk', 'outOfService'), lines, { reason });
  }

  method(language: Language, palmOffered: boolean, cardOffered: boolean): void {
    const lines = [
      ...(palmOffered ? [say(language, 'methodPalm', 'F1')] : []),
      say(language, 'methodQr', 'F2'),
      say(language, cardOffered ? 'methodCard' : 'methodCardOff', 'F3'),
      say(language, 'methodIin', 'F4'),
      say(language, 'cancelKey'),
    ];
    this.#show('method', language, say(language, 'chooseMethod'), lines, {
      palmOffered: palmOffered ? 1 : 0,
      cardOffered: cardOffered ? 1 : 0,
    });
  }

  iin(language: Language, digitsTyped: number, errorReason: string | undefined, attemptsLeft: number): void {
    const masked = '•'.repeat(digitsTyped);
    const lines = [say(language, 'enterIin'), masked];
    if (errorReason !== undefined) lines.push(say(language, 'iinInvalid', errorReason, attemptsLeft));
    this.#show('iin', language, say(language, 'methodIin', ''), lines, {
      digitsTyped,
      attemptsLeft,
      error: errorReason ?? '',
    });
  }

  card(language: Language, text: 'insertCard' | 'contactlessOff'): void {
    this.#show('card', language, say(language, 'methodCard', ''), [say(language, text), say(language, 'cancelKey')], {
      message: text,
    });
  }

  palm(language: Language, attemptsLeft: number): void {
    const lines = [say(language, 'placePalm')];
    if (attemptsLeft < 3) lines.push(say(language, 'palmRetry', attemptsLeft));
    this.#show('palm', language, say(language, 'methodPalm', ''), lines, { attemptsLeft });
  }

  qr(language: Language, payload: string): void {
    this.#show(
      'qr',
      language,
      say(language, 'methodQr', ''),
      [say(language, 'scanQr'), say(language, 'cancelKey')],
      {},
      payload,
    );
  }

  bill(language: Language, account: CustomerAccount): void {
    const bill = account.bill;
    const lines = [
      account.displayName,
      bill.billTiyn > 0
        ? say(language, 'billDue', formatTiyn(bill.billTiyn), formatDate(bill.dueDate))
        : say(language, 'nothingDue'),
      say(language, 'nextBill', formatTiyn(bill.nextBillTiyn)),
      say(language, 'noChange'),
      say(language, 'enterToContinue'),
    ];
    this.#show('bill', language, say(language, 'billTitle'), lines, {
      billTiyn: bill.billTiyn,
      dueDate: bill.dueDate,
      nextBillTiyn: bill.nextBillTiyn,
      customer: account.displayName,
    });
  }

  cashIn(language: Language, view: CashInView, message: TextId | undefined, args: readonly (string | number)[]): void {
    const lines = [...this.#allocationLines(language, view), say(language, 'finishKey')];
    if (message !== undefined) lines.push(say(language, message, args[0], args[1]));
    this.#show('insert-notes', language, say(language, 'insertNotes'), lines, {
      ...this.#viewFields(view),
      message: message ?? '',
    });
  }

  summary(language: Language, view: CashInView, text: TextId): void {
    this.#show(
      'summary',
      language,
      say(language, 'summaryTitle'),
      [...this.#allocationLines(language, view), say(language, text)],
      { ...this.#viewFields(view), message: text },
    );
  }

  notice(text: TextId, language: Language, args: readonly (string | number)[], view?: CashInView): void {
    if (view !== undefined) return this.summary(language, view, text);
    this.#show(text, language, say(language, text, args[0], args[1]), [], { message: text });
  }

  #allocationLines(language: Language, view: CashInView): string[] {
    return [
      say(language, 'billAmount', formatTiyn(view.billTiyn)),
      say(language, 'deposited', formatTiyn(view.depositedTiyn)),
      say(language, 'toBill', formatTiyn(view.toBillTiyn)),
      say(language, 'toNext', formatTiyn(view.toNextTiyn)),
      say(language, 'nextBill', formatTiyn(view.nextBillTiyn)),
    ];
  }

  #viewFields(view: CashInView): Fields {
    return {
      billTiyn: view.billTiyn,
      depositedTiyn: view.depositedTiyn,
      toBillTiyn: view.toBillTiyn,
      toNextTiyn: view.toNextTiyn,
      nextBillTiyn: view.nextBillTiyn,
      notes: view.notes,
    };
  }

  #show(id: string, language: Language, title: string, lines: readonly string[], fields: Fields, qr?: string): void {
    const screen: Screen = { id, language, title, lines, fields, qr };
    this.#display.show(screen);
  }
}
