// One seed's run of the whole machine: the unchanged firmware on the simulated board
// (DeskMachine), the reference bank's own logic in process (tools/bank/in-process.ts) behind
// the simulated network, customers, and a fault injector — every choice drawn from the seed.
// After every customer action and every fault, and every CHECK_PERIOD_MS, the money
// invariants are checked (checker.ts); the first violation ends the run. At the end the
// faults are switched off and the machine must settle: everything synced, the cassette, the
// ledger and the bank agreeing note for note.
import type { BankHandler } from '../../hal/sim/bank-link';
import { DEFAULT_GEOMETRY, NorFlashEmulator } from '../../hal/sim/nor-flash';
import type { SimActor } from '../../hal/sim/world';
import type { Firmware } from '../../src/firmware';
import type { LedgerRecord } from '../../src/ledger/records';
import { inProcessBank } from '../bank/in-process';
import { MoneyChecker } from './checker';
import { CustomerStream } from './customer';
import { Dice } from './dice';
import { FaultInjector } from './injector';
import { DeskMachine } from '../bench/machine';
import { HaltFaults } from './halt-faults';
import { MoneyFaults, TABLE_WITH_FOREIGN_ENTRIES } from './money-faults';
import { FAULT_KINDS, planRun, type FaultKind } from './plan';
import { SESSION_ROOM_BYTES } from '../../src/session/room';

/** The ATM id the simulated board is provisioned with and the bank knows it by. */
export const SIM_ATM_ID = 'ATM-SIM-0001';
/** The bank's own clock starts here and runs with virtual time; the ATM's wall clock may jump, the bank's does not. */
const BANK_EPOCH_MS = Date.UTC(2026, 10, 25, 7, 0, 0);
export const CHECK_PERIOD_MS = 500;
/** After the faults stop, the machine must have synced everything within this much virtual time. */
export const SETTLE_MS_MAX = 20 * 60_000;
/** A note that lands is reported at the next POLL (150 ms) and recorded by the session's tick: until then no moment is quiet. */
const NOTE_REPORTED_MS = 2_000;
export const BREAKS = ['double-credit', 'drop-stacked'] as const;
/** A deliberately broken part, to show the checker catches it: a bank link that re-sends a
 * deposit with shifted sequences (credits twice), or a ledger that drops a note-stacked record. */
export type Break = (typeof BREAKS)[number];

export interface SeedOptions {
  /** Virtual time of customers and faults before the settle (each seed varies it by ±50 %). */
  readonly durationMs: number;
  readonly break?: Break;
  /** One line per fault, visit and check failure, for `--verbose`. */
  readonly log?: (line: string) => void;
}

export interface SeedResult {
  readonly seed: number;
  readonly virtualMs: number;
  readonly sessions: number;
  readonly notes: number;
  /** Notes the bank holds to reconcile: doubts the firmware sent where a fault left a note's fate unknown. */
  readonly doubts: number;
  readonly creditedScreens: number;
  readonly visits: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly boots: number;
  /** Boots with the ledger's ring already past its first sector. */
  readonly bootsAfterRingWrap: number;
  /** Armed flash cuts that landed inside a flash operation (the rest were overtaken by a power cut or the end). */
  readonly flashCutsLanded: number;
  readonly watchdogResets: number;
  /** Appends the ledger refused because it was full of records the bank had not acknowledged. */
  readonly ledgerFullRefusals: number;
  /** What a full ledger, a lying bank and the request cap made the firmware do (issue 15). */
  readonly money: MoneyOutcomes;
  /** Times the `--break` did its damage (a batch re-sent shifted, a record dropped). */
  readonly breakFired: number;
  readonly violations: readonly string[];
}

export interface MoneyOutcomes {
  /** Customers told "cash not accepted" before signing in because the ledger had no room for a session. */
  sessionsRefusedLedgerFull: number;
  /** Notes returned because the ledger could not keep what they might still need. */
  notesReturnedLedgerFull: number;
  /** Bank replies the outbox refused as anomalies (an ack beyond the batch, or for another ATM). */
  bankAnomaliesRefused: number;
  /** Batches cut short by the link's request-body cap, and bodies the link refused as too large (must be 0). */
  batchesCutAtCap: number;
  bodiesRefusedTooLarge: number;
  /** Promised records a full ledger refused (must be 0: the room was kept for them). */
  unrecordedRecords: number;
  /** Bills of no tenge value stacked unasked whose report a power loss took before the doubt was written. */
  foreignBillsLostToCuts: number;
}

