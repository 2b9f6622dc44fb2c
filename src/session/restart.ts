// Notes no open cash-in owns. After a restart the session the ledger still has open is closed
// as "recovered", its note in doubt settled by the acceptor's power-up report or sent as a
// doubt; outside a session a note the device says it stacked is linked to the doubt held for
// it, or sent to reconcile. Never silently dropped, never credited twice.
import { assert } from '../assert';
import { allocate } from '../money/allocation';
import type { CashEvent } from './deps';
import type { SessionFlow } from './flow';
import { doubtReasonFrom, type OpenSession } from './recovery';
import type { SessionOptions } from './session';
import type { SessionRecords } from './session-records';

export class RestartRecovery {
  readonly #o: SessionOptions;
  readonly #flow: SessionFlow;
  readonly #records: SessionRecords;
  /** The session a restart left open, until it is closed. */
  #open: OpenSession | undefined;
  /** The acceptor's report of a bill it held at power-up: where the note in doubt was. */
  #powerUpReport: CashEvent | undefined = undefined;

  constructor(options: SessionOptions, flow: SessionFlow, records: SessionRecords) {
    this.#o = options;
    this.#flow = flow;
    this.#records = records;
    this.#open = records.leftOpen;
  }

  /** Whether a restart left a session to close. */
  get pending(): boolean {
    return this.#open !== undefined;
  }

  onPowerUpReport(event: CashEvent & { kind: 'power-up-with-bill' }): void {
    this.#powerUpReport = event;
    this.#o.log.record('validator', `power-up with a bill in the ${event.where}`);
  }

  /** Closes the open session once the acceptor has said what it held at power-up (or its time is up). */
  step(nowMs: number, timedOut: boolean): void {
    const open = this.#open;
    assert(open !== undefined, 'recovering without an open session');
    const status = this.#o.devices.acceptor.status();
    // The acceptor reports a note it found in the stacker at power-up as stacked before it goes idle.
    if (!timedOut && (status === 'starting' || status === 'unknown')) return;
    const inDoubtTenge = open.unresolvedEscrowTenge; // the record below settles it in `open`
    if (inDoubtTenge > 0)
      this.#records.doubtInEscrow(open.sessionId, inDoubtTenge, doubtReasonFrom(this.#powerUpReport));
    const split = allocate(open.billTiyn, open.stackedTiyn);
    this.#records.promised({
      kind: 'session-closed',
      sessionId: open.sessionId,
      outcome: 'recovered',
      depositedTiyn: open.stackedTiyn,
      toBillTiyn: split.toBillTiyn,
      toNextTiyn: split.toNextTiyn,
    });
    this.#records.outcomes.recovered += 1;
    this.#o.log.record(
      'session',
      `session ${open.sessionId} recovered after a restart: ${open.stackedNotes} notes credited`,
    );
    this.#open = undefined;
    this.#flow.enter('attract', nowMs);
  }

  /** After a restart, the acceptor's word on the note whose STACK was in doubt settles it. */
  onCashEvent(event: CashEvent): void {
    const open = this.#open!;
    const records = this.#records;
    if (event.kind === 'escrowed') return void this.#o.devices.acceptor.returnNote();
    if (event.kind === 'stacked' && event.denominationTenge === 0) return records.stackedOfUnknownValue(open.sessionId);
    if (
      (event.kind !== 'stacked' && event.kind !== 'returned') ||
      event.denominationTenge !== open.unresolvedEscrowTenge
    )
      return;
    // The open session (the records' progress is `open`) follows the record: its totals and its escrow.
    const sequence = records.promised({
      kind: event.kind === 'stacked' ? 'note-stacked' : 'note-returned',
      sessionId: open.sessionId,
      denominationTenge: event.denominationTenge,
    });
    if (event.kind === 'stacked' && sequence > 0) records.cassette.add(event.denominationTenge, sequence);
    assert(open.unresolvedEscrowTenge === 0, 'recovery: the note in doubt is settled by the record');
  }

  /**
   * Outside a session the acceptor is disabled: a note in escrow goes back. A note the device
   * says it stacked is in the cassette with no session to credit: the one already held as a
   * doubt (a jam cleared, a cut) is linked to that doubt; any other is sent to reconcile under
   * the last session's id.
   */
  onCashEventOutside(event: CashEvent, lastSessionId: number): void {
    if (event.kind === 'escrowed') return void this.#o.devices.acceptor.returnNote();
    if (event.kind !== 'stacked' && event.kind !== 'returned') return;
    const records = this.#records;
    const doubt = records.doubtInDevice;
    const doubtSequence = doubt.sequence;
    if (doubt.link(event.denominationTenge)) {
      return this.#o.log.record(
        'session',
        `${event.denominationTenge} ₸ reported ${event.kind}: already held as a doubt (sequence ${doubtSequence})`,
      );
    }
    if (event.kind === 'returned') return;
    if (event.denominationTenge === 0) return records.stackedOfUnknownValue(lastSessionId);
    records.addDoubt(
      records.promised({
        kind: 'doubt',
        sessionId: lastSessionId,
        denominationTenge: event.denominationTenge,
        reason: 'unknown',
      }),
    );
    this.#o.log.record('session', `${event.denominationTenge} ₸ stacked outside a session: sent to reconcile`);
  }
}
