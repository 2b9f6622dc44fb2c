// A small in-memory ledger with the Ledger's contract (src/ledger/ledger.ts): contiguous
// sequences from 1 over all records, bank-ack records included; acknowledge ignores an ack
// not above the current one. For the outbox's tests and the sync benchmark; plain
// TypeScript, so the core tests can bundle it for XS too.
import type { OutboxLedger, OutboxRecord } from '../../src/bank/outbox';

export type FakeRecord = OutboxRecord & Readonly<Record<string, unknown>>;

export class MemoryLedger implements OutboxLedger {
  readonly records: FakeRecord[] = [];
  /** The first readable sequence: raise it to simulate a ring that wrapped. */
  tailSequence = 1;
  /** When set, acknowledge fails with this error (a full or broken flash). */
  failAcknowledge: 'full' | 'io' | undefined = undefined;
  acknowledgeCalls = 0;
  /** What roomBytes() answers: plenty unless a test makes the ledger short of room. */
  room = 65_536;

  get headSequence(): number {
    return this.records.length;
  }

  get ackedSequence(): number {
    for (let index = this.records.length - 1; index >= 0; index--) {
      const record = this.records[index];
      if (record.kind === 'bank-ack') return record.ackedSequence as number;
    }
    return 0;
  }

  append(record: FakeRecord): { ok: true; sequence: number } {
    this.records.push(record);
    return { ok: true, sequence: this.records.length };
  }

  acknowledge(ackedSequence: number): { ok: true; sequence: number } | { ok: false; error: 'full' | 'io' | 'invalid' } {
    this.acknowledgeCalls++;
    if (!Number.isSafeInteger(ackedSequence) || ackedSequence > this.headSequence)
      return { ok: false, error: 'invalid' };
    if (this.failAcknowledge !== undefined) return { ok: false, error: this.failAcknowledge };
    if (ackedSequence <= this.ackedSequence) return { ok: true, sequence: this.headSequence };
    return this.append({ kind: 'bank-ack', ackedSequence });
  }

  roomBytes(): number {
    return this.room;
  }

  readFrom(fromSequence: number, countMax: number, visit: (sequence: number, record: OutboxRecord) => void): number {
    let visited = 0;
    for (
      let sequence = Math.max(fromSequence, this.tailSequence);
      sequence <= this.headSequence && visited < countMax;
      sequence++
    ) {
      visit(sequence, this.records[sequence - 1]);
      visited++;
    }
    return visited;
  }

  /** Note-stacked records as "sequence:sessionId:denomination" lines, to compare with the bank's. */
  stackedNotes(): string[] {
    const notes: string[] = [];
    this.records.forEach((record, index) => {
      if (record.kind === 'note-stacked')
        notes.push(`${index + 1}:${String(record.sessionId)}:${String(record.denominationTenge)}`);
    });
    return notes;
  }
}

/** Appends one customer session (opened, escrow+stack per note, closed) and returns its deposited tiyn. */
export function appendSession(
  ledger: MemoryLedger,
  sessionId: number,
  customerId: string,
  billTiyn: number,
  notesTenge: readonly number[],
  wallMs = Number.NaN,
): number {
  ledger.append({ kind: 'session-opened', sessionId, method: 'iin', customerId, billTiyn, wallMs });
  let depositedTiyn = 0;
  for (const denominationTenge of notesTenge) {
    ledger.append({ kind: 'note-escrowed', sessionId, denominationTenge });
    ledger.append({ kind: 'note-stacked', sessionId, denominationTenge });
    depositedTiyn += denominationTenge * 100;
  }
  const toBillTiyn = Math.min(billTiyn, depositedTiyn);
  ledger.append({
    kind: 'session-closed',
    sessionId,
    outcome: 'completed',
    depositedTiyn,
    toBillTiyn,
    toNextTiyn: depositedTiyn - toBillTiyn,
  });
  return depositedTiyn;
}