export function runSeed(seed: number, options: SeedOptions): SeedResult {
  const plan = planRun(seed, options.durationMs);
  const dice = new Dice(seed);
  const faultDice = dice.fork(1);
  const customerDice = dice.fork(2);
  const breakDice = dice.fork(3);
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  let clockNowMs = () => 0;
  const stamp = () => `t=${(clockNowMs() / 1000).toFixed(3)}s`;
  const log = options.log === undefined ? undefined : (line: string) => options.log!(`${stamp()} ${line}`);
  const bank = inProcessBank({ atmId: SIM_ATM_ID, nowMs: () => BANK_EPOCH_MS + clockNowMs(), seed: dice.uint32() });
  const checker = new MoneyChecker(bank.store, SIM_ATM_ID, () => bank.api.internalErrors, stamp);
  checker.log = log;
  let ledgerFullRefusals = 0;
  let breakFired = 0;
  const fired = () => {
    breakFired += 1;
  };
  const money: MoneyOutcomes = {
    sessionsRefusedLedgerFull: 0,
    notesReturnedLedgerFull: 0,
    bankAnomaliesRefused: 0,
    batchesCutAtCap: 0,
    bodiesRefusedTooLarge: 0,
    unrecordedRecords: 0,
    foreignBillsLostToCuts: 0,
  };
  let running: Firmware | undefined;
  let moneyFaults: MoneyFaults | undefined;
  let powerLosses = 0;
  // The machine boots inside its constructor: its counts are read through this until it exists.
  let machineCounts = (): DeskMachine['counts'] => ({
    boots: 0,
    powerCuts: 0,
    flashCuts: 0,
    watchdogResets: 0,
    controllerRestarts: 0,
  });
  /** After a boot that followed a power loss: bills stacked unasked whose doubt never made it to flash. */
  const excuseLostForeignBills = (counts: DeskMachine['counts']) => {
    const losses = counts.powerCuts + counts.flashCuts + counts.watchdogResets;
    if (moneyFaults === undefined || losses === powerLosses) return;
    powerLosses = losses;
    const lost = moneyFaults.foreignBillsStacked - checker.unknownValueDoubtsRecorded - checker.excusedUnknownValue;
    if (lost <= 0) return;
    checker.excusedUnknownValue += lost;
    money.foreignBillsLostToCuts += lost;
  };
  const tallyFirmware = () => {
    if (running === undefined) return;
    money.bankAnomaliesRefused += running.outbox.bankAnomalies;
    money.batchesCutAtCap += running.outbox.batchesCutAtBodyLimit;
    money.unrecordedRecords += running.session.unrecordedRecords;
  };
  const reachable = options.break === 'double-credit' ? doubleCrediting(bank.handler, breakDice, fired) : bank.handler;
  // The money faults' bank goes in front of it once they are made (they need the machine).
  let bankFront: BankHandler = reachable;
  const sectorSizeBytes = plan.money.smallLedger?.sectorBytes ?? DEFAULT_GEOMETRY.sectorSizeBytes;
  const sectors = plan.money.smallLedger?.sectors ?? plan.ledgerSectors;
  const machine = new DeskMachine({
    seed,
    provisioning: { atmId: SIM_ATM_ID, cardTokenKeyHex: bank.cardTokenKeyHex },
    validator: {
      cassetteCapacity: plan.cassetteCapacityNotes,
      ...(plan.money.foreignBillEntries ? { billTable: TABLE_WITH_FOREIGN_ENTRIES } : {}),
    },
    flash: new NorFlashEmulator({ ...DEFAULT_GEOMETRY, sectorSizeBytes, sizeBytes: sectors * sectorSizeBytes }),
    bank: (request) => bankFront(request),
    onBoot: (firmware) => {
      tallyFirmware();
      running = firmware;
      checker.afterBoot(firmware);
      excuseLostForeignBills(machineCounts());
      probeLedger(firmware, checker, () => {
        ledgerFullRefusals += 1;
      });
      if (options.break === 'drop-stacked') dropStacked(firmware, breakDice, fired);
    },
  });
  const sim = machine.sim;
  machineCounts = () => machine.counts;
  clockNowMs = () => sim.clock.nowMs;
  const check = () => checker.checkStep(machine.firmware, sim.flash.lastCut !== undefined);
  const count = (kind: FaultKind) => {
    faults[kind] += 1;
    log?.(`fault ${kind}`);
  };
  let stream: CustomerStream | undefined;
  const cassette = watchCassette(machine, checker, () => stream?.noteOwner ?? '', log);
  const injector = new FaultInjector(machine, plan, faultDice, {
    count,
    afterFault: check,
    afterJamCleared: cassette.observe,
    beforeEmptying: () => {
      log?.('technician empties the cassette');
      cassette.emptied();
    },
  });
  // Drawn after everything above, so that the older parts of a seed's run are as they were.
  moneyFaults = new MoneyFaults(machine, plan.money, dice.fork(4), injector.timers, { count, afterFault: check });
  bankFront = moneyFaults.bank(reachable);
  const haltFaults = new HaltFaults(machine, plan.money.haltPerNoteProbability, dice.fork(5), injector.timers, {
    count,
    afterFault: check,
  });
  checker.unreported = () => moneyFaults!.unreported() || cassette.justLanded();
  watchMoneyScreens(machine, money);
  stream = new CustomerStream(machine, bank.api, customerDice, plan, {
    count,
    afterAction: check,
    beforeNote: () => {
      injector.beforeNote();
      moneyFaults.beforeNote();
      haltFaults.beforeNote();
    },
    slotOpen: () => injector.slotOpen(),
    log,
  });
  let checkAtMs = CHECK_PERIOD_MS;
  const periodic: SimActor = {
    nextEventMs: () => checkAtMs,
    step: (nowMs) => {
      checkAtMs = nowMs + CHECK_PERIOD_MS;
      check();
    },
  };
  for (const actor of [injector.timers, injector, moneyFaults, stream, periodic]) sim.world.add(actor);

  machine.runUntil(() => checker.failed, plan.durationMs);
  if (!checker.failed) {
    injector.stop();
    moneyFaults.stop();
    haltFaults.stop();
    stream.close();
    log?.('faults off: settling');
    settle(machine, checker, () => bank.store.storedSequence(SIM_ATM_ID));
  }
  bank.close();
  tallyFirmware();
  const link = sim.bankLink!.counts;
  money.bodiesRefusedTooLarge = link.tooLarge;
  faults['bank-lost-reply'] = link.lostReplies;
  faults['bank-duplicate'] = link.duplicates;
  faults['bank-5xx'] = link.serverErrors;
  return {
    seed,
    virtualMs: sim.clock.nowMs,
    sessions: checker.sessionsOpened,
    notes: checker.landedNotes,
    doubts: checker.doubtNotes,
    creditedScreens: checker.creditedScreens,
    visits: stream.visits,
    faults,
    boots: machine.counts.boots,
    bootsAfterRingWrap: checker.bootsAfterRingWrap,
    flashCutsLanded: machine.counts.flashCuts,
    watchdogResets: machine.counts.watchdogResets,
    ledgerFullRefusals,
    money,
    breakFired,
    violations: checker.violations,
  };
}

