// The firmware's budget on the whole simulated machine inside XS (@agoric/xsnap 0.15):
// compute per idle tick, per note and per session; heap slots after boot, at the peak of a
// customer session, gained per idle tick and per note; garbage per idle tick.
//
// How xsnap reports, and what is subtracted (read this before trusting a slot count):
// - compute = XS metering units of one evaluate (deterministic for a pinned xsnap). Every
//   measured call is its own evaluate; a control call with the same shape that runs nothing
//   gives the evaluate's own cost, which is subtracted.
// - slots = XS's currentHeapCount (16-byte slots in use) at the end of an evaluate. After an
//   evaluate of gc() alone it is the live set. xsnap keeps exactly one slot per evaluate of
//   its own (calibrated below and checked: the budget fails if that ever changes); every count
//   here has the evaluates made so far taken off.
// - A fresh xsnap machine already holds thousands of slots: XS's built-ins and xsnap's own
//   globals. On a Moddable board the built-ins are in flash, so that baseline is subtracted.
// - The bundle's modules (firmware, simulator and budget code) take slots when evaluated; the
//   firmware's modules alone are measured in a second, fresh machine.
// - The simulated board (validator and card-reader simulators, cables, NOR emulator, world)
//   is measured alone at rest and subtracted; what it allocates while running (in-flight bank
//   requests, the validator's truth counters, serial bytes) is not separable and stays in.
// - Samples are taken between slices of SLICE_MS of virtual time, i.e. between loop ticks: a
//   tick's own temporaries are garbage by then. xsnap 0.15 does not report XS's peakHeapCount
//   (it exists in the engine; the worker's reply carries currentHeapCount, compute and
//   allocate only), nor chunk (byte) usage.
import { bundleForXs } from '../xs/bundle.mjs';
import { startXs } from '../xs/engine.mjs';
import { atMost, GOALS } from './goals.mjs';

/** Virtual time per machine slice between heap samples (4 loop ticks of 5 ms). */
const SLICE_MS = 20;
const LOOP_TICK_MS = 5;
const IDLE_TICKS_SHORT = 1_000;
const IDLE_TICKS_LONG = 10_000;
const GARBAGE_TICKS = 100;
/** The waiting-for-a-note baseline the per-note compute is compared with. */
const CASH_IN_IDLE_MS = 2_000;
/** One customer: 15 000 ₸ bill, 26 notes of every denomination (59 800 ₸), the rest to next month. */
export const SESSION_NOTES = Object.freeze([
  20000, 10000, 5000, 2000, 1000, 500, 200, 1000, 1000, 1000, 2000, 2000, 5000, 1000, 1000, 1000, 1000, 1000, 1000,
  1000, 500, 500, 500, 200, 200, 200,
]);
const CUSTOMER_IIN = '950614400011';
/** Slots xsnap itself keeps per evaluate (0.15.0); calibrated and checked at start. */
const XSNAP_SLOTS_PER_EVALUATE = 1;
const CALIBRATION_EVALUATES = 20;
const SLICES_MAX = 20_000;
const SESSIONS = 2;
const ESP32_SLOTS = 4_928;

class XsRun {
  constructor(worker, messages) {
    this.worker = worker;
    this.messages = messages;
    this.evaluates = 0;
  }

  async evaluate(code) {
    this.evaluates += 1;
    return (await this.worker.evaluate(code)).meterUsage;
  }

  /** Live slots after gc(), xsnap's own per-evaluate slots taken off. */
  async liveSlots() {
    const usage = await this.evaluate('gc()');
    return usage.currentHeapCount - this.evaluates * XSNAP_SLOTS_PER_EVALUATE;
  }

