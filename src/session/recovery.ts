// At boot the ledger says where the last customer's money stands. Sessions run one at a time,
// so at most one can be open (opened, not closed); its notes are resolved from the ledger
// plus the acceptor's power-up report, and the session is closed as "recovered".

import type { Settings } from '../../hal/ports';
import { isAuthMethod, type AuthMethod, type DoubtReason, type LedgerRecord } from '../domain';
import { forEachRecord } from '../ledger/walk';
import { assert } from '../assert';
import type { CassetteCount } from './cassette';
import type { CashEvent, SessionLedger } from './deps';

export interface OpenSession {
  readonly sessionId: number;
  readonly method: AuthMethod;
  readonly customerId: string;
  readonly billTiyn: number;
  stackedNotes: number;
  stackedTiyn: number;
  /** A note-escrowed record with no stacked or returned after it: the STACK may or may not have happened. */
  unresolvedEscrowTenge: number;
}

/** Where the open session's checkpoint lives (Settings keys are at most 15 characters). */
export const OPEN_SESSION_SETTING = 'ses.open';

/**
 * The open session, checkpointed in Settings with the ledger sequence it includes, so a
 * restart finds it even when the ring has reclaimed its opening record (a small ledger; npm run
 * sim -- --seed 366 --hours 0.3). Cleared when the session is closed.
 */
export class OpenSessionCheckpoint {
  readonly #settings: Settings | undefined;

  constructor(settings: Settings | undefined) {
    this.#settings = settings;
  }

  save(open: OpenSession, throughSequence: number): void {
    this.#settings?.set(
      OPEN_SESSION_SETTING,
      [
        throughSequence,
        open.sessionId,
        open.method,
        open.customerId,
        open.billTiyn,
        open.stackedNotes,
        open.stackedTiyn,
        open.unresolvedEscrowTenge,
      ].join(' '),
    );
  }

  clear(): void {
    this.#settings?.set(OPEN_SESSION_SETTING, '');
  }

  /** The checkpointed session and the sequence it includes, or undefined when none is readable. */
  restore(): { readonly open: OpenSession; readonly throughSequence: number } | undefined {
    const parts = (this.#settings?.get(OPEN_SESSION_SETTING) ?? '').split(' ');
    if (parts.length !== 8) return undefined;
    const [through, sessionId, method, customerId, billTiyn, stackedNotes, stackedTiyn, unresolved] = parts;
    const numbers = [through, sessionId, billTiyn, stackedNotes, stackedTiyn, unresolved].map(Number);
    if (!numbers.every((n) => Number.isSafeInteger(n) && n >= 0) || !isAuthMethod(method) || customerId.length === 0)
      return undefined;
    return {
      throughSequence: numbers[0],
      open: {
        sessionId: numbers[1],
        method,
        customerId,
        billTiyn: numbers[2],
        stackedNotes: numbers[3],
        stackedTiyn: numbers[4],
        unresolvedEscrowTenge: numbers[5],
      },
    };
  }
}

/** The open session after one more ledger record: the one rule the boot scan and the running session share. */
export function followSession(open: OpenSession | undefined, record: LedgerRecord): OpenSession | undefined {
  if (record.kind === 'session-opened') {
    return {
      sessionId: record.sessionId,
      method: record.method,
      customerId: record.customerId,
      billTiyn: record.billTiyn,
      stackedNotes: 0,
      stackedTiyn: 0,
      unresolvedEscrowTenge: 0,
    };
  }
  if (open === undefined || !('sessionId' in record) || record.sessionId !== open.sessionId) return open;
  switch (record.kind) {
    case 'note-escrowed':
      open.unresolvedEscrowTenge = record.denominationTenge;
      break;
    case 'note-stacked':
      open.stackedNotes += 1;
      open.stackedTiyn += record.denominationTenge * 100;
      open.unresolvedEscrowTenge = 0;
      break;
    case 'note-returned':
      open.unresolvedEscrowTenge = 0;
      break;
    case 'doubt':
      // The escrowed note's own doubt settles it; a doubt of another bill (one of no tenge value
      // the device stacked unasked) leaves the note in escrow waiting for the device's word.
      if (record.denominationTenge === open.unresolvedEscrowTenge) open.unresolvedEscrowTenge = 0;
      break;
    case 'session-closed':
      return undefined;
  }
  return open;
}

