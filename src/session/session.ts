// The customer's session: the one path that moves money. It joins the keypad, the screen,
// the card reader, the palm camera, the cash acceptor, the ledger and the bank.
//
//   attract → method → authorise (palm | QR | card | IIN) → bill → cash-in → finishing
//   → crediting → goodbye → attract
//
// This task is the coordinator: each tick it reads the keypad, the card reader and the acceptor
// and hands each input, and the tick itself, to the part the state belongs to — the sign-in
// (sign-in.ts), the cash-in (cash-in.ts), a restart's recovery and notes no session owns
// (restart.ts). Where the customer is, and the screens, are flow.ts's; what the session writes
// to the ledger is session-records.ts's.
import type { Clock, Display, Keypad, Key, Language, PalmScanner, Settings } from '../../hal/ports';
import type { SyncDemand } from '../bank/outbox';
import type { SessionOutcome } from '../domain';
import type { EventLog } from '../log/event-log';
import type { Task } from '../loop/scheduler';
import type { CassetteCount } from './cassette';
import { CashIn } from './cash-in';
import type {
  CardEvent,
  CashEvent,
  SessionBank,
  SessionConfig,
  SessionDevices,
  SessionLedger,
  SessionSync,
} from './deps';
import { SessionFlow, STATE_TIMEOUT_MS, type SessionState } from './flow';
import { RestartRecovery } from './restart';
import { SessionRecords } from './session-records';
import { SignIn } from './sign-in';

export { STATE_TIMEOUT_MS, type SessionState } from './flow';
export { IIN_ATTEMPTS_MAX, PALM_ATTEMPTS_MAX, QR_POLL_PERIOD_MS } from './sign-in';
export { NOTES_PER_SESSION_MAX } from './cash-in';

const KEYS_PER_TICK_MAX = 8;
const EVENTS_PER_TICK_MAX = 8;

export interface SessionOptions {
  readonly clock: Clock;
  readonly display: Display;
  readonly keypad: Keypad;
  readonly palm: PalmScanner;
  readonly ledger: SessionLedger;
  readonly bank: SessionBank;
  readonly devices: SessionDevices;
  readonly config: SessionConfig;
  readonly log: EventLog;
  /** Where the cassette count is checkpointed (it must outlive the ledger's ring). */
  readonly settings?: Settings;
  /** The bank sync (the outbox), told when a closed session's customer waits for "credited". */
  readonly sync?: SessionSync;
}

/** The customer in front of the machine, from the first key to goodbye. */
export class SessionTask implements Task {
  readonly name = 'session';
  readonly periodMs = 20;
  readonly deadlineMs = 1000;
  readonly #o: SessionOptions;
  readonly #flow: SessionFlow;
  readonly #records: SessionRecords;
  readonly #signIn: SignIn;
  readonly #cashIn: CashIn;
  readonly #recovery: RestartRecovery;

  constructor(options: SessionOptions) {
    this.#o = options;
    this.#flow = new SessionFlow(options);
    this.#records = new SessionRecords(options.ledger, options.log, options.settings);
    this.#signIn = new SignIn(options, this.#flow, this.#records);
    this.#cashIn = new CashIn(options, this.#flow, this.#records, this.#signIn);
    this.#recovery = new RestartRecovery(options, this.#flow, this.#records);
    this.#flow.bind(this.#signIn, this.#cashIn);
    this.#flow.enter(this.#recovery.pending ? 'recovering' : 'attract', options.clock.monotonicMs());
  }

  get state(): SessionState {
    return this.#flow.state;
  }

  /** No customer at the machine: the console may collect, the bench may cut power without a story. */
  get idle(): boolean {
    return this.#flow.state === 'attract' || this.#flow.state === 'out-of-service';
  }

  get language(): Language {
    return this.#flow.language;
  }

  get cassette(): CassetteCount {
    return this.#records.cassette;
  }

  /** Sessions closed since boot, by outcome — for the console and the bench. */
  get outcomes(): Readonly<Record<SessionOutcome, number>> {
    return this.#records.outcomes;
  }

  /** Promised records a full ledger refused since boot (0 unless the room kept for them ran out). */
  get unrecordedRecords(): number {
    return this.#records.unrecordedRecords;
  }

  /**
   * What the customer needs of the bank sync now (src/bank/outbox.ts "When"): nobody there is a
   * quiet moment; a closed session's customer waits for "credited"; anyone else at the machine
   * holds the link — a session's records then go at its close, and a customer signing in is not
   * kept waiting behind a deposit batch. So does a restart's recovery, which is about to close
   * the interrupted session (within its few seconds): its records go in one batch with the close.
   */
  get syncDemand(): SyncDemand {
    const state = this.#flow.state;
    if (state === 'crediting') return 'now';
    return state === 'attract' || state === 'out-of-service' ? 'quiet' : 'hold';
  }

