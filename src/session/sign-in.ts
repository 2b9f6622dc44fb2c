// The customer signs in: a language on the attract screen, then one of four methods (palm,
// Kaspi QR, Kaspi Gold card, IIN), each ending in the bank's authorisation. A signed-in
// customer's account is the flow's; the bill and the cash are cash-in.ts's.
import type { Key } from '../../hal/ports';
import type { AuthMethod } from '../domain';
import { IIN_DIGITS, validateIin } from '../kz/iin';
import type { AuthoriseRequest, AuthoriseResult, CardEvent } from './deps';
import { STATE_TIMEOUT_MS, type SessionFlow } from './flow';
import type { SessionOptions } from './session';
import type { SessionRecords } from './session-records';

export const IIN_ATTEMPTS_MAX = 3;
export const PALM_ATTEMPTS_MAX = 3; // Kazakhstan's biometric rules allow three attempts
export const QR_POLL_PERIOD_MS = 2_000;

export class SignIn {
  readonly #o: SessionOptions;
  readonly #flow: SessionFlow;
  readonly #records: SessionRecords;
  #iinDigits = '';
  #attemptsLeft = 0;
  #method: AuthMethod = 'iin';
  /** A QR start or poll is with the bank: no second one until it answers. */
  #bankPending = false;
  #qrSessionId = '';
  #qrNextPollMs = 0;

  constructor(options: SessionOptions, flow: SessionFlow, records: SessionRecords) {
    this.#o = options;
    this.#flow = flow;
    this.#records = records;
  }

  get attemptsLeft(): number {
    return this.#attemptsLeft;
  }

  /** How the signed-in customer signed in. */
  get method(): AuthMethod {
    return this.#method;
  }