/** Where the last doubt linked to the validator's later report is kept (its sequence). */
export const DOUBT_LINKED_SETTING = 'dbt.linked';

/**
 * A doubt whose note the validator may still report: one that was escrowed when its session
 * ended (a jam, a cut) and went to the ledger as a doubt. When the validator later says it
 * stacked (or returned) that note, the report is linked to the doubt, never doubted again: one
 * note, one doubt. A new session means the validator was idle: nothing is held any more. The
 * ledger says which doubt that is after a restart; Settings says whether it was linked already.
 */
export class DoubtInDevice {
  readonly #settings: Settings | undefined;
  sequence = 0;
  sessionId = 0;
  denominationTenge = 0;

  constructor(settings: Settings | undefined) {
    this.#settings = settings;
  }

  /** One more ledger record, in order; `open` is the session open before it. */
  follow(sequence: number, record: LedgerRecord, open: OpenSession | undefined): void {
    if (record.kind === 'session-opened') return this.clear();
    // A doubt in its open session is for the note in escrow, unless it is of unknown value: the
    // validator said it stacked a bill of no tenge value, so nothing more will come of that one.
    if (record.kind !== 'doubt' || record.denominationTenge === 0) return;
    if (open !== undefined && open.sessionId === record.sessionId)
      this.hold(sequence, record.sessionId, record.denominationTenge);
  }

  hold(sequence: number, sessionId: number, denominationTenge: number): void {
    assert(sequence > 0 && denominationTenge > 0, 'a doubt in the device is of a tenge note the ledger recorded');
    this.sequence = sequence;
    this.sessionId = sessionId;
    this.denominationTenge = denominationTenge;
  }

  clear(): void {
    this.sequence = 0;
  }

  /** After the boot scan: a doubt linked before the restart is held no more. */
  settle(): void {
    const linked = Number(this.#settings?.get(DOUBT_LINKED_SETTING) ?? '');
    if (Number.isSafeInteger(linked) && linked >= this.sequence) this.clear();
  }

  /** The validator reported a note outside a session: true when it is the held doubt's, which is then linked and let go. */
  link(denominationTenge: number): boolean {
    if (this.sequence === 0 || denominationTenge !== this.denominationTenge) return false;
    this.#settings?.set(DOUBT_LINKED_SETTING, String(this.sequence));
    this.clear();
    return true;
  }
}

/**
 * One pass over the ledger: the open session, if any, the doubt whose note the validator may
 * still report, and the cassette since its last collection — each from its checkpoint when
 * there is one the ledger can continue (records after it), else from the records still on flash.
 */
export function scanLedger(
  ledger: SessionLedger,
  cassette: CassetteCount,
  checkpoint?: OpenSessionCheckpoint,
  doubt?: DoubtInDevice,
): OpenSession | undefined {
  const saved = checkpoint?.restore();
  const savedUsable = saved !== undefined && saved.throughSequence <= ledger.headSequence;
  let open: OpenSession | undefined = savedUsable ? saved.open : undefined;
  const openThrough = savedUsable ? saved.throughSequence : 0;
  if (!cassette.restore() || cassette.throughSequence > ledger.headSequence) cassette.reset(0);
  const countedThrough = cassette.throughSequence;
  const next = forEachRecord(ledger, (sequence, record) => {
    doubt?.follow(sequence, record, open);
    if (sequence > openThrough) open = followSession(open, record); // the checkpoint has the ones before
    if (sequence <= countedThrough) return;
    if (record.kind === 'note-stacked') cassette.add(record.denominationTenge, sequence);
    if (record.kind === 'doubt') cassette.addDoubt(sequence);
    if (record.kind === 'cassette-collected') cassette.reset(sequence);
  });
  assert(next === ledger.headSequence + 1 || ledger.headSequence === 0, 'ledger scan ended before the head');
  doubt?.settle();
  return open;
}

/** What the acceptor's power-up report says about a note whose STACK was in doubt. */
export function doubtReasonFrom(event: CashEvent | undefined): DoubtReason {
  if (event?.kind !== 'power-up-with-bill') return 'unknown';
  return event.where === 'stacker' ? 'power-cut-in-stacker' : 'power-cut-in-validator';
}
