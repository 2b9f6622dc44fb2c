// What one seed's run looks like: how long it lasts, how busy the machine is, and how often
// each fault strikes — all drawn from the seed. Each fault kind gets its own intensity
// (off, rare, usual, heavy), so over many seeds every combination turns up: a run with only
// bank trouble, one with power cuts and jams together, one with everything at once.
import type { BankLinkFaults } from '../../hal/sim/bank-link';
import { Dice } from './dice';

/** Fault kinds the injector counts (the summary prints them by these names). */
export const FAULT_KINDS = [
  'power-cut',
  'power-cut-with-note',
  'flash-cut',
  'validator-jam-stack',
  'validator-jam-accept',
  'note-rejected',
  'validator-busy',
  'validator-cheat',
  'wire-noise',
  'cassette-removed',
  'cassette-full',
  'card-reader-fault',
  'palm-poor-image',
  'palm-mismatch',
  'bank-outage',
  'bank-lost-reply',
  'bank-duplicate',
  'bank-5xx',
  'clock-jump',
  'walk-away',
  'finish-during-note',
  'iin-typo',
  'qr-not-scanned',
  // The money path's harder faults (issue 15; money-faults.ts):
  'deposits-outage',
  'lying-ack',
  'other-atm-ack',
  'restart-while-stacking',
  'foreign-bill-stacked',
  // A firmware assertion fails: the watchdog resets the controller (issue 16; halt-faults.ts):
  'firmware-halt',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Events per virtual hour at intensity 1 ("usual"); the seed scales each by 0, ¼, 1 or 4. */
const USUAL_PER_HOUR = Object.freeze({
  powerCut: 3,
  flashCut: 4,
  validatorBusy: 4,
  validatorCheat: 1,
  wireNoise: 3,
  cassetteRemoved: 1,
  cardReaderFault: 3,
  bankOutage: 2,
  clockJump: 2,
});

export interface RunPlan {
  readonly seed: number;
  readonly durationMs: number;
  /** Mean gap between one customer leaving and the next arriving. */
  readonly customerGapMeanMs: number;
  /** Mean time between faults of each timed kind; Infinity when the seed switched the kind off. */
  readonly meanGapMs: Readonly<
    Record<
      | 'powerCut'
      | 'flashCut'
      | 'validatorBusy'
      | 'validatorCheat'
      | 'wireNoise'
      | 'cassetteRemoved'
      | 'cardReaderFault'
      | 'bankOutage'
      | 'clockJump',
      number
    >
  >;
  /** Per note: a power cut while the note is inside the validator (head, escrow or stacker). */
  readonly cutWithNoteProbability: number;
  readonly jamStackProbability: number;
  readonly jamAcceptProbability: number;
  /** Per note: the customer's note is clipped, foreign or unreadable. */
  readonly badNoteProbability: number;
  /** Per customer decision: they walk away and leave the machine to its timeouts. */
  readonly walkAwayProbability: number;
  /** Per visit: the customer presses ENTER the moment the last note goes in, while the validator is still taking it. */
  readonly finishDuringNoteProbability: number;
  readonly iinTypoProbability: number;
  readonly palmPoorImageProbability: number;
  readonly palmMismatchProbability: number;
  readonly qrNotScannedProbability: number;
  /** Notes the cassette holds before the validator reports it full (a technician empties it). */
  readonly cassetteCapacityNotes: number;
  /**
   * 4 KiB sectors of the ledger partition. Mostly the board's 16 (64 KiB, a few thousand
   * records); on some seeds 2 (the least a ring can be), so that the ring wraps and fills within a run of an hour or less.
   */
  readonly ledgerSectors: number;
  readonly bankLink: BankLinkFaults;
  /** Bit-flip and drop probability per byte while a wire-noise burst lasts. */
  readonly wireFlipPerByte: number;
  readonly wireDropPerByte: number;
  readonly money: MoneyFaultsPlan;
}

/**
 * The money path's harder faults (issue 15), drawn from a stream of their own so that adding
 * them changed no other part of a seed's plan.
 */
export interface MoneyFaultsPlan {
  /**
   * On some seeds a small ledger — two sectors of 1 KiB, about fifteen short sessions — that a
   * deposits outage fills within a run, with customers paying as it fills; undefined for the
   * board's 4 KiB sectors (RunPlan.ledgerSectors of them).
   */
  readonly smallLedger: { readonly sectors: number; readonly sectorBytes: number } | undefined;
  /** Mean gap between outages of the bank's deposits endpoint while authorisation still works; Infinity when off. */
  readonly depositsOutageMeanGapMs: number;
  readonly depositsOutageMsMin: number;
  readonly depositsOutageMsMax: number;
  /** Per deposits reply: the bank acknowledges beyond the batch it got, or names another ATM. */
  readonly lyingAckProbability: number;
  readonly otherAtmAckProbability: number;
  /** The bank link's request-body cap: the board's 4 096 bytes, or less, so batches are cut harder. */
  readonly requestBodyBytesMax: number;
  /** Per note: the controller alone restarts while the validator stacks it. */
  readonly restartWhileStackingProbability: number;
  /** The validator's table carries a KZT 100 and a US dollar entry, and the faulty device stacks such a bill now and then. */
  readonly foreignBillEntries: boolean;
  readonly foreignBillMeanGapMs: number;
  /** Per note: one of the firmware's tasks fails an assertion some time into the note's way (halt-faults.ts). */
  readonly haltPerNoteProbability: number;
}

/** Murmur3's 32-bit finaliser: neighbouring seeds give unrelated streams (xorshift32 alone keeps their first draws alike). */
function mixSeed(seed: number): number {
  let mixed = seed ^ 0x4d4f4e59; // "MONY"
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) | 0 || 1;
}

