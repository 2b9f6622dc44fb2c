// The signed-in customer pays: the bill, then the notes, then the close and "credited".
//
// Money rules (docs/design.md): a note is written to the ledger as "about to be stacked" before the
// STACK command and as "stacked" when the acceptor says so; the session is closed in the
// ledger with its allocation; the outbox credits it. No step strands cash: cancel or a
// timeout in cash-in returns the note in escrow and closes the session with what was stacked.
import type { Key } from '../../hal/ports';
import { assert } from '../assert';
import type { SessionOutcome } from '../domain';
import { allocate, allocatePayment } from '../money/allocation';
import type { CashEvent } from './deps';
import type { SessionFlow } from './flow';
import { ESCROW_ROOM_BYTES } from './room';
import type { CashInView } from './screens';
import type { SessionOptions } from './session';
import type { SessionRecords } from './session-records';
import type { SignIn } from './sign-in';
import type { TextId } from './texts';

export const NOTES_PER_SESSION_MAX = 200;

export class CashIn {
  readonly #o: SessionOptions;
  readonly #flow: SessionFlow;
  readonly #records: SessionRecords;
  readonly #signIn: SignIn;
  /** The customer pressed "pay" at the bill: cash-in starts once the acceptor has started. */
  #cashInRequested = false;
  /** The open session's id: its opening record's sequence (the last session's, between sessions). */
  #sessionId = 0;
  #depositedTiyn = 0;
  #notes = 0;
  /** The note in escrow, written as note-escrowed and not yet stacked or returned (0: none). */
  #escrowTenge = 0;
  /** The acceptor reported a jam during this cash-in: a note left in doubt is a jammed one. */
  #jammedInSession = false;
  /** How the cash-in ended (finish key, cancel, timeout), recorded once the acceptor has settled. */
  #finishOutcome: SessionOutcome = 'completed';
  /** The session-closed record's sequence: "credited" once the bank acknowledges it. */
  #closedSequence = 0;

  constructor(options: SessionOptions, flow: SessionFlow, records: SessionRecords, signIn: SignIn) {
    this.#o = options;
    this.#flow = flow;
    this.#records = records;
    this.#signIn = signIn;
  }

  /** The open session's id, or the last one's between sessions (a stray note is doubted under it). */
  get sessionId(): number {
    return this.#sessionId;
  }

  /** The customer has gone: a "pay" they pressed is forgotten. */
  customerLeft(): void {
    this.#cashInRequested = false;
  }

  onBillKey(key: Key, nowMs: number): void {
    if (key === 'enter') {
      this.#cashInRequested = true;
      return this.stepBill(nowMs, false);
    }
    if (key === 'cancel') return this.#flow.goodbye(nowMs);
  }

  onCashInKey(key: Key, nowMs: number): void {
    // No change is given: cancel after notes are stacked finishes the payment like ENTER.
    if (key === 'enter' || key === 'cancel') this.#finish(nowMs, this.#endedByCustomer());
  }

