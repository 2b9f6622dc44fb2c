import type { LedgerRecord } from './records';

/** What a walk needs of a ledger: its bounds and a bounded forward read. */
export interface WalkableLedger {
  readonly tailSequence: number;
  readonly headSequence: number;
  readFrom(fromSequence: number, countMax: number, visit: (sequence: number, record: LedgerRecord) => void): number;
}

/** Records per readFrom call: the walk's working set stays small. */
const WALK_CHUNK_RECORDS = 64;

/** Visits every committed record from the tail to the head, in order; returns the sequence after the last one visited. */
export function forEachRecord(ledger: WalkableLedger, visit: (sequence: number, record: LedgerRecord) => void): number {
  let next = ledger.tailSequence;
  const chunksMax = Math.ceil((ledger.headSequence - next + 1) / WALK_CHUNK_RECORDS) + 1;
  for (let chunk = 0; chunk < chunksMax && next <= ledger.headSequence; chunk += 1) {
    const visited = ledger.readFrom(next, WALK_CHUNK_RECORDS, visit);
    if (visited === 0) break;
    next += visited;
  }
  return next;
}
