// The customer's session: the one path that moves money. It joins the keypad, the screen,
// the card reader, the palm camera, the cash acceptor, the ledger and the bank.
//
//   attract → method → authorise (palm | QR | card | IIN) → bill → cash-in → finishing
//   → crediting → goodbye → attract
//
// Money rules (docs/design.md): a note is written to the ledger as "about to be stacked" before the
// STACK command and as "stacked" when the acceptor says so; the session is closed in the
// ledger with its allocation; the outbox credits it. No step strands cash: cancel or a
// timeout in cash-in returns the note in escrow and closes the session with what was stacked.

import type { Clock, Display, Key, Keypad, Language, PalmScanner, Settings } from '../../hal/ports';
import { assert } from '../assert';
import type { SyncDemand } from '../bank/outbox';
import type { AuthMethod, LedgerRecord, SessionOutcome } from '../domain';
import type { EventLog } from '../log/event-log';
import type { Task } from '../loop/scheduler';
import { allocate, allocatePayment } from '../money/allocation';
import { IIN_DIGITS, validateIin } from '../kz/iin';
import { CassetteCount } from './cassette';
import type {
  AppendResult, AppendTier, AuthoriseRequest, AuthoriseResult, CardEvent, CashEvent, CustomerAccount, SessionBank, SessionConfig, SessionDevices,
  SessionLedger, SessionSync,
} from './deps';
import { doubtReasonFrom, DoubtInDevice, followSession, OpenSessionCheckpoint, scanLedger, type OpenSession } from './recovery';
import { ESCROW_ROOM_BYTES, SESSION_ROOM_BYTES } from './room';
import { Screens, type CashInView } from './screens';

export type SessionState =
  | 'recovering' | 'attract' | 'method' | 'iin' | 'card' | 'palm' | 'qr' | 'authorising' | 'bill' | 'cash-in'
  | 'finishing' | 'crediting' | 'notice' | 'out-of-service';

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