  /** Checks that xsnap keeps exactly XSNAP_SLOTS_PER_EVALUATE per evaluate, so the subtraction above is exact. */
  async calibrate() {
    const first = (await this.evaluate('gc()')).currentHeapCount;
    let last = first;
    for (let index = 0; index < CALIBRATION_EVALUATES; index++) last = (await this.evaluate('gc()')).currentHeapCount;
    const perEvaluate = (last - first) / CALIBRATION_EVALUATES;
    if (perEvaluate !== XSNAP_SLOTS_PER_EVALUATE) {
      throw new Error(
        `xsnap keeps ${perEvaluate} slots per evaluate, not ${XSNAP_SLOTS_PER_EVALUATE}: the slot subtraction must be redone`,
      );
    }
    return perEvaluate;
  }
}

async function withXs(body) {
  const messages = [];
  const worker = await startXs((message) => messages.push(message));
  try {
    const run = new XsRun(worker, messages);
    return await body(run);
  } finally {
    await worker.close();
  }
}

/** Slots of the firmware's modules alone (src/ as src/firmware.ts reaches it) in a fresh machine. */
async function firmwareModuleSlots() {
  return withXs(async (run) => {
    await run.calibrate();
    const engine = await run.liveSlots();
    await run.evaluate(await bundleForXs("import './tools/budget/xs-firmware-entry';"));
    return { engine, modules: (await run.liveSlots()) - engine };
  });
}

/**
 * The machine driven through boot, idle and one customer session. The plain run gives the
 * heap and the whole machine's compute; the metered run (meters on the firmware's turns, see
 * xs-machine-entry.ts) gives the firmware's own compute and nothing else is read from it.
 */
async function machineRun({ metered }) {
  return withXs(async (run) => {
    const perEvaluate = await run.calibrate();
    const engine = await run.liveSlots();
    await run.evaluate(await bundleForXs("import './tools/budget/xs-machine-entry';"));
    if (metered) await run.evaluate('machineBudget.meterFirmware()');
    // A board made and dropped once first: XS keeps some first-use objects (about 30 slots),
    // which then count with the modules, not with the board.
    await run.evaluate('machineBudget.boardOnly(); machineBudget.dropBoard()');
    const bundle = (await run.liveSlots()) - engine;
    await run.evaluate('machineBudget.boardOnly()');
    const board = (await run.liveSlots()) - engine - bundle;
    await run.evaluate('machineBudget.dropBoard()');
    const boardLeft = (await run.liveSlots()) - engine - bundle;
    if (boardLeft !== 0)
      throw new Error(`the simulated board left ${boardLeft} slots behind: its subtraction would be wrong`);
    const control = (await run.evaluate('machineBudget.control("never", 20)')).compute;
    const rest = engine + bundle + board;

    const tracker = new SliceTracker(run, control);
    await run.evaluate('machineBudget.boot()');
    // Idle is the machine at rest: the attract screen comes up while the validator still starts (about 2 s).
    await tracker.runTo('at-rest', 30_000);
    const afterBoot = await run.liveSlots();

    // Idle at the attract screen: the loop, the validator polled (disabled), nobody there.
    const idleTicks = (ticks) => run.evaluate(`machineBudget.until("never", ${ticks * LOOP_TICK_MS})`);
    await idleTicks(100); // first-call work stays out of the numbers
    await tracker.sample('idle');
    const firmwareBeforeIdle = tracker.state.firmwareCompute;
    const boardBeforeIdle = tracker.state.firmwareComputeBoard;
    const idle = await idleTicks(IDLE_TICKS_SHORT);
    await tracker.sample('idle');
    const firmwareIdle = tracker.state.firmwareCompute - firmwareBeforeIdle;
    const boardIdle = tracker.state.firmwareComputeBoard - boardBeforeIdle;
    const afterShort = await run.liveSlots();
    for (let done = IDLE_TICKS_SHORT; done < IDLE_TICKS_LONG; done += IDLE_TICKS_SHORT)
      await idleTicks(IDLE_TICKS_SHORT);
    const afterLong = await run.liveSlots();
    // Garbage: the count right after gc(), then after ticks with no gc. XS collects only when
    // its free slots run out, far off here; a collection in between would make this an
    // undercount, and one that shows as a drop below the start is refused.
    const beforeGarbage = (await run.evaluate('gc()')).currentHeapCount;
    const garbageUsage = await idleTicks(GARBAGE_TICKS);
    const garbageSlots = garbageUsage.currentHeapCount - beforeGarbage - perEvaluate;
    if (garbageSlots < 0) throw new Error('XS collected during the garbage measurement');

    const sessions = [];
    const afterSessions = [];
    for (let count = 0; count < SESSIONS; count++) {
      sessions.push(await customerSession(run, tracker));
      afterSessions.push(await run.liveSlots());
    }
    return {
      criticalPathSettingsWrites: tracker.state.criticalPathSettingsWrites,
      engine,
      bundle,
      board,
      rest,
      afterBoot,
      afterShort,
      afterLong,
      afterSessions,
      idleComputePerTick: (idle.compute - control) / IDLE_TICKS_SHORT,
      firmwareIdleComputePerTick: firmwareIdle / IDLE_TICKS_SHORT,
      boardIdleComputePerTick: boardIdle / IDLE_TICKS_SHORT,
      calibration: tracker.state.calibration,
      garbageSlotsPerIdleTick: garbageSlots / GARBAGE_TICKS,
      peak: tracker.peak,
      peakAt: tracker.peakAt,
      sessions,
    };
  });
}