  onAttractKey(key: Key, nowMs: number): void {
    const language = key === 'F1' ? 'kk' : key === 'F2' ? 'ru' : key === 'F3' ? 'en' : undefined;
    if (language === undefined || !this.#o.config.languages.includes(language)) return;
    this.#flow.language = language;
    // A ledger that cannot keep a whole session: say so before the customer signs in.
    if (!this.#records.roomForSession()) return this.#flow.showNotice('outOfServiceCash', [], 'attract', nowMs);
    this.#flow.enter('method', nowMs);
  }

  onMethodKey(key: Key, nowMs: number): void {
    const flow = this.#flow;
    if (key === 'cancel') return flow.goodbye(nowMs);
    if (key === 'F1' && this.#o.config.palmOffered()) return this.#startPalm(nowMs);
    if (key === 'F2') return this.#startQr(nowMs);
    if (key === 'F3')
      return this.#o.config.cardOffered()
        ? flow.enter('card', nowMs)
        : flow.showNotice('cardUnavailable', [], 'method', nowMs);
    if (key === 'F4') {
      this.#iinDigits = '';
      this.#attemptsLeft = IIN_ATTEMPTS_MAX;
      return flow.enter('iin', nowMs);
    }
  }

  onIinKey(key: Key, nowMs: number): void {
    if (key === 'cancel') return this.#flow.goodbye(nowMs);
    if (key === 'clear') this.#iinDigits = this.#iinDigits.slice(0, -1);
    else if (key >= '0' && key <= '9' && key.length === 1 && this.#iinDigits.length < IIN_DIGITS)
      this.#iinDigits += key;
    else if (key === 'enter') return this.#submitIin(nowMs);
    this.#flow.screens.iin(this.#flow.language, this.#iinDigits.length, undefined, this.#attemptsLeft);
  }

  #submitIin(nowMs: number): void {
    const verdict = validateIin(this.#iinDigits, this.#o.clock.wallMs());
    if (verdict.ok) return this.#authorise({ method: 'iin', iin: this.#iinDigits }, nowMs);
    this.#attemptsLeft -= 1;
    this.#iinDigits = '';
    if (this.#attemptsLeft <= 0) return this.#flow.showNotice('iinInvalid', [verdict.reason, 0], 'attract', nowMs);
    this.#flow.screens.iin(this.#flow.language, 0, verdict.reason, this.#attemptsLeft);
  }

  onCardEvent(event: CardEvent, nowMs: number): void {
    const flow = this.#flow;
    const cardReader = this.#o.devices.cardReader;
    if (event.kind === 'tap-refused') {
      // Say it where the customer is choosing or using the card; the screen never runs ahead of the state.
      if (flow.state === 'method' && !this.#o.config.cardOffered())
        return flow.showNotice('cardUnavailable', [], 'method', nowMs);
      if (flow.state === 'method') flow.enter('card', nowMs);
      if (flow.state === 'card') flow.screens.card(flow.language, 'contactlessOff');
      return;
    }
    if (flow.state !== 'card') {
      if (event.kind === 'inserted' || event.kind === 'read') cardReader.eject(); // not now: give it back
      return;
    }
    switch (event.kind) {
      case 'read':
        cardReader.eject(); // the card's job is done once the token is read
        if (!event.kaspiGold) return flow.showNotice('cardNotKaspi', [], 'attract', nowMs);
        return this.#authorise({ method: 'card', cardToken: event.cardToken }, nowMs);
      case 'read-failed':
        cardReader.eject();
        return flow.showNotice('cardUnreadable', [], 'attract', nowMs);
      case 'retained':
        return flow.showNotice('cardRetained', [], 'attract', nowMs);
      case 'fault':
        return flow.showNotice('cardUnreadable', [], 'attract', nowMs);
      default:
        return;
    }
  }

  stepPalm(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#flow.goodbye(nowMs);
    const reading = this.#o.palm.read();
    if (reading === undefined) return;
    if (reading.kind === 'template') return this.#authorise({ method: 'palm', palmTemplate: reading.template }, nowMs);
    this.#palmFailed(nowMs);
  }

  #startPalm(nowMs: number): void {
    this.#attemptsLeft = PALM_ATTEMPTS_MAX;
    if (!this.#o.palm.start()) return this.#flow.showNotice('outOfService', [], 'method', nowMs);
    this.#flow.enter('palm', nowMs);
  }

  #palmFailed(nowMs: number): void {
    const flow = this.#flow;
    this.#attemptsLeft -= 1;
    if (this.#attemptsLeft <= 0) return flow.showNotice('palmRetry', [0], 'attract', nowMs);
    this.#o.palm.start();
    flow.stateSinceMs = nowMs;
    flow.screens.palm(flow.language, this.#attemptsLeft);
  }

  stepQr(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#flow.showNotice('qrExpired', [], 'attract', nowMs);
    if (this.#bankPending || this.#qrSessionId === '' || nowMs < this.#qrNextPollMs) return;
    this.#bankPending = true;
    const qrSessionId = this.#qrSessionId;
    this.#o.bank.pollQr(qrSessionId, (result) => {
      this.#bankPending = false;
      const now = this.#o.clock.monotonicMs();
      if (this.#flow.state !== 'qr' || this.#qrSessionId !== qrSessionId) return;
      this.#qrNextPollMs = now + QR_POLL_PERIOD_MS;
      if (!result.ok || result.state === 'pending') return; // a lost poll is retried; expiry ends it
      if (result.state === 'confirmed') return this.#authorise({ method: 'qr', qrSessionId }, now);
      this.#flow.showNotice('qrExpired', [], 'attract', now);
    });
  }

  #startQr(nowMs: number): void {
    const flow = this.#flow;
    this.#qrSessionId = '';
    this.#bankPending = true;
    flow.enter('qr', nowMs);
    this.#o.bank.startQr((result) => {
      this.#bankPending = false;
      const now = this.#o.clock.monotonicMs();
      if (flow.state !== 'qr') return;
      if (!result.ok) return flow.showNotice('bankUnreachable', [], 'attract', now);
      this.#qrSessionId = result.qrSessionId;
      this.#qrNextPollMs = now + QR_POLL_PERIOD_MS;
      flow.stateSinceMs = now - Math.max(0, STATE_TIMEOUT_MS.qr - result.expiresInMs);
      flow.screens.qr(flow.language, result.payload);
    });
  }

  #authorise(request: AuthoriseRequest, nowMs: number): void {
    const flow = this.#flow;
    this.#method = request.method;
    flow.enter('authorising', nowMs);
    this.#o.bank.authorise(request, (result: AuthoriseResult) => {
      const now = this.#o.clock.monotonicMs();
      if (flow.state !== 'authorising') return;
      if (result.ok) {
        flow.account = result.account;
        return flow.enter('bill', now);
      }
      if (result.error === 'unknown-customer' && request.method === 'palm') return this.#retryPalm(now);
      flow.showNotice(result.error === 'unknown-customer' ? 'unknownCustomer' : 'bankUnreachable', [], 'attract', now);
    });
  }

  /** The bank knows no such palm: back to the camera (no new screen until it says), one attempt fewer. */
  #retryPalm(nowMs: number): void {
    this.#flow.state = 'palm';
    this.#palmFailed(nowMs);
  }
}
