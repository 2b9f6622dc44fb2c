// The run's summary over many seeds, and the one command that replays a failing seed.
import { FAULT_KINDS, type FaultKind } from './plan';
import type { Break, MoneyOutcomes, SeedResult } from './run-seed';

/** Virtual time per seed by default (each seed varies it by ±50 %). */
export const DEFAULT_HOURS = 0.5;

export interface Summary {
  readonly seeds: number;
  readonly virtualHours: number;
  readonly sessions: number;
  readonly notes: number;
  readonly doubts: number;
  readonly creditedScreens: number;
  readonly visits: number;
  readonly boots: number;
  readonly bootsAfterRingWrap: number;
  readonly flashCutsLanded: number;
  readonly watchdogResets: number;
  readonly ledgerFullRefusals: number;
  readonly money: Readonly<MoneyOutcomes>;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly violations: number;
  readonly failedSeeds: readonly number[];
  readonly wallSeconds: number;
}

export function summarise(results: readonly SeedResult[], wallMs: number): Summary {
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  let virtualMs = 0;
  let sessions = 0;
  let notes = 0;
  let doubts = 0;
  let creditedScreens = 0;
  let visits = 0;
  let boots = 0;
  let bootsAfterRingWrap = 0;
  let flashCutsLanded = 0;
  let watchdogResets = 0;
  let ledgerFullRefusals = 0;
  const money: MoneyOutcomes = {
    sessionsRefusedLedgerFull: 0,
    notesReturnedLedgerFull: 0,
    bankAnomaliesRefused: 0,
    batchesCutAtCap: 0,
    bodiesRefusedTooLarge: 0,
    unrecordedRecords: 0,
    foreignBillsLostToCuts: 0,
  };
  let violations = 0;
  const failedSeeds: number[] = [];
  for (const result of results) {
    virtualMs += result.virtualMs;
    sessions += result.sessions;
    notes += result.notes;
    doubts += result.doubts;
    creditedScreens += result.creditedScreens;
    visits += result.visits;
    boots += result.boots;
    bootsAfterRingWrap += result.bootsAfterRingWrap;
    flashCutsLanded += result.flashCutsLanded;
    watchdogResets += result.watchdogResets;
    ledgerFullRefusals += result.ledgerFullRefusals;
    for (const name of Object.keys(money) as (keyof MoneyOutcomes)[]) money[name] += result.money[name];
    violations += result.violations.length;
    if (result.violations.length > 0) failedSeeds.push(result.seed);
    for (const kind of FAULT_KINDS) faults[kind] += result.faults[kind];
  }
  return {
    seeds: results.length,
    virtualHours: virtualMs / 3_600_000,
    sessions,
    notes,
    doubts,
    creditedScreens,
    visits,
    boots,
    bootsAfterRingWrap,
    flashCutsLanded,
    watchdogResets,
    ledgerFullRefusals,
    money,
    faults,
    violations,
    failedSeeds,
    wallSeconds: wallMs / 1000,
  };
}

/** The command that replays one seed exactly (the same length and break as the run that found it). */
export function replayCommand(seed: number, hours: number, breakKind: Break | undefined): string {
  return `npm run sim -- --seed ${seed}${hours === DEFAULT_HOURS ? '' : ` --hours ${hours}`}${breakKind === undefined ? '' : ` --break ${breakKind}`}`;
}

export function formatSummary(summary: Summary, hours: number, breakKind: Break | undefined): string {
  const lines = [
    `seeds ${summary.seeds}${breakKind === undefined ? '' : ` (break: ${breakKind})`}, ${summary.virtualHours.toFixed(1)} virtual hours ` +
      `(${hours} h per seed ±50 %), ${summary.wallSeconds.toFixed(1)} s wall`,
    `customers ${summary.visits}, sessions ${summary.sessions}, notes in the cassette ${summary.notes} ` +
      `(${summary.doubts} held as doubts to reconcile), "credited" screens ${summary.creditedScreens}, boots ${summary.boots} ` +
      `(${summary.bootsAfterRingWrap} after the ledger's ring wrapped), ` +
      `flash cuts landed ${summary.flashCutsLanded}, watchdog resets ${summary.watchdogResets}, ` +
      `ledger full (appends refused) ${summary.ledgerFullRefusals}`,
    `money path: ledger full — sessions refused before sign-in ${summary.money.sessionsRefusedLedgerFull}, notes returned ` +
      `${summary.money.notesReturnedLedgerFull}, promised records refused ${summary.money.unrecordedRecords}; bank anomalies refused ` +
      `${summary.money.bankAnomaliesRefused}; request cap — batches cut ${summary.money.batchesCutAtCap}, bodies refused as too large ` +
      `${summary.money.bodiesRefusedTooLarge}; bills of no tenge value whose report a power cut took before their doubt ` +
      `${summary.money.foreignBillsLostToCuts}`,
    `faults: ${FAULT_KINDS.map((kind) => `${kind} ${summary.faults[kind]}`).join(', ')}`,
    `violations ${summary.violations}${
      summary.failedSeeds.length === 0
        ? ''
        : ` in seeds ${summary.failedSeeds.slice(0, 20).join(', ')}` + `${summary.failedSeeds.length > 20 ? ' …' : ''}`
    }`,
  ];
  return `${lines.join('\n')}\n`;
}