/**
 * The witnesses on the board: each note that lands in the cassette is the last inserter's (the
 * validator's step is wrapped, so none is missed), and a "credited" screen is checked against
 * the bank the moment it is drawn.
 */
function watchCassette(
  machine: DeskMachine,
  checker: MoneyChecker,
  owner: () => string,
  log: ((line: string) => void) | undefined,
) {
  const sim = machine.sim;
  let seen = 0;
  let lastLandedMs = -Infinity;
  const observe = () => {
    const notes = sim.validator.truth.cassetteTenge;
    if (seen < notes.length) lastLandedMs = sim.clock.nowMs;
    for (; seen < notes.length; seen += 1) {
      log?.(`landed ${notes[seen]} ₸ of ${owner()}`);
      checker.noteLanded(owner(), notes[seen]);
    }
  };
  const validatorStep = sim.validator.step.bind(sim.validator);
  sim.validator.step = (nowMs: number) => {
    validatorStep(nowMs);
    observe();
  };
  const show = sim.display.show.bind(sim.display);
  sim.display.show = (screen) => {
    show(screen);
    if (screen.fields.message === 'credited') checker.creditedShown();
  };
  return {
    observe,
    /** A note landed so lately that the firmware cannot have heard of it yet (the next POLL, the session's tick). */
    justLanded: () => sim.clock.nowMs - lastLandedMs < NOTE_REPORTED_MS,
    /** The simulator forgets an emptied cassette's notes; the checker keeps them. */
    emptied: () => {
      observe();
      seen = 0;
    },
  };
}