function planMoneyFaults(seed: number): MoneyFaultsPlan {
  const dice = new Dice(mixSeed(seed));
  const smallLedger = dice.chance(0.25);
  const outages = smallLedger ? dice.pick([1, 4]) : intensity(dice);
  const foreignBillEntries = dice.chance(0.25);
  return {
    smallLedger: smallLedger ? { sectors: 2, sectorBytes: 1024 } : undefined,
    depositsOutageMeanGapMs: outages === 0 ? Infinity : HOUR_MS / (2 * outages),
    depositsOutageMsMin: 2 * MINUTE_MS,
    depositsOutageMsMax: smallLedger ? 40 * MINUTE_MS : 15 * MINUTE_MS,
    lyingAckProbability: 0.03 * intensity(dice),
    otherAtmAckProbability: 0.02 * intensity(dice),
    requestBodyBytesMax: dice.pick([4096, 4096, 2048, 1024]),
    restartWhileStackingProbability: 0.02 * intensity(dice),
    foreignBillEntries,
    foreignBillMeanGapMs: foreignBillEntries ? HOUR_MS / (3 * Math.max(0.25, intensity(dice))) : Infinity,
    // Drawn last, so that the older draws of a seed's plan are as they were.
    haltPerNoteProbability: 0.01 * intensity(dice),
  };
}

/** The intensity of one fault kind: off, rare, usual or heavy. */
function intensity(dice: Dice): number {
  return dice.weighted([
    [2, 0],
    [2, 0.25],
    [3, 1],
    [1, 4],
  ]);
}

function meanGap(dice: Dice, perHour: number): number {
  const scale = intensity(dice);
  return scale === 0 ? Infinity : HOUR_MS / (perHour * scale);
}

/** The run's plan from its seed and the length asked for (each seed varies it by ±50 %). */
export function planRun(seed: number, durationMs: number): RunPlan {
  const dice = new Dice(seed).fork(0x504c414e); // "PLAN"
  const perNote = (usual: number) => usual * intensity(dice);
  const bankScale = intensity(dice);
  return {
    seed,
    durationMs: Math.round(durationMs * dice.between(0.5, 1.5)),
    customerGapMeanMs: dice.pick([15_000, 45_000, 2 * MINUTE_MS, 5 * MINUTE_MS]),
    meanGapMs: {
      powerCut: meanGap(dice, USUAL_PER_HOUR.powerCut),
      flashCut: meanGap(dice, USUAL_PER_HOUR.flashCut),
      validatorBusy: meanGap(dice, USUAL_PER_HOUR.validatorBusy),
      validatorCheat: meanGap(dice, USUAL_PER_HOUR.validatorCheat),
      wireNoise: meanGap(dice, USUAL_PER_HOUR.wireNoise),
      cassetteRemoved: meanGap(dice, USUAL_PER_HOUR.cassetteRemoved),
      cardReaderFault: meanGap(dice, USUAL_PER_HOUR.cardReaderFault),
      bankOutage: meanGap(dice, USUAL_PER_HOUR.bankOutage),
      clockJump: meanGap(dice, USUAL_PER_HOUR.clockJump),
    },
    cutWithNoteProbability: perNote(0.02),
    jamStackProbability: perNote(0.01),
    jamAcceptProbability: perNote(0.01),
    badNoteProbability: perNote(0.05),
    walkAwayProbability: perNote(0.01),
    finishDuringNoteProbability: perNote(0.05),
    iinTypoProbability: perNote(0.05),
    palmPoorImageProbability: perNote(0.1),
    palmMismatchProbability: perNote(0.05),
    qrNotScannedProbability: perNote(0.05),
    cassetteCapacityNotes: dice.pick([1000, 1000, 60, 25]),
    ledgerSectors: dice.pick([16, 16, 16, 2]),
    bankLink: {
      down: false,
      latencyMs: dice.pick([20, 40, 150, 600]),
      slowMs: dice.pick([0, 2_000, 12_000]),
      slowProbability: 0.05 * bankScale,
      lostReplyProbability: 0.02 * bankScale,
      duplicateProbability: 0.02 * bankScale,
      serverErrorProbability: 0.02 * bankScale,
    },
    wireFlipPerByte: dice.pick([0.001, 0.01, 0.05]),
    wireDropPerByte: dice.pick([0, 0.001, 0.01]),
    money: planMoneyFaults(seed),
  };
}