/** Runs the machine in SLICE_MS slices to a condition, sampling the live heap after each slice. */
class SliceTracker {
  constructor(run, control) {
    this.run = run;
    this.control = control;
    this.peak = 0;
    this.peakAt = '';
    this.state = undefined;
  }

  /** Runs to `condition`, or for `limitMs`; the compute of the slices (controls off), the firmware's own, the virtual time. */
  async runSlices(condition, limitMs) {
    let compute = 0;
    const startMs = this.state?.nowMs ?? 0;
    const firmwareBefore = this.state?.firmwareCompute ?? 0;
    const boardBefore = this.state?.firmwareComputeBoard ?? 0;
    let reached = false;
    for (let slice = 0; slice * SLICE_MS < limitMs && slice < SLICES_MAX && !reached; slice++) {
      compute += (await this.run.evaluate(`machineBudget.until("${condition}", ${SLICE_MS})`)).compute - this.control;
      await this.sample(condition);
      if (this.state.halt !== '') throw new Error(`the firmware halted: ${this.state.halt}`);
      reached = this.state.reached;
    }
    return {
      reached,
      compute,
      firmware: this.state.firmwareCompute - firmwareBefore,
      board: this.state.firmwareComputeBoard - boardBefore,
      durationMs: this.state.nowMs - startMs,
    };
  }

  async runTo(condition, limitMs) {
    const result = await this.runSlices(condition, limitMs);
    if (!result.reached)
      throw new Error(
        `machine: "${condition}" not reached in ${limitMs} ms (screen ${this.state.screen}, session ${this.state.session})`,
      );
    return result;
  }

  async sample(where) {
    const before = this.run.messages.length;
    await this.run.evaluate('machineBudget.trim(); machineBudget.report()');
    this.state = this.run.messages[before];
    const slots = await this.run.liveSlots();
    if (slots > this.peak) {
      this.peak = slots;
      this.peakAt = `${where}, screen ${this.state.screen}, session ${this.state.session}`;
    }
    return slots;
  }
}