  poll(nowMs: number): void {
    this.#drainKeys(nowMs);
    this.#drainCardEvents(nowMs);
    this.#drainCashEvents(nowMs);
    this.#step(nowMs);
  }

  /** The state's own work this tick, and its timeout. */
  #step(nowMs: number): void {
    const flow = this.#flow;
    const state = flow.state;
    // The machine's idle state has nothing to do and never times out: the cheapest tick, the commonest.
    if (state === 'attract') return;
    // Cash-in times out from the customer's last key or note, every other state from its start.
    const idleMs = nowMs - (state === 'cash-in' ? flow.lastActivityMs : flow.stateSinceMs);
    const timedOut = idleMs >= STATE_TIMEOUT_MS[state];
    // Cases in the order a tick meets them most (a switch on strings compares in order).
    switch (state) {
      case 'cash-in':
        if (timedOut) this.#cashIn.timeOut(nowMs);
        return;
      case 'recovering':
        return this.#recovery.step(nowMs, timedOut);
      case 'palm':
        return this.#signIn.stepPalm(nowMs, timedOut);
      case 'qr':
        return this.#signIn.stepQr(nowMs, timedOut);
      case 'finishing':
        return this.#cashIn.stepFinishing(nowMs, timedOut);
      case 'crediting':
        return this.#cashIn.stepCrediting(nowMs, timedOut);
      case 'notice':
        if (timedOut) flow.leaveNotice(nowMs);
        return;
      case 'out-of-service':
        if (timedOut) flow.enter('attract', nowMs);
        return;
      case 'authorising':
        return; // the bank client always calls back, its timeouts included
      case 'bill':
        return this.#cashIn.stepBill(nowMs, timedOut);
      default:
        if (timedOut) flow.goodbye(nowMs);
    }
  }

  #drainKeys(nowMs: number): void {
    for (let count = 0; count < KEYS_PER_TICK_MAX; count += 1) {
      const key = this.#o.keypad.read();
      if (key === undefined) return;
      this.#flow.stateSinceMs = nowMs;
      this.#flow.lastActivityMs = nowMs;
      this.#onKey(key, nowMs);
    }
  }

  #onKey(key: Key, nowMs: number): void {
    switch (this.#flow.state) {
      case 'attract':
        return this.#signIn.onAttractKey(key, nowMs);
      case 'method':
        return this.#signIn.onMethodKey(key, nowMs);
      case 'iin':
        return this.#signIn.onIinKey(key, nowMs);
      case 'bill':
        return this.#cashIn.onBillKey(key, nowMs);
      case 'cash-in':
        return this.#cashIn.onCashInKey(key, nowMs);
      case 'card':
      case 'palm':
      case 'qr':
        if (key === 'cancel') return this.#flow.goodbye(nowMs);
        return;
      case 'notice':
        if (key === 'enter' || key === 'cancel') this.#flow.leaveNotice(nowMs);
        return;
      default:
        return; // recovering, authorising, finishing, crediting: keys wait for the machine
    }
  }

  #drainCardEvents(nowMs: number): void {
    for (let count = 0; count < EVENTS_PER_TICK_MAX; count += 1) {
      const event: CardEvent | undefined = this.#o.devices.cardReader.nextEvent();
      if (event === undefined) return;
      this.#signIn.onCardEvent(event, nowMs);
    }
  }

  #drainCashEvents(nowMs: number): void {
    for (let count = 0; count < EVENTS_PER_TICK_MAX; count += 1) {
      const event = this.#o.devices.acceptor.nextEvent();
      if (event === undefined) return;
      this.#onCashEvent(event, nowMs);
    }
  }

  /** Each of the acceptor's reports to the part that owns it. */
  #onCashEvent(event: CashEvent, nowMs: number): void {
    const state = this.#flow.state;
    if (event.kind === 'power-up-with-bill') return this.#recovery.onPowerUpReport(event);
    if (state === 'recovering') return this.#recovery.onCashEvent(event);
    if (state !== 'cash-in' && state !== 'finishing')
      return this.#recovery.onCashEventOutside(event, this.#cashIn.sessionId);
    this.#flow.lastActivityMs = nowMs;
    this.#cashIn.onCashEvent(event, nowMs);
  }
}
