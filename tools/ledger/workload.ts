// A seeded deposit workload for the ledger: customer sessions (opened, notes escrowed and
// stacked, now and then returned or in doubt, closed with the allocation), bank acks that lag
// behind, a cassette collection now and then, and maintain() between steps as the scheduler
// would call it. Shared by the torture, the numbers and the tests.
import type { FlashGeometry } from '../../hal/ports';
import { SeededRandom } from '../../hal/sim/peripherals';
import { AUTH_METHODS, DENOMINATIONS_TENGE, type LedgerRecord } from '../../src/domain';

export type WorkloadStep =
  | { readonly kind: 'append'; readonly record: LedgerRecord }
  /** Acknowledge up to the record `lag` appends back from the head (the bank is that far behind). */
  | { readonly kind: 'ack'; readonly lag: number }
  | { readonly kind: 'maintain' };

export interface WorkloadOptions {
  readonly seed: number;
  readonly sessions: number;
  readonly notesPerSessionMax: number;
  /** Sessions between two bank acks (0: never acknowledged: the ledger fills up). */
  readonly ackEverySessions: number;
  /** Sessions [from, to) during which the bank is down (no acks): long enough, the ledger fills. */
  readonly bankDown?: readonly [number, number];
}

/** The steps of a workload, fully determined by its options. */
export function makeWorkload(options: WorkloadOptions): WorkloadStep[] {
  const random = new SeededRandom(options.seed);
  const pick = (count: number) => random.nextUint32() % count;
  const steps: WorkloadStep[] = [];
  let wallMs = Date.UTC(2026, 10, 26, 9, 0, 0);
  let cassetteNotes = 0;
  let cassetteTiyn = 0;
  for (let session = 1; session <= options.sessions; session++) {
    const sessionId = (options.seed * 7919 + session) >>> 0;
    const billTiyn = (5000 + pick(40000)) * 100;
    wallMs += 60_000 + pick(600_000);
    const customerId = `KR${(random.nextUint32() % 1e9).toString().padStart(9, '0')}`;
    steps.push({
      kind: 'append',
      record: {
        kind: 'session-opened',
        sessionId,
        method: AUTH_METHODS[pick(AUTH_METHODS.length)],
        customerId,
        billTiyn,
        wallMs: pick(20) === 0 ? Number.NaN : wallMs,
      },
    });
    let depositedTiyn = 0;
    const notes = 1 + pick(options.notesPerSessionMax);
    for (let note = 0; note < notes; note++) {
      const denominationTenge = DENOMINATIONS_TENGE[pick(DENOMINATIONS_TENGE.length)];
      const fate = pick(40);
      if (fate === 0) {
        steps.push({ kind: 'append', record: { kind: 'note-returned', sessionId, denominationTenge } });
        continue;
      }
      steps.push({ kind: 'append', record: { kind: 'note-escrowed', sessionId, denominationTenge } });
      steps.push({ kind: 'maintain' });
      if (fate === 1) {
        steps.push({ kind: 'append', record: { kind: 'doubt', sessionId, denominationTenge, reason: 'jam' } });
        continue;
      }
      steps.push({ kind: 'append', record: { kind: 'note-stacked', sessionId, denominationTenge } });
      depositedTiyn += denominationTenge * 100;
      cassetteNotes++;
      cassetteTiyn += denominationTenge * 100;
    }
    const toBillTiyn = Math.min(depositedTiyn, billTiyn);
    steps.push({
      kind: 'append',
      record: {
        kind: 'session-closed',
        sessionId,
        outcome: 'completed',
        depositedTiyn,
        toBillTiyn,
        toNextTiyn: depositedTiyn - toBillTiyn,
      },
    });
    steps.push({ kind: 'maintain' });
    const bankDown = options.bankDown !== undefined && session >= options.bankDown[0] && session < options.bankDown[1];
    if (!bankDown && options.ackEverySessions > 0 && session % options.ackEverySessions === 0)
      steps.push({ kind: 'ack', lag: pick(3) });
    if (session % 50 === 0) {
      steps.push({
        kind: 'append',
        record: { kind: 'cassette-collected', notes: cassetteNotes, amountTiyn: cassetteTiyn, wallMs },
      });
      cassetteNotes = 0;
      cassetteTiyn = 0;
    }
  }
  return steps;
}

/** Sectors of one page: the two-deep runs wrap their ring within a few sessions. */
export const TORTURE_GEOMETRY_TINY: FlashGeometry = Object.freeze({
  sizeBytes: 6 * 256,
  sectorSizeBytes: 256,
  pageSizeBytes: 256,
});
export const TORTURE_GEOMETRY_SMALL: FlashGeometry = Object.freeze({
  sizeBytes: 4 * 1024,
  sectorSizeBytes: 1024,
  pageSizeBytes: 256,
});
export const TORTURE_GEOMETRY: FlashGeometry = Object.freeze({
  sizeBytes: 4 * 4096,
  sectorSizeBytes: 4096,
  pageSizeBytes: 256,
});