async function customerSession(run, tracker) {
  const press = (keys) => run.evaluate(`machineBudget.press(${JSON.stringify(keys)})`);
  const total = { compute: 0, firmware: 0, board: 0 };
  const step = async (condition, limitMs) => {
    const result =
      condition === 'never' ? await tracker.runSlices(condition, limitMs) : await tracker.runTo(condition, limitMs);
    total.compute += result.compute;
    total.firmware += result.firmware;
    total.board += result.board;
    return result;
  };
  await tracker.sample('attract'); // the idle ticks ran outside the tracker: its clock and meters catch up here
  const startMs = tracker.state.nowMs;
  const notesBefore = tracker.state.notes;
  await press('F2'); // Russian
  await step('method', 5_000);
  await press(['F4', ...CUSTOMER_IIN.split(''), 'enter'].join(' '));
  await step('bill', 30_000);
  await press('enter');
  await step('insert-notes', 30_000);
  // The machine waiting for a note: the baseline a note's compute is compared with.
  const waiting = await step('never', CASH_IN_IDLE_MS);
  if (tracker.state.screen !== 'insert-notes')
    throw new Error(`cash-in did not wait for a note (screen ${tracker.state.screen})`);
  const waitingMs = waiting.durationMs;
  const waitingCompute = waiting.compute;
  const waitingFirmware = waiting.firmware;
  const waitingBoard = waiting.board;

  const notes = [];
  let slotsAfterSecondNote = 0;
  for (const [index, tenge] of SESSION_NOTES.entries()) {
    await run.evaluate(`machineBudget.insert(${tenge})`);
    await step('escrow-polled', 10_000);
    const stacked = await step('stacked', 10_000);
    notes.push({
      tenge,
      compute: stacked.compute,
      firmware: stacked.firmware,
      durationMs: stacked.durationMs,
      aboveWaiting: stacked.compute - (waitingCompute / waitingMs) * stacked.durationMs,
      firmwareAboveWaiting: stacked.firmware - (waitingFirmware / waitingMs) * stacked.durationMs,
      boardAboveWaiting: stacked.board - (waitingBoard / waitingMs) * stacked.durationMs,
    });
    if (index === 1) slotsAfterSecondNote = await run.liveSlots();
  }
  const slotsAfterLastNote = await run.liveSlots();
  await press('enter');
  await step('credited', 60_000);
  await step('settled', 60_000);
  if (tracker.state.notes - notesBefore !== SESSION_NOTES.length)
    throw new Error(`${tracker.state.notes - notesBefore} notes stacked, not ${SESSION_NOTES.length}`);
  return {
    notes,
    compute: total.compute,
    firmware: total.firmware,
    board: total.board,
    slotsAfterSecondNote,
    slotsAfterLastNote,
    waitingComputePerTick: (waitingCompute / waitingMs) * LOOP_TICK_MS,
    waitingFirmwarePerTick: (waitingFirmware / waitingMs) * LOOP_TICK_MS,
    durationMs: tracker.state.nowMs - startMs,
    depositedTenge: SESSION_NOTES.reduce((sum, tenge) => sum + tenge, 0),
  };
}

