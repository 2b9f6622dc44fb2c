// Where the customer is in the session (the states in session.ts), since when, in which language
// and with whose account. Every change of state goes through `enter`, which draws that state's
// screen; a notice is a message and the state to go on to; goodbye ends a visit anywhere.
import type { Language } from '../../hal/ports';
import { assert } from '../assert';
import type { CashIn } from './cash-in';
import type { SessionOptions } from './session';
import type { SignIn } from './sign-in';
import type { CustomerAccount } from './deps';
import { Screens } from './screens';
import type { TextId } from './texts';

export type SessionState =
  | 'recovering'
  | 'attract'
  | 'method'
  | 'iin'
  | 'card'
  | 'palm'
  | 'qr'
  | 'authorising'
  | 'bill'
  | 'cash-in'
  | 'finishing'
  | 'crediting'
  | 'notice'
  | 'out-of-service';

/** How long the customer may be idle in each state before the session moves on (ms). */
export const STATE_TIMEOUT_MS: Readonly<Record<SessionState, number>> = Object.freeze({
  recovering: 5_000, // the acceptor reports its power-up state within a few polls
  attract: Infinity,
  method: 30_000,
  iin: 60_000,
  card: 45_000,
  palm: 20_000,
  qr: 120_000, // the bank's QR lifetime bounds it too
  authorising: 20_000, // the bank client's own timeouts end it sooner
  bill: 60_000,
  'cash-in': 60_000, // counted from the last note
  finishing: 15_000, // the acceptor returns or stacks the note in escrow well inside CCNET's 10 s
  crediting: 20_000, // then "saved, will be credited" — the ledger guarantees it
  notice: 5_000,
  'out-of-service': 30_000,
});

/** What the screens show of the session's parts (attempts left, the running split), and what a customer's leaving resets. */
interface SessionParts {
  readonly signIn: Pick<SignIn, 'attemptsLeft'>;
  readonly cashIn: Pick<CashIn, 'cashInView' | 'customerLeft'>;
}

/** The notice on screen: its text, the values in it, and the state it goes on to (`next`: an object with `then` would be thenable). */
interface Notice {
  text: TextId;
  args: readonly (string | number)[];
  next: SessionState;
}

export class SessionFlow {
  state: SessionState = 'recovering';
  stateSinceMs = 0;
  /** The customer's last key or note: cash-in times out from it, every other state from stateSinceMs. */
  lastActivityMs = 0;
  language: Language = 'kk';
  /** The signed-in customer's account, from authorisation until the machine is back at attract. */
  account: CustomerAccount | undefined = undefined;
  readonly screens: Screens;
  readonly #o: SessionOptions;
  /** Made once, rewritten for each notice: no garbage per notice. */
  readonly #notice: Notice = { text: 'goodbye', args: [], next: 'attract' };
  #parts: SessionParts | undefined = undefined;

  constructor(options: SessionOptions) {
    this.#o = options;
    this.screens = new Screens(options.display);
  }

  /** The parts the screens read; once, before the first `enter`. */
  bind(signIn: SessionParts['signIn'], cashIn: SessionParts['cashIn']): void {
    assert(this.#parts === undefined, 'session flow: bound twice');
    this.#parts = { signIn, cashIn };
  }

  enter(wanted: SessionState, nowMs: number): void {
    // A machine that cannot serve anyone (no ATM id) idles on "out of service", not on a welcome.
    const state = wanted === 'attract' && this.#o.config.outOfService?.() !== undefined ? 'out-of-service' : wanted;
    this.state = state;
    this.stateSinceMs = nowMs;
    this.lastActivityMs = nowMs;
    if (state === 'card') this.#o.devices.cardReader.enable();
    if (state === 'attract' || state === 'out-of-service') {
      this.account = undefined;
      this.#parts!.cashIn.customerLeft();
      this.#o.devices.cardReader.disable();
    }
    this.#draw();
  }

  showNotice(text: TextId, args: readonly (string | number)[], next: SessionState, nowMs: number): void {
    const notice = this.#notice;
    notice.text = text;
    notice.args = args;
    notice.next = next;
    this.enter('notice', nowMs);
  }

  /** The notice is read (a key) or its time is up: on to the state it names. */
  leaveNotice(nowMs: number): void {
    this.enter(this.#notice.next, nowMs);
  }

  goodbye(nowMs: number): void {
    this.#o.devices.cardReader.disable();
    this.#o.palm.stop();
    this.showNotice('goodbye', [], 'attract', nowMs);
  }

  #draw(): void {
    const language = this.language;
    const screens = this.screens;
    const config = this.#o.config;
    const parts = this.#parts!;
    switch (this.state) {
      case 'recovering':
        return screens.notice('recovering', language, []);
      case 'attract':
        return screens.attract(config.languages);
      case 'method':
        return screens.method(language, config.palmOffered(), config.cardOffered());
      case 'iin':
        return screens.iin(language, 0, undefined, parts.signIn.attemptsLeft);
      case 'card':
        return screens.card(language, 'insertCard');
      case 'palm':
        return screens.palm(language, parts.signIn.attemptsLeft);
      case 'qr':
        return screens.notice('pleaseWait', language, []);
      case 'authorising':
        return screens.notice('pleaseWait', language, []);
      case 'bill':
        return screens.bill(language, this.account!);
      case 'cash-in':
        return screens.cashIn(language, parts.cashIn.cashInView(), undefined, []);
      case 'finishing':
        return screens.notice('pleaseWait', language, []);
      case 'crediting':
        return screens.summary(language, parts.cashIn.cashInView(), 'crediting');
      case 'notice':
        return this.#drawNotice(language);
      case 'out-of-service':
        return screens.outOfService(config.languages, config.outOfService?.() ?? '');
    }
  }

  /** A notice; "credited" and "saved for later" with the session's summary. */
  #drawNotice(language: Language): void {
    const { text, args } = this.#notice;
    const summary =
      (text === 'credited' || text === 'savedForLater') && this.account !== undefined
        ? this.#parts!.cashIn.cashInView()
        : undefined;
    this.screens.notice(text, language, args, summary);
  }
}