/** Counts what a full ledger makes the customer see: a session refused before sign-in, a note returned. */
function watchMoneyScreens(machine: DeskMachine, money: MoneyOutcomes): void {
  const display = machine.sim.display;
  const show = display.show.bind(display);
  display.show = (screen) => {
    show(screen);
    if (screen.id === 'insert-notes' && screen.fields.message === 'ledgerFull') money.notesReturnedLedgerFull += 1;
    const ledger = machine.firmware?.ledger;
    if (screen.id === 'outOfServiceCash' && ledger !== undefined && ledger.roomBytes() < SESSION_ROOM_BYTES)
      money.sessionsRefusedLedgerFull += 1;
  };
}

/** Liveness: with the faults off, the machine syncs everything within SETTLE_MS_MAX; then the books must agree in full. */
function settle(machine: DeskMachine, checker: MoneyChecker, bankStored: () => number): void {
  const settled = machine.runUntil(
    () => checker.failed || (machine.firmware !== undefined && checker.synced(machine.firmware)),
    SETTLE_MS_MAX,
  );
  if (checker.failed) return;
  const firmware = machine.firmware;
  if (settled && firmware !== undefined) return checker.checkSettled(firmware);
  const state =
    firmware === undefined
      ? 'power off'
      : `session ${firmware.session.state}, outbox ${firmware.outbox.state} ${firmware.outbox.lastError ?? ''}, ` +
        `ledger head ${firmware.ledger.headSequence} acked ${firmware.ledger.ackedSequence}, bank holds ${bankStored()}, ` +
        `halt ${firmware.scheduler.halt?.message ?? 'none'}, validator ${firmware.validator.status()}`;
  checker.violation(`liveness: not synced ${SETTLE_MS_MAX / 60_000} min after the faults stopped: ${state}`);
}

/** Every record the firmware's ledger confirms goes to the checker's mirror, as the firmware sees it. */
function probeLedger(firmware: Firmware, checker: MoneyChecker, refusedFull: () => void): void {
  const ledger = firmware.ledger;
  const append = ledger.append.bind(ledger);
  const acknowledge = ledger.acknowledge.bind(ledger);
  const confirm = (before: number, result: ReturnType<typeof append>, record: () => LedgerRecord) => {
    if (result.ok && result.sequence === before + 1 && ledger.headSequence === before + 1)
      checker.recordConfirmed(result.sequence, record());
  };
  ledger.append = (record, tier) => {
    if (record.kind === 'bank-ack') return ledger.acknowledge(record.ackedSequence);
    const before = ledger.headSequence;
    const result = append(record, tier);
    confirm(before, result, () => record);
    if (!result.ok && result.error === 'full') refusedFull(); // invariant 5: full of unsynced records, it takes no more cash
    return result;
  };
  ledger.acknowledge = (ackedSequence) => {
    const before = ledger.headSequence;
    const result = acknowledge(ackedSequence);
    confirm(before, result, () => ({ kind: 'bank-ack', ackedSequence }));
    return result;
  };
}

/** BREAK: a ledger that loses some note-stacked records while saying it wrote them. */
function dropStacked(firmware: Firmware, dice: Dice, fired: () => void): void {
  const ledger = firmware.ledger;
  const append = ledger.append;
  ledger.append = (record, tier) => {
    if (record.kind === 'note-stacked' && dice.chance(0.3)) {
      fired();
      return { ok: true, sequence: ledger.headSequence };
    }
    return append(record, tier);
  };
}

/** BREAK: a link that sometimes delivers a deposits batch again with its sequences moved past the bank's. */
function doubleCrediting(handler: BankHandler, dice: Dice, fired: () => void): BankHandler {
  return (request) => {
    const reply = handler(request);
    if (request.path !== '/v1/deposits' || reply.status !== 200 || request.body === undefined || !dice.chance(0.3))
      return reply;
    const batch = JSON.parse(request.body) as {
      fromSequence: number;
      toSequence: number;
      records: { sequence: number; kind: string }[];
    };
    if (!batch.records.some((record) => record.kind === 'note-stacked')) return reply;
    const shift = (JSON.parse(reply.body) as { ackedSequence: number }).ackedSequence + 1 - batch.fromSequence;
    fired();
    handler({
      ...request,
      body: JSON.stringify({
        ...batch,
        fromSequence: batch.fromSequence + shift,
        toSequence: batch.toSequence + shift,
        records: batch.records.map((record) => ({ ...record, sequence: record.sequence + shift })),
      }),
    });
    return reply;
  };
}