const round = (value, digits = 0) => Number(value.toFixed(digits));
/** 4928 → '4 928', as the project writes numbers in prose. */
const group = (value) => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Runs the three XS machines; returns the section (see report.mjs for the shape). */
export async function measureMachineBudget() {
  const [firmware, plain, metered] = await Promise.all([
    firmwareModuleSlots(),
    machineRun({ metered: false }),
    machineRun({ metered: true }),
  ]);
  const session = plain.sessions[0];
  const firmwareSession = metered.sessions[0];
  const firmwareAt = (slots) => slots - plain.rest;
  const firmwarePeak = firmwareAt(plain.peak);
  const onDevice = firmware.modules + firmwarePeak;
  const noteMs = round(mean(session.notes.map((note) => note.durationMs)));
  const firstNote = firmwareSession.notes[0];
  const lastNote = metered.sessions[SESSIONS - 1].notes[SESSION_NOTES.length - 1];
  const noteCount = SESSIONS * SESSION_NOTES.length;
  return {
    id: 'machine',
    title: 'Whole firmware on the simulated machine, in XS',
    workload:
      `the unchanged firmware (startFirmware) on the desk machine (tools/bench/machine.ts) on virtual time — simulated CCNET validator and card reader on timed cables, ` +
      `NOR ledger, a bank in the same engine; boot to the attract screen with the validator started; ${group(IDLE_TICKS_LONG)} idle ticks; then ${SESSIONS} IIN customers, ` +
      `each: bill 15 000 ₸, ${SESSION_NOTES.length} notes (${group(session.depositedTenge)} ₸) fed one at a time, confirm, credited, synced. ` +
      `"firmware" compute = the loop's ticks and the bank-reply callbacks, less the simulated ports (serial, NOR, SHA-256, bank link) ` +
      `they call; "machine" = everything in the engine. Heap sampled after gc() every ${SLICE_MS} ms of virtual time`,
    rows: [
      atMost(
        row(
          'compute.idleTick.firmware',
          'compute per idle tick, firmware (attract screen), TypeScript CRC (desk)',
          round(metered.firmwareIdleComputePerTick, 1),
          'XS compute',
          undefined,
          `the meters' own cost taken off: ${round(metered.calibration.portWrapper)} a port call, ${round(metered.calibration.crcWrapper)} a CRC call`,
        ),
        GOALS.idleTickCompute,
      ),
      atMost(
        row(
          'compute.idleTick.firmware.board',
          'compute per idle tick, firmware, native CRC (board)',
          round(metered.boardIdleComputePerTick, 1),
          'XS compute',
          undefined,
          `the CRCs' TypeScript replaced by hal/moddable/crc.ts around its natives: ${round(metered.calibration.boardCrc16)} a CRC-16, ${round(metered.calibration.boardCrc32)} a CRC-32`,
        ),
        GOALS.idleTickCompute,
      ),
      row(
        'compute.idleTick.machine',
        'compute per idle tick, whole machine',
        round(plain.idleComputePerTick, 1),
        'XS compute',
      ),
      row(
        'compute.note.firmware.first',
        'compute per note, firmware, first note of a fresh ledger',
        round(firstNote.firmware),
        'XS compute',
        undefined,
        `from the validator's ESCROW answer to the note-stacked record: ${noteMs} ms virtual`,
      ),
      row(
        'compute.note.firmware.last',
        `compute per note, firmware, note ${noteCount} of the ledger (session ${SESSIONS}, last note)`,
        round(lastNote.firmware),
        'XS compute',
      ),
      row(
        'compute.note.firmware.growth',
        "growth of a note's firmware compute per note already in the ledger",
        round((lastNote.firmware - firstNote.firmware) / (noteCount - 1)),
        'XS compute',
        '0',
      ),
      atMost(
        row(
          'compute.note.firmware.aboveWaiting',
          'first note, firmware, above the machine waiting for a note, TypeScript CRC (desk)',
          round(firstNote.firmwareAboveWaiting),
          'XS compute',
          undefined,
          `waiting on insert-notes: ${round(firmwareSession.waitingFirmwarePerTick, 1)} per tick`,
        ),
        GOALS.noteAboveWaitingCompute,
      ),
      atMost(
        row(
          'compute.note.firmware.aboveWaiting.board',
          'first note, firmware, above the machine waiting for a note, native CRC (board)',
          round(firstNote.boardAboveWaiting),
          'XS compute',
        ),
        GOALS.noteAboveWaitingCompute,
      ),
      row(
        'compute.note.machine.first',
        'compute per note, whole machine, first note',
        session.notes[0].compute,
        'XS compute',
        undefined,
        `above waiting: ${group(round(session.notes[0].aboveWaiting))}; note ${noteCount}: ${group(plain.sessions[SESSIONS - 1].notes[SESSION_NOTES.length - 1].compute)}`,
      ),
      atMost(
        row(
          'settings.note.criticalPath',
          'Settings writes per note on the critical path (while in escrow or stacking)',
          round(plain.criticalPathSettingsWrites / noteCount, 2),
          'writes',
          undefined,
          `${plain.criticalPathSettingsWrites} in ${noteCount} notes; NVS on the board: a write may erase a page and stall the flash cache`,
        ),
        GOALS.settingsWritesPerNote,
      ),
      row(
        'compute.session.firmware',
        'compute per customer session, firmware (first session)',
        round(firmwareSession.firmware),
        'XS compute',
        undefined,
        `language key → back at attract, bank synced: ${round(session.durationMs / 1000, 1)} s virtual`,
      ),
      row(
        'compute.session.machine',
        'compute per customer session, whole machine',
        round(session.compute),
        'XS compute',
      ),
      row(
        'heap.engine',
        'slots of an empty xsnap machine after gc()',
        plain.engine,
        'slots',
        undefined,
        'XS built-ins and xsnap globals (in flash on the board): subtracted',
      ),
      row(
        'heap.firmwareModules',
        "slots of the firmware's modules alone (src/ evaluated in a fresh machine)",
        firmware.modules,
        'slots',
        undefined,
        'RAM on the board unless the manifest preloads them into flash',
      ),
      row(
        'heap.budgetModules',
        "slots of the budget bundle's modules (firmware + simulators + tools)",
        plain.bundle,
        'slots',
        undefined,
        'subtracted',
      ),
      row(
        'heap.simBoard',
        'slots of the simulated board alone, at rest',
        plain.board,
        'slots',
        undefined,
        'subtracted',
      ),
      row('heap.boot.total', 'slots after boot, everything live in the engine', plain.afterBoot, 'slots'),
      row(
        'heap.boot.firmware',
        'firmware slots after boot (less engine, modules, board)',
        firmwareAt(plain.afterBoot),
        'slots',
      ),
      row(
        'heap.peak.firmware',
        'firmware slots at the peak of a customer session',
        firmwarePeak,
        'slots',
        undefined,
        `at ${plain.peakAt}`,
      ),
      row(
        'heap.peak.withModules',
        'firmware modules + firmware slots at the peak',
        onDevice,
        'slots',
        '≤ 4 928 (classic ESP32)',
        onDevice <= ESP32_SLOTS
          ? `${group(ESP32_SLOTS - onDevice)} to spare`
          : `${group(onDevice - ESP32_SLOTS)} over; with the modules preloaded into flash: ${group(ESP32_SLOTS - firmwarePeak)} to spare`,
      ),
      row(
        'heap.idleTick.gained',
        `slots gained per idle tick (after ${IDLE_TICKS_SHORT} → ${IDLE_TICKS_LONG} ticks)`,
        round((plain.afterLong - plain.afterShort) / (IDLE_TICKS_LONG - IDLE_TICKS_SHORT), 4),
        'slots',
        '0',
      ),
      row(
        'heap.idleTick.garbage',
        `slots allocated per idle tick, whole machine (garbage, ${GARBAGE_TICKS} ticks without gc)`,
        round(plain.garbageSlotsPerIdleTick, 2),
        'slots',
        '0',
        "the simulators' garbage included: xsnap cannot tell whose",
      ),
      row(
        'heap.note.kept',
        `slots kept per note (after note 2 → note ${SESSION_NOTES.length}, one session)`,
        round((session.slotsAfterLastNote - session.slotsAfterSecondNote) / (SESSION_NOTES.length - 2), 2),
        'slots',
        '0',
      ),
      row(
        'heap.session.kept',
        'slots kept after each session, settled (vs boot; vs the session before)',
        plain.afterSessions
          .map((slots, index) => slots - (index === 0 ? plain.afterBoot : plain.afterSessions[index - 1]))
          .join(' / '),
        'slots',
        '0',
      ),
    ],
  };
}

function row(key, what, value, unit, goal, note) {
  return { key, what, value, unit, ...(goal === undefined ? {} : { goal }), ...(note === undefined ? {} : { note }) };
}
