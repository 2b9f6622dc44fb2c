// At boot the ledger says where the last customer's money stands. Sessions run one at a time,
// so at most one can be open (opened, not closed); its notes are resolved from the ledger
// plus the acceptor's power-up report, and the session is closed as "recovered".

import type { AuthMethod, DoubtReason } from '../ledger/records';
import { assert } from '../assert';
import { CassetteCount } from './cassette';
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

/** Records read per readFrom call while scanning. */
const SCAN_CHUNK_RECORDS = 64;

/**
 * One pass over the ledger: the open session, if any, and the cassette since its last
 * collection — from the count's checkpoint when there is one the ledger can continue (records
 * after it), else from the records still on flash.
 */
export function scanLedger(ledger: SessionLedger, cassette: CassetteCount): OpenSession | undefined {
  let open: OpenSession | undefined;
  if (!cassette.restore() || cassette.throughSequence > ledger.headSequence) cassette.reset(0);
  const countedThrough = cassette.throughSequence;
  let next = ledger.tailSequence;
  const chunksMax = Math.ceil((ledger.headSequence - next + 1) / SCAN_CHUNK_RECORDS) + 1;
  for (let chunk = 0; chunk < chunksMax && next <= ledger.headSequence; chunk += 1) {
    next += ledger.readFrom(next, SCAN_CHUNK_RECORDS, (sequence, record) => {
      const counts = sequence > countedThrough; // the checkpoint has the ones before
      switch (record.kind) {
        case 'session-opened':
          open = {
            sessionId: record.sessionId, method: record.method, customerId: record.customerId, billTiyn: record.billTiyn,
            stackedNotes: 0, stackedTiyn: 0, unresolvedEscrowTenge: 0,
          };
          break;
        case 'note-escrowed':
          if (open?.sessionId === record.sessionId) open.unresolvedEscrowTenge = record.denominationTenge;
          break;
        case 'note-stacked':
          if (counts) cassette.add(record.denominationTenge, sequence);
          if (open?.sessionId === record.sessionId) {
            open.stackedNotes += 1;
            open.stackedTiyn += record.denominationTenge * 100;
            open.unresolvedEscrowTenge = 0;
          }
          break;
        case 'note-returned':
          if (open?.sessionId === record.sessionId) open.unresolvedEscrowTenge = 0;
          break;
        case 'doubt':
          if (counts) cassette.addDoubt(sequence);
          if (open?.sessionId === record.sessionId) open.unresolvedEscrowTenge = 0;
          break;
        case 'session-closed':
          if (open?.sessionId === record.sessionId) open = undefined;
          break;
        case 'cassette-collected':
          if (counts) cassette.reset(sequence);
          break;
        case 'bank-ack':
          break;
      }
    });
  }
  assert(next === ledger.headSequence + 1 || ledger.headSequence === 0, 'ledger scan ended before the head');
  return open;
}

/** What the acceptor's power-up report says about a note whose STACK was in doubt. */
export function doubtReasonFrom(event: CashEvent | undefined): DoubtReason {
  if (event?.kind !== 'power-up-with-bill') return 'unknown';
  return event.where === 'stacker' ? 'power-cut-in-stacker' : 'power-cut-in-validator';
}