  /** The customer asked to pay: cash-in starts once the acceptor has finished starting up. */
  stepBill(nowMs: number, timedOut: boolean): void {
    if (timedOut) return this.#flow.goodbye(nowMs);
    if (!this.#cashInRequested) return;
    const status = this.#o.devices.acceptor.status();
    if (status === 'starting' || status === 'unknown') return; // a few seconds after power-up at most
    this.#cashInRequested = false;
    this.#start(nowMs);
  }

  /** The customer has put nothing in for STATE_TIMEOUT_MS['cash-in']: the payment ends with what went in. */
  timeOut(nowMs: number): void {
    this.#finish(nowMs, this.#depositedTiyn > 0 ? 'completed' : 'timeout');
  }

  stepFinishing(nowMs: number, timedOut: boolean): void {
    if (!timedOut && (this.#escrowTenge > 0 || this.#o.devices.acceptor.status() === 'cash-in')) return;
    this.#close(nowMs, this.#finishOutcome);
  }

  stepCrediting(nowMs: number, timedOut: boolean): void {
    if (this.#o.ledger.ackedSequence >= this.#closedSequence)
      return this.#flow.showNotice('credited', [], 'attract', nowMs);
    if (timedOut) this.#flow.showNotice('savedForLater', [], 'attract', nowMs);
  }

  /** What the acceptor reports while the session is in cash-in or finishing. */
  onCashEvent(event: CashEvent, nowMs: number): void {
    switch (event.kind) {
      case 'escrowed':
        return this.#onEscrowed(event.denominationTenge, nowMs);
      case 'stacked':
        return this.#onStacked(event.denominationTenge);
      case 'returned':
        if (this.#escrowTenge > 0)
          this.#records.promised({
            kind: 'note-returned',
            sessionId: this.#sessionId,
            denominationTenge: this.#escrowTenge,
          });
        this.#escrowTenge = 0;
        return;
      case 'rejected':
        return this.#show('noteReturned', [event.reason]);
      case 'fault':
        this.#jammedInSession ||= event.fault === 'jam-stacker' || event.fault === 'jam-validator';
        if (this.#flow.state === 'cash-in') this.#finish(nowMs, this.#endedByCustomer());
        return;
      default:
        return;
    }
  }

  /** The running split the screens show: bill, deposited, to this bill, to next month, next bill. */
  cashInView(): CashInView {
    const account = this.#flow.account!;
    const allocation = allocatePayment(account.bill, this.#depositedTiyn);
    return {
      billTiyn: account.bill.billTiyn,
      depositedTiyn: this.#depositedTiyn,
      toBillTiyn: allocation.toBillTiyn,
      toNextTiyn: allocation.toNextTiyn,
      nextBillTiyn: allocation.after.nextBillTiyn,
      notes: this.#notes,
    };
  }

  /** The outcome of a cash-in the customer or the device ended: a payment if anything went in. */
  #endedByCustomer(): SessionOutcome {
    return this.#depositedTiyn > 0 ? 'completed' : 'cancelled';
  }

  #onEscrowed(denominationTenge: number, nowMs: number): void {
    const acceptor = this.#o.devices.acceptor;
    const records = this.#records;
    if (this.#flow.state !== 'cash-in') return void acceptor.returnNote();
    if (
      this.#depositedTiyn + denominationTenge * 100 > this.#flow.account!.sessionMaxTiyn ||
      this.#notes >= NOTES_PER_SESSION_MAX
    ) {
      acceptor.returnNote();
      return this.#show('limitReached', []);
    }
    if (records.cassette.notes + records.cassette.doubtfulNotes >= this.#o.config.cassetteCapacityNotes) {
      acceptor.returnNote();
      return this.#show('cassetteFull', []);
    }
    if (this.#o.ledger.roomBytes() < ESCROW_ROOM_BYTES) {
      // The ledger could not keep what this note may still need (its outcome, the session's
      // close, a doubt): the note goes back, and so does every note until the bank frees room.
      acceptor.returnNote();
      return this.#show('ledgerFull', []);
    }
    const written = records.record(
      { kind: 'note-escrowed', sessionId: this.#sessionId, denominationTenge },
      'ordinary',
    );
    if (!written.ok) {
      // The flash failed: the note goes back and the machine stops taking cash.
      acceptor.returnNote();
      return this.#finish(nowMs, this.#endedByCustomer());
    }
    this.#escrowTenge = denominationTenge;
    acceptor.stack();
  }

  #onStacked(denominationTenge: number): void {
    if (denominationTenge === 0) {
      // If a note was in escrow, this report was its outcome.
      this.#escrowTenge = 0;
      return this.#records.stackedOfUnknownValue(this.#sessionId);
    }
    // The acceptor stacks on our STACK, after the note-escrowed record; if it ever stacks a note
    // it never showed in escrow, its word is still the truth: the note is in the cassette.
    if (this.#escrowTenge !== denominationTenge) {
      this.#o.log.record(
        'session',
        `stacked ${denominationTenge} ₸ with ${this.#escrowTenge} ₸ in escrow: the device's report stands`,
      );
    }
    const records = this.#records;
    const sequence = records.promised({ kind: 'note-stacked', sessionId: this.#sessionId, denominationTenge });
    this.#escrowTenge = 0;
    if (sequence === 0) return; // not recorded (logged): neither counted nor credited, the machine out of service for cash
    this.#notes += 1;
    this.#depositedTiyn += denominationTenge * 100;
    records.cassette.add(denominationTenge, sequence);
    this.#show(undefined, []);
  }

  #start(nowMs: number): void {
    const flow = this.#flow;
    const account = flow.account;
    assert(account !== undefined, 'cash-in without a customer');
    const acceptor = this.#o.devices.acceptor;
    if (acceptor.status() !== 'idle' || !this.#records.roomForSession())
      return flow.showNotice('outOfServiceCash', [], 'attract', nowMs);
    this.#sessionId = this.#o.ledger.headSequence + 1; // the opening record's sequence: unique for the device's life
    const opened = this.#records.record(
      {
        kind: 'session-opened',
        sessionId: this.#sessionId,
        method: this.#signIn.method,
        customerId: account.customerId,
        billTiyn: account.bill.billTiyn,
        wallMs: this.#o.clock.wallMs(),
      },
      'ordinary',
    );
    if (!opened.ok) return flow.showNotice('outOfServiceCash', [], 'attract', nowMs);
    assert(opened.sequence === this.#sessionId, "the session id is the opening record's sequence");
    this.#records.doubtInDevice.clear(); // the acceptor was idle: no note of an earlier session is left in it
    this.#depositedTiyn = 0;
    this.#notes = 0;
    this.#escrowTenge = 0;
    this.#jammedInSession = false;
    if (!acceptor.cashInStart()) return this.#close(nowMs, 'cancelled');
    flow.enter('cash-in', nowMs);
  }

  #finish(nowMs: number, outcome: SessionOutcome): void {
    this.#finishOutcome = outcome;
    this.#o.devices.acceptor.cashInEnd(); // returns a note still in escrow
    this.#flow.enter('finishing', nowMs);
  }

  #close(nowMs: number, outcome: SessionOutcome): void {
    const account = this.#flow.account;
    assert(account !== undefined, 'closing without a customer');
    if (this.#escrowTenge > 0) {
      // The acceptor never said what became of the note in escrow: reconcile, never guess.
      this.#records.doubtInEscrow(this.#sessionId, this.#escrowTenge, this.#jammedInSession ? 'jam' : 'unknown');
      this.#escrowTenge = 0;
    }
    const split = allocate(account.bill.billTiyn, this.#depositedTiyn);
    const closed = this.#records.promised({
      kind: 'session-closed',
      sessionId: this.#sessionId,
      outcome,
      depositedTiyn: this.#depositedTiyn,
      toBillTiyn: split.toBillTiyn,
      toNextTiyn: split.toNextTiyn,
    });
    // Unwritten (logged), the session stays open in the ledger and the next boot closes it: never "credited" before that.
    this.#closedSequence = closed > 0 ? closed : Number.MAX_SAFE_INTEGER;
    this.#records.outcomes[outcome] += 1;
    if (this.#depositedTiyn === 0) return this.#flow.showNotice('nothingDeposited', [], 'attract', nowMs);
    this.#flow.enter('crediting', nowMs);
    this.#o.sync?.creditNow(nowMs);
  }

  /** Redraws the cash-in screen (with a message) while the customer is in cash-in. */
  #show(message: TextId | undefined, args: readonly (string | number)[]): void {
    const flow = this.#flow;
    if (flow.state === 'cash-in') flow.screens.cashIn(flow.language, this.cashInView(), message, args);
  }
}