export const IIN_ATTEMPTS_MAX = 3;
export const PALM_ATTEMPTS_MAX = 3; // Kazakhstan's biometric rules allow three attempts
export const NOTES_PER_SESSION_MAX = 200;
export const QR_POLL_PERIOD_MS = 2_000;
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
  readonly cassette: CassetteCount;
  readonly #checkpoint: OpenSessionCheckpoint;
  /** The doubt whose note the validator may still report: its report is linked, never doubted again. */
  readonly #doubtInDevice: DoubtInDevice;
  /** The open session as the ledger has it, checkpointed after each of its records. */
  #progress: OpenSession | undefined;
  readonly #o: SessionOptions;
  readonly #screens: Screens;
  #state: SessionState = 'recovering';
  #stateSinceMs = 0;
  #lastActivityMs = 0;
  #language: Language = 'kk';
  #recovering: OpenSession | undefined;
  #powerUpReport: CashEvent | undefined;
  #iinDigits = '';
  #cashInRequested = false;
  /** The acceptor reported a jam during this cash-in: a note left in doubt is a jammed one. */
  #jammedInSession = false;
  #attemptsLeft = 0;
  #method: AuthMethod = 'iin';
  #account: CustomerAccount | undefined;
  #bankPending = false;
  #qrSessionId = '';
  #qrNextPollMs = 0;
  #sessionId = 0;
  #depositedTiyn = 0;
  #notes = 0;
  #escrowTenge = 0;
  #closedSequence = 0;
  /** How the cash-in ended (finish key, cancel, timeout), recorded once the acceptor has settled. */
  #finishOutcome: SessionOutcome = 'completed';
  #notice: { text: Parameters<Screens['notice']>[0]; args: readonly (string | number)[]; then: SessionState } | undefined;
  /** Sessions completed since boot, by outcome — for the console and the bench. */
  readonly outcomes: Record<SessionOutcome, number> = { completed: 0, cancelled: 0, timeout: 0, recovered: 0 };
  /** Promised records a full ledger refused since boot (0 unless the room kept for them ran out). */
  unrecordedRecords = 0;
  /** Set when a promised record went unwritten: no cash is taken until a restart. */
  #cashRefused = false;

  constructor(options: SessionOptions) {
    this.#o = options;
    this.#screens = new Screens(options.display);
    this.cassette = new CassetteCount(options.settings);
    this.#checkpoint = new OpenSessionCheckpoint(options.settings);
    this.#doubtInDevice = new DoubtInDevice(options.settings);
    this.#recovering = scanLedger(options.ledger, this.cassette, this.#checkpoint, this.#doubtInDevice);
    this.#progress = this.#recovering;
    this.#enter(this.#recovering === undefined ? 'attract' : 'recovering', options.clock.monotonicMs());
  }

  get state(): SessionState {
    return this.#state;
  }

  /** No customer at the machine: the console may collect, the bench may cut power without a story. */
  get idle(): boolean {
    return this.#state === 'attract' || this.#state === 'out-of-service';
  }

  get language(): Language {
    return this.#language;
  }

  /**
   * What the customer needs of the bank sync now (src/bank/outbox.ts "When"): nobody there is a
   * quiet moment; a closed session's customer waits for "credited"; anyone else at the machine
   * holds the link — a session's records then go at its close, and a customer signing in is not
   * kept waiting behind a deposit batch. So does a restart's recovery, which is about to close
   * the interrupted session (within its few seconds): its records go in one batch with the close.
   */
  get syncDemand(): SyncDemand {
    const state = this.#state;
    if (state === 'crediting') return 'now';
    return state === 'attract' || state === 'out-of-service' ? 'quiet' : 'hold';
  }

  poll(nowMs: number): void {
    this.#drainKeys(nowMs);
    this.#drainCardEvents(nowMs);
    this.#drainCashEvents(nowMs);
    this.#step(nowMs);
  }

  // ----- the state machine's per-tick step -----

  #step(nowMs: number): void {
    const idleMs = nowMs - (this.#state === 'cash-in' ? this.#lastActivityMs : this.#stateSinceMs);
    const timedOut = idleMs >= STATE_TIMEOUT_MS[this.#state];
    switch (this.#state) {
      case 'recovering': return this.#stepRecovering(nowMs, timedOut);
      case 'palm': return this.#stepPalm(nowMs, timedOut);
      case 'qr': return this.#stepQr(nowMs, timedOut);
      case 'cash-in': if (timedOut) this.#finishCashIn(nowMs, this.#depositedTiyn > 0 ? 'completed' : 'timeout'); return;
      case 'finishing': return this.#stepFinishing(nowMs, timedOut);
      case 'crediting': return this.#stepCrediting(nowMs, timedOut);
      case 'notice': if (timedOut) this.#enter(this.#notice?.then ?? 'attract', nowMs); return;
      case 'out-of-service': if (timedOut) this.#enter('attract', nowMs); return;
      case 'authorising': return; // the bank client always calls back, its timeouts included
      case 'bill': return this.#stepBill(nowMs, timedOut);
      default: if (timedOut) this.#goodbye(nowMs);
    }
  }

  #stepRecovering(nowMs: number, timedOut: boolean): void {
    const open = this.#recovering;
    assert(open !== undefined, 'recovering without an open session');
    const status = this.#o.devices.acceptor.status();
    // The acceptor reports a note it found in the stacker at power-up as stacked before it goes idle.
    if (!timedOut && (status === 'starting' || status === 'unknown')) return;
    const inDoubtTenge = open.unresolvedEscrowTenge; // the record below settles it in `open`
    if (inDoubtTenge > 0) {
      const sequence = this.#promised({
        kind: 'doubt', sessionId: open.sessionId, denominationTenge: inDoubtTenge, reason: doubtReasonFrom(this.#powerUpReport),
      });
      this.#addDoubt(sequence);
      if (sequence > 0) this.#doubtInDevice.hold(sequence, open.sessionId, inDoubtTenge);
    }
    const split = allocate(open.billTiyn, open.stackedTiyn);
    this.#promised({
      kind: 'session-closed', sessionId: open.sessionId, outcome: 'recovered', depositedTiyn: open.stackedTiyn,
      toBillTiyn: split.toBillTiyn, toNextTiyn: split.toNextTiyn,
    });
    this.outcomes.recovered += 1;
    this.#o.log.record('session', `session ${open.sessionId} recovered after a restart: ${open.stackedNotes} notes credited`);
    this.#recovering = undefined;
    this.#enter('attract', nowMs);
  }

  #stepPalm(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#goodbye(nowMs);
    const reading = this.#o.palm.read();
    if (reading === undefined) return;
    if (reading.kind === 'template') return this.#authorise({ method: 'palm', palmTemplate: reading.template }, nowMs);
    this.#palmFailed(nowMs);
  }

  #palmFailed(nowMs: number): void {
    this.#attemptsLeft -= 1;
    if (this.#attemptsLeft <= 0) return this.#showNotice('palmRetry', [0], 'attract', nowMs);
    this.#o.palm.start();
    this.#stateSinceMs = nowMs;
    this.#screens.palm(this.#language, this.#attemptsLeft);
  }

  #stepQr(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#showNotice('qrExpired', [], 'attract', nowMs);
    if (this.#bankPending || this.#qrSessionId === '' || nowMs < this.#qrNextPollMs) return;
    this.#bankPending = true;
    const qrSessionId = this.#qrSessionId;
    this.#o.bank.pollQr(qrSessionId, (result) => {
      this.#bankPending = false;
      const now = this.#o.clock.monotonicMs();
      if (this.#state !== 'qr' || this.#qrSessionId !== qrSessionId) return;
      this.#qrNextPollMs = now + QR_POLL_PERIOD_MS;
      if (!result.ok || result.state === 'pending') return; // a lost poll is retried; expiry ends it
      if (result.state === 'confirmed') return this.#authorise({ method: 'qr', qrSessionId }, now);
      this.#showNotice('qrExpired', [], 'attract', now);
    });
  }

  /** The customer asked to pay: cash-in starts once the acceptor has finished starting up. */
  #stepBill(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#goodbye(nowMs);
    if (!this.#cashInRequested) return;
    const status = this.#o.devices.acceptor.status();
    if (status === 'starting' || status === 'unknown') return; // a few seconds after power-up at most
    this.#cashInRequested = false;
    this.#startCashIn(nowMs);
  }

  #stepFinishing(nowMs: number, timedOut: boolean): void {
    const acceptor = this.#o.devices.acceptor;
    if (!timedOut && (this.#escrowTenge > 0 || acceptor.status() === 'cash-in')) return;
    this.#closeSession(nowMs, this.#finishOutcome);
  }

  #stepCrediting(nowMs: number, timedOut: boolean): void {
    if (this.#o.ledger.ackedSequence >= this.#closedSequence) {
      return this.#showNotice('credited', [], 'attract', nowMs);
    }
    if (timedOut) this.#showNotice('savedForLater', [], 'attract', nowMs);
  }

  // ----- input: keys, card events, cash events -----

  #drainKeys(nowMs: number): void {
    for (let count = 0; count < KEYS_PER_TICK_MAX; count += 1) {
      const key = this.#o.keypad.read();
      if (key === undefined) return;
      this.#stateSinceMs = nowMs;
      this.#lastActivityMs = nowMs;
      this.#onKey(key, nowMs);
    }
  }

  #onKey(key: Key, nowMs: number): void {
    switch (this.#state) {
      case 'attract': return this.#onAttractKey(key, nowMs);
      case 'method': return this.#onMethodKey(key, nowMs);
      case 'iin': return this.#onIinKey(key, nowMs);
      case 'bill':
        if (key === 'enter') {
          this.#cashInRequested = true;
          return this.#stepBill(nowMs, false);
        }
        if (key === 'cancel') return this.#goodbye(nowMs);
        return;
      case 'cash-in':
        // No change is given: cancel after notes are stacked finishes the payment like ENTER.
        if (key === 'enter' || key === 'cancel') return this.#finishCashIn(nowMs, this.#depositedTiyn > 0 ? 'completed' : 'cancelled');
        return;
      case 'card': case 'palm': case 'qr':
        if (key === 'cancel') return this.#goodbye(nowMs);
        return;
      case 'notice':
        if (key === 'enter' || key === 'cancel') this.#enter(this.#notice?.then ?? 'attract', nowMs);
        return;
      default: return; // recovering, authorising, finishing, crediting: keys wait for the machine
    }
  }

  #onAttractKey(key: Key, nowMs: number): void {
    const language = key === 'F1' ? 'kk' : key === 'F2' ? 'ru' : key === 'F3' ? 'en' : undefined;
    if (language === undefined || !this.#o.config.languages.includes(language)) return;
    this.#language = language;
    // A ledger that cannot keep a whole session: say so before the customer signs in.
    if (!this.#roomForSession()) return this.#showNotice('outOfServiceCash', [], 'attract', nowMs);
    this.#enter('method', nowMs);
  }

  #onMethodKey(key: Key, nowMs: number): void {
    if (key === 'cancel') return this.#goodbye(nowMs);
    if (key === 'F1' && this.#o.config.palmOffered()) return this.#startPalm(nowMs);
    if (key === 'F2') return this.#startQr(nowMs);
    if (key === 'F3') return this.#o.config.cardOffered() ? this.#enter('card', nowMs) : this.#showNotice('cardUnavailable', [], 'method', nowMs);
    if (key === 'F4') {
      this.#iinDigits = '';
      this.#attemptsLeft = IIN_ATTEMPTS_MAX;
      return this.#enter('iin', nowMs);
    }
  }

  #onIinKey(key: Key, nowMs: number): void {
    if (key === 'cancel') return this.#goodbye(nowMs);
    if (key === 'clear') this.#iinDigits = this.#iinDigits.slice(0, -1);
    else if (key >= '0' && key <= '9' && key.length === 1 && this.#iinDigits.length < IIN_DIGITS) this.#iinDigits += key;
    else if (key === 'enter') return this.#submitIin(nowMs);
    this.#screens.iin(this.#language, this.#iinDigits.length, undefined, this.#attemptsLeft);
  }

  #submitIin(nowMs: number): void {
    const verdict = validateIin(this.#iinDigits, this.#o.clock.wallMs());
    if (verdict.ok) return this.#authorise({ method: 'iin', iin: this.#iinDigits }, nowMs);
    this.#attemptsLeft -= 1;
    this.#iinDigits = '';
    if (this.#attemptsLeft <= 0) return this.#showNotice('iinInvalid', [verdict.reason, 0], 'attract', nowMs);
    this.#screens.iin(this.#language, 0, verdict.reason, this.#attemptsLeft);
  }

  #drainCardEvents(nowMs: number): void {
    for (let count = 0; count < EVENTS_PER_TICK_MAX; count += 1) {
      const event = this.#o.devices.cardReader.nextEvent();
      if (event === undefined) return;
      this.#onCardEvent(event, nowMs);
    }
  }

  #onCardEvent(event: CardEvent, nowMs: number): void {
    if (event.kind === 'tap-refused') {
      // Say it where the customer is choosing or using the card; the screen never runs ahead of the state.
      if (this.#state === 'method' && !this.#o.config.cardOffered()) return this.#showNotice('cardUnavailable', [], 'method', nowMs);
      if (this.#state === 'method') this.#enter('card', nowMs);
      if (this.#state === 'card') this.#screens.card(this.#language, 'contactlessOff');
      return;
    }
    if (this.#state !== 'card') {
      if (event.kind === 'inserted' || event.kind === 'read') this.#o.devices.cardReader.eject(); // not now: give it back
      return;
    }
    switch (event.kind) {
      case 'read':
        this.#o.devices.cardReader.eject(); // the card's job is done once the token is read
        if (!event.kaspiGold) return this.#showNotice('cardNotKaspi', [], 'attract', nowMs);
        return this.#authorise({ method: 'card', cardToken: event.cardToken }, nowMs);
      case 'read-failed': this.#o.devices.cardReader.eject(); return this.#showNotice('cardUnreadable', [], 'attract', nowMs);
      case 'retained': return this.#showNotice('cardRetained', [], 'attract', nowMs);
      case 'fault': return this.#showNotice('cardUnreadable', [], 'attract', nowMs);
      default: return;
    }
  }

  #drainCashEvents(nowMs: number): void {
    for (let count = 0; count < EVENTS_PER_TICK_MAX; count += 1) {
      const event = this.#o.devices.acceptor.nextEvent();
      if (event === undefined) return;
      this.#onCashEvent(event, nowMs);
    }
  }

  #onCashEvent(event: CashEvent, nowMs: number): void {
    if (event.kind === 'power-up-with-bill') {
      this.#powerUpReport = event;
      this.#o.log.record('validator', `power-up with a bill in the ${event.where}`);
      return;
    }
    if (this.#state === 'recovering') return this.#onRecoveryCashEvent(event);
    if (this.#state !== 'cash-in' && this.#state !== 'finishing') return this.#onCashEventOutside(event);
    this.#lastActivityMs = nowMs;
    switch (event.kind) {
      case 'escrowed': return this.#onEscrowed(event.denominationTenge, nowMs);
      case 'stacked': return this.#onStacked(event.denominationTenge);
      case 'returned':
        if (this.#escrowTenge > 0) this.#promised({ kind: 'note-returned', sessionId: this.#sessionId, denominationTenge: this.#escrowTenge });
        this.#escrowTenge = 0;
        return;
      case 'rejected': return this.#showCashIn('noteReturned', [event.reason]);
      case 'fault':
        this.#jammedInSession ||= event.fault === 'jam-stacker' || event.fault === 'jam-validator';
        if (this.#state === 'cash-in') this.#finishCashIn(nowMs, this.#depositedTiyn > 0 ? 'completed' : 'cancelled');
        return;
      default: return;
    }
  }

  /**
   * Outside a session the acceptor is disabled: a note in escrow goes back. A note the device
   * says it stacked is in the cassette with no session to credit: the one already held as a
   * doubt (a jam cleared, a cut) is linked to that doubt; any other is sent to reconcile.
   */
  #onCashEventOutside(event: CashEvent): void {
    if (event.kind === 'escrowed') return void this.#o.devices.acceptor.returnNote();
    if (event.kind !== 'stacked' && event.kind !== 'returned') return;
    const doubt = this.#doubtInDevice;
    const doubtSequence = doubt.sequence;
    if (doubt.link(event.denominationTenge)) {
      return this.#o.log.record('session', `${event.denominationTenge} ₸ reported ${event.kind}: already held as a doubt (sequence ${doubtSequence})`);
    }
    if (event.kind === 'returned') return;
    if (event.denominationTenge === 0) return this.#stackedOfUnknownValue(this.#sessionId);
    this.#addDoubt(this.#promised({ kind: 'doubt', sessionId: this.#sessionId, denominationTenge: event.denominationTenge, reason: 'unknown' }));
    this.#o.log.record('session', `${event.denominationTenge} ₸ stacked outside a session: sent to reconcile`);
  }

  /** After a restart, the acceptor's word on the note whose STACK was in doubt settles it. */
  #onRecoveryCashEvent(event: CashEvent): void {
    const open = this.#recovering!;
    if (event.kind === 'escrowed') return void this.#o.devices.acceptor.returnNote();
    if (event.kind === 'stacked' && event.denominationTenge === 0) return this.#stackedOfUnknownValue(open.sessionId);
    if ((event.kind !== 'stacked' && event.kind !== 'returned') || event.denominationTenge !== open.unresolvedEscrowTenge) return;
    // The open session (#progress is #recovering) follows the record: its totals and its escrow.
    const sequence = this.#promised({ kind: event.kind === 'stacked' ? 'note-stacked' : 'note-returned', sessionId: open.sessionId, denominationTenge: event.denominationTenge });
    if (event.kind === 'stacked' && sequence > 0) this.cassette.add(event.denominationTenge, sequence);
    assert(open.unresolvedEscrowTenge === 0, 'recovery: the note in doubt is settled by the record');
  }

  #onEscrowed(denominationTenge: number, nowMs: number): void {
    const acceptor = this.#o.devices.acceptor;
    const amountTiyn = denominationTenge * 100;
    if (this.#state !== 'cash-in') return void acceptor.returnNote();
    if (this.#depositedTiyn + amountTiyn > this.#account!.sessionMaxTiyn || this.#notes >= NOTES_PER_SESSION_MAX) {
      acceptor.returnNote();
      return this.#showCashIn('limitReached', []);
    }
    if (this.cassette.notes + this.cassette.doubtfulNotes >= this.#o.config.cassetteCapacityNotes) {
      acceptor.returnNote();
      return this.#showCashIn('cassetteFull', []);
    }
    if (this.#o.ledger.roomBytes() < ESCROW_ROOM_BYTES) {
      // The ledger could not keep what this note may still need (its outcome, the session's
      // close, a doubt): the note goes back, and so does every note until the bank frees room.
      acceptor.returnNote();
      return this.#showCashIn('ledgerFull', []);
    }
    const written = this.#record({ kind: 'note-escrowed', sessionId: this.#sessionId, denominationTenge }, 'ordinary');
    if (!written.ok) {
      // The flash failed: the note goes back and the machine stops taking cash.
      acceptor.returnNote();
      return this.#finishCashIn(nowMs, this.#depositedTiyn > 0 ? 'completed' : 'cancelled');
    }
    this.#escrowTenge = denominationTenge;
    acceptor.stack();
  }

  #onStacked(denominationTenge: number): void {
    if (denominationTenge === 0) return this.#stackedOfUnknownValue(this.#sessionId);
    // The acceptor stacks on our STACK, after the note-escrowed record; if it ever stacks a note
    // it never showed in escrow, its word is still the truth: the note is in the cassette.
    if (this.#escrowTenge !== denominationTenge) {
      this.#o.log.record('session', `stacked ${denominationTenge} ₸ with ${this.#escrowTenge} ₸ in escrow: the device's report stands`);
    }
    const sequence = this.#promised({ kind: 'note-stacked', sessionId: this.#sessionId, denominationTenge });
    this.#escrowTenge = 0;
    if (sequence === 0) return; // not recorded (logged): neither counted nor credited, the machine out of service for cash
    this.#notes += 1;
    this.#depositedTiyn += denominationTenge * 100;
    this.cassette.add(denominationTenge, sequence);
    this.#showCashIn(undefined, []);
  }

  /**
   * The acceptor stacked a bill its table gives no tenge note for (never enabled: a faulty or
   * misconfigured device). It is in the cassette, so it is never dropped; it is no money the
   * machine can name, so it is never credited: one doubt of unknown value (0) for the bank to
   * reconcile. If a note was in escrow, this report was its outcome.
   */
  #stackedOfUnknownValue(sessionId: number): void {
    this.#escrowTenge = 0;
    this.#addDoubt(this.#promised({ kind: 'doubt', sessionId, denominationTenge: 0, reason: 'unknown' }));
    this.#o.log.record('session', 'a bill of no tenge value was stacked: sent to reconcile');
  }

  // ----- transitions -----

  #startPalm(nowMs: number): void {
    this.#attemptsLeft = PALM_ATTEMPTS_MAX;
    if (!this.#o.palm.start()) return this.#showNotice('outOfService', [], 'method', nowMs);
    this.#enter('palm', nowMs);
  }

  #startQr(nowMs: number): void {
    this.#qrSessionId = '';
    this.#bankPending = true;
    this.#enter('qr', nowMs);
    this.#o.bank.startQr((result) => {
      this.#bankPending = false;
      const now = this.#o.clock.monotonicMs();
      if (this.#state !== 'qr') return;
      if (!result.ok) return this.#showNotice('bankUnreachable', [], 'attract', now);
      this.#qrSessionId = result.qrSessionId;
      this.#qrNextPollMs = now + QR_POLL_PERIOD_MS;
      this.#stateSinceMs = now - Math.max(0, STATE_TIMEOUT_MS.qr - result.expiresInMs);
      this.#screens.qr(this.#language, result.payload);
    });
  }

  #authorise(request: AuthoriseRequest, nowMs: number): void {
    this.#method = request.method;
    this.#enter('authorising', nowMs);
    this.#o.bank.authorise(request, (result: AuthoriseResult) => {
      const now = this.#o.clock.monotonicMs();
      if (this.#state !== 'authorising') return;
      if (result.ok) {
        this.#account = result.account;
        return this.#enter('bill', now);
      }
      if (result.error === 'unknown-customer' && request.method === 'palm') return this.#retryPalm(now);
      this.#showNotice(result.error === 'unknown-customer' ? 'unknownCustomer' : 'bankUnreachable', [], 'attract', now);
    });
  }

  #retryPalm(nowMs: number): void {
    this.#state = 'palm';
    this.#palmFailed(nowMs);
  }

  #startCashIn(nowMs: number): void {
    const account = this.#account;
    assert(account !== undefined, 'cash-in without a customer');
    const acceptor = this.#o.devices.acceptor;
    if (acceptor.status() !== 'idle' || !this.#roomForSession()) return this.#showNotice('outOfServiceCash', [], 'attract', nowMs);
    this.#sessionId = this.#o.ledger.headSequence + 1; // the opening record's sequence: unique for the device's life
    const opened = this.#record({
      kind: 'session-opened', sessionId: this.#sessionId, method: this.#method, customerId: account.customerId,
      billTiyn: account.bill.billTiyn, wallMs: this.#o.clock.wallMs(),
    }, 'ordinary');
    if (!opened.ok) return this.#showNotice('outOfServiceCash', [], 'attract', nowMs);
    assert(opened.sequence === this.#sessionId, 'the session id is the opening record\'s sequence');
    this.#doubtInDevice.clear(); // the acceptor was idle: no note of an earlier session is left in it
    this.#depositedTiyn = 0;
    this.#notes = 0;
    this.#escrowTenge = 0;
    this.#jammedInSession = false;
    if (!acceptor.cashInStart()) return this.#closeSession(nowMs, 'cancelled');
    this.#enter('cash-in', nowMs);
  }

  #finishCashIn(nowMs: number, outcome: SessionOutcome): void {
    this.#finishOutcome = outcome;
    this.#o.devices.acceptor.cashInEnd(); // returns a note still in escrow
    this.#enter('finishing', nowMs);
  }

  #closeSession(nowMs: number, outcome: SessionOutcome): void {
    const account = this.#account;
    assert(account !== undefined, 'closing without a customer');
    if (this.#escrowTenge > 0) {
      // The acceptor never said what became of the note in escrow: reconcile, never guess.
      const reason = this.#jammedInSession ? 'jam' : 'unknown';
      const sequence = this.#promised({ kind: 'doubt', sessionId: this.#sessionId, denominationTenge: this.#escrowTenge, reason });
      this.#addDoubt(sequence);
      if (sequence > 0) this.#doubtInDevice.hold(sequence, this.#sessionId, this.#escrowTenge);
      this.#escrowTenge = 0;
    }
    const split = allocate(account.bill.billTiyn, this.#depositedTiyn);
    const closed = this.#promised({
      kind: 'session-closed', sessionId: this.#sessionId, outcome, depositedTiyn: this.#depositedTiyn,
      toBillTiyn: split.toBillTiyn, toNextTiyn: split.toNextTiyn,
    });
    // Unwritten (logged), the session stays open in the ledger and the next boot closes it: never "credited" before that.
    this.#closedSequence = closed > 0 ? closed : Number.MAX_SAFE_INTEGER;
    this.outcomes[outcome] += 1;
    if (this.#depositedTiyn === 0) return this.#showNotice('nothingDeposited', [], 'attract', nowMs);
    this.#enter('crediting', nowMs);
    this.#o.sync?.creditNow(nowMs);
  }

  #goodbye(nowMs: number): void {
    this.#o.devices.cardReader.disable();
    this.#o.palm.stop();
    this.#showNotice('goodbye', [], 'attract', nowMs);
  }

  #showNotice(text: Parameters<Screens['notice']>[0], args: readonly (string | number)[], then: SessionState, nowMs: number): void {
    this.#notice = { text, args, then };
    this.#enter('notice', nowMs);
  }

  /**
   * Writes a record the session promised (its room was checked before the session opened or the
   * note was escrowed); returns its sequence. A broken flash stops the machine (an assertion);
   * a full ledger never does: should a promise ever outrun the room kept for it, the record is
   * logged as unwritten, counted, and the machine takes no more cash until a restart.
   */
  #promised(record: LedgerRecord): number {
    const written = this.#record(record, 'promised');
    if (written.ok) return written.sequence;
    assert(written.error === 'full', `ledger refused a ${record.kind} record: ${written.error}`);
    this.unrecordedRecords += 1;
    this.#cashRefused = true;
    const session = 'sessionId' in record ? ` of session ${record.sessionId}` : '';
    this.#o.log.record('ledger', `FULL: ${record.kind}${session} not recorded; no more cash taken until a restart`);
    return 0;
  }

  /** A doubt record's note counts apart in the cassette; an unwritten one (sequence 0) does not count. */
  #addDoubt(sequence: number): void {
    if (sequence > 0) this.cassette.addDoubt(sequence);
  }

  /** Whether a customer may start: the ledger has room for a whole session's worst case. */
  #roomForSession(): boolean {
    return !this.#cashRefused && this.#o.ledger.roomBytes() >= SESSION_ROOM_BYTES;
  }

  /**
   * Appends a record and keeps the open session's checkpoint in step with the ledger — except
   * for note-escrowed: between it and STACK only the ledger append belongs (a Settings write is
   * NVS on the board, which may stall the flash cache while the validator waits). The boot scan
   * replays the records after the checkpoint, and note-escrowed stays in the ring's head sector
   * until the note's outcome record moves the checkpoint past it, once the note is safe.
   */
  #record(record: LedgerRecord, tier: AppendTier): AppendResult {
    const written = this.#o.ledger.append(record, tier);
    if (!written.ok) return written;
    const wasOpen = this.#progress !== undefined;
    this.#progress = followSession(this.#progress, record);
    if (this.#progress !== undefined && record.kind !== 'note-escrowed') this.#checkpoint.save(this.#progress, written.sequence);
    else if (this.#progress === undefined && wasOpen) this.#checkpoint.clear();
    return written;
  }

  #enter(wanted: SessionState, nowMs: number): void {
    // A machine that cannot serve anyone (no ATM id) idles on "out of service", not on a welcome.
    const state = wanted === 'attract' && this.#o.config.outOfService?.() !== undefined ? 'out-of-service' : wanted;
    this.#state = state;
    this.#stateSinceMs = nowMs;
    this.#lastActivityMs = nowMs;
    if (state === 'card') this.#o.devices.cardReader.enable();
    if (state === 'attract' || state === 'out-of-service') {
      this.#account = undefined;
      this.#cashInRequested = false;
      this.#o.devices.cardReader.disable();
    }
    this.#draw();
  }

  #cashInView(): CashInView {
    const account = this.#account!;
    const allocation = allocatePayment(account.bill, this.#depositedTiyn);
    return {
      billTiyn: account.bill.billTiyn, depositedTiyn: this.#depositedTiyn, toBillTiyn: allocation.toBillTiyn,
      toNextTiyn: allocation.toNextTiyn, nextBillTiyn: allocation.after.nextBillTiyn, notes: this.#notes,
    };
  }

  #showCashIn(message: Parameters<Screens['notice']>[0] | undefined, args: readonly (string | number)[]): void {
    if (this.#state === 'cash-in') this.#screens.cashIn(this.#language, this.#cashInView(), message, args);
  }

  #draw(): void {
    const language = this.#language;
    const screens = this.#screens;
    switch (this.#state) {
      case 'recovering': return screens.notice('recovering', language, []);
      case 'attract': return screens.attract(this.#o.config.languages);
      case 'method': return screens.method(language, this.#o.config.palmOffered(), this.#o.config.cardOffered());
      case 'iin': return screens.iin(language, 0, undefined, this.#attemptsLeft);
      case 'card': return screens.card(language, 'insertCard');
      case 'palm': return screens.palm(language, this.#attemptsLeft);
      case 'qr': return screens.notice('pleaseWait', language, []);
      case 'authorising': return screens.notice('pleaseWait', language, []);
      case 'bill': return screens.bill(language, this.#account!);
      case 'cash-in': return screens.cashIn(language, this.#cashInView(), undefined, []);
      case 'finishing': return screens.notice('pleaseWait', language, []);
      case 'crediting': return screens.summary(language, this.#cashInView(), 'crediting');
      case 'notice': return screens.notice(this.#notice!.text, language, this.#notice!.args, this.#cashInSummaryFor(this.#notice!.text));
      case 'out-of-service': return screens.outOfService(this.#o.config.languages, this.#o.config.outOfService?.() ?? '');
    }
  }

  #cashInSummaryFor(text: Parameters<Screens['notice']>[0]): CashInView | undefined {
    return (text === 'credited' || text === 'savedForLater') && this.#account !== undefined ? this.#cashInView() : undefined;
  }
}
