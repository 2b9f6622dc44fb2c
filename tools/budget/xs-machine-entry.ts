// Runs inside XS for `npm run budget` (tools/budget/machine.mjs drives it): the unchanged
// firmware on the machine on the desk (DeskMachine, on virtual time), a customer paying a bill note by note, and
// a bank in the same engine. Each call here is one xsnap evaluate, so the engine's metering
// of that evaluate is the compute of exactly that call; the heap is read by the parent after
// gc() between calls. Nothing here measures: it only moves the machine and says where it is.
import type { HttpsRequest, Key } from '../../hal/ports';
import type { BankReply } from '../../hal/sim/bank-link';
import { SimBankLink } from '../../hal/sim/bank-link';
import { makeSimBoard, type SimBoard, type SimBoardOptions } from '../../hal/sim/board';
import { NativeCrc } from '../../hal/moddable/crc';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { SoftCrc, SoftCrypto } from '../../hal/sim/peripherals';
import { SimTicker } from '../../hal/sim/world';
import { STATE_ESCROW } from '../../src/cash/ccnet-codec';
import { CriticalPathProbe } from '../sim/critical-path';
import { DeskMachine, provisionDesk } from '../bench/machine';

/** The customer the budget's bank knows: bill 15 000 ₸ (the product's FAQ example). */
const CUSTOMER_IIN = '950614400011';
const BILL_TIYN = 1_500_000;
const SESSION_MAX_TIYN = 50_000_000;
const SEED = 1;

/**
 * A bank with no memory beyond the highest stored sequence, so the heap the budget reads is
 * the firmware's and the simulated devices', not a growing book of deposits.
 */
let storedSequence = 0;
function bankHandler(request: HttpsRequest): BankReply {
  const body = request.body === undefined ? {} : (JSON.parse(request.body) as Record<string, unknown>);
  if (request.path === '/v1/authorise') {
    if (body.method !== 'iin' || body.iin !== CUSTOMER_IIN) return reply(404, { error: 'unknown-customer' });
    return reply(200, {
      customerId: 'c-budget',
      displayName: 'Айгерим Б.',
      sessionMaxTiyn: SESSION_MAX_TIYN,
      bill: { billTiyn: BILL_TIYN, dueDate: '2026-12-05', nextBillTiyn: BILL_TIYN, outstandingTiyn: 0, carriedTiyn: 0 },
    });
  }
  if (request.path === '/v1/deposits') {
    const fromSequence = body.fromSequence as number;
    if (fromSequence > storedSequence + 1) return reply(409, { error: 'gap', ackedSequence: storedSequence });
    storedSequence = Math.max(storedSequence, body.toSequence as number);
    return reply(200, { ackedSequence: storedSequence });
  }
  return reply(404, { error: 'no-route' });
}

function reply(status: number, body: unknown): BankReply {
  return { status, body: JSON.stringify(body) };
}

const boardOptions: SimBoardOptions = { seed: SEED, bank: bankHandler };
let boardAlone: SimBoard | undefined;
let machine: DeskMachine | undefined;
/** Settings writes on each note's critical path (issue 15: NVS off the path between escrow and STACK). */
let criticalPath: CriticalPathProbe | undefined;
let reached = false;
// Where the note in flight is: the validator's command count when it first held the note in
// escrow (-1 before), and the cassette count before the note.
let escrowCommands = -1;
let notesBefore = 0;

function live(): DeskMachine {
  if (machine === undefined) throw new Error('budget: boot() first');
  return machine;
}

/** The conditions the parent runs the machine to; each is a few property reads per world step. */
const CONDITIONS: Readonly<Record<string, () => boolean>> = Object.freeze({
  attract: () => live().sim.display.current?.id === 'attract',
  /** At the attract screen with the bill validator through its start-up (identified, bill table read): the machine at rest. */
  'at-rest': () => live().sim.display.current?.id === 'attract' && live().firmware?.validator.status() === 'idle',
  method: () => live().sim.display.current?.id === 'method',
  bill: () => live().sim.display.current?.id === 'bill',
  'insert-notes': () => live().sim.display.current?.id === 'insert-notes' && live().sim.validator.enabled,
  /** The validator answers a POLL with ESCROW: the firmware's first sight of the note. */
  'escrow-polled': () => {
    const validator = live().sim.validator;
    if (validator.state !== STATE_ESCROW) return false;
    if (escrowCommands < 0) escrowCommands = validator.truth.commandsReceived;
    return validator.truth.commandsReceived > escrowCommands;
  },
  /** The session has written the note-stacked record and counted the note into the cassette. */
  stacked: () => live().firmware!.session.cassette.notes > notesBefore,
  credited: () => live().sim.display.current?.fields.message === 'credited',
  /** Back at attract with every record acknowledged but the newest bank-ack record itself (it is local bookkeeping). */
  settled: () => {
    const firmware = live().firmware!;
    return (
      firmware.session.idle &&
      firmware.ledger.headSequence - firmware.ledger.ackedSequence <= 1 &&
      live().sim.display.current?.id === 'attract'
    );
  },
  never: () => false,
});

// ---- the firmware's own compute, apart from the simulators ----------------------------------
// xsnap's resetMeter(limit, index) returns the meter of the running evaluate and sets it; a
// read puts the same value back. The loop's tick (the SimTicker's step) and the bank's reply
// callbacks are the firmware's turns; inside them, the simulated ports (serial cables, NOR
// emulator, SHA-256 in TypeScript, the bank link) stand in for native code on the board, so
// their compute is taken off. The Crc port is metered apart: the desk's figures keep its
// TypeScript, the board's put the board's adapter (hal/moddable/crc.ts, its natives stood in)
// in its place. The meters' own wrappers cost compute a plain call does not; that cost is
// calibrated on a method that does nothing and taken off per call. Installed only in the
// metered run.
declare function resetMeter(limit: number, index: number): number;

function readMeter(): number {
  const index = resetMeter(0, 0);
  resetMeter(0, index);
  return index;
}

const meter = {
  firmware: 0,
  ports: 0,
  readCost: 0,
  portCalls: 0,
  /** The TypeScript CRC's compute inside firmware turns, and its calls by kind. */
  crc: 0,
  crc16Calls: 0,
  crc32Calls: 0,
};
/** Calibrated at meterFirmware(): per call, in XS compute. */
const calibration = { portWrapper: 0, crcWrapper: 0, crcWindowNoop: 0, boardCrc16: 0, boardCrc32: 0 };
let inFirmware = false;

function firmwareTurn<T>(work: () => T): T {
  if (inFirmware) return work();
  inFirmware = true;
  const start = readMeter();
  try {
    return work();
  } finally {
    meter.firmware += readMeter() - start - meter.readCost;
    inFirmware = false;
  }
}

function portCall<T>(work: () => T): T {
  if (!inFirmware) return work();
  meter.portCalls += 1;
  const start = readMeter();
  try {
    return work();
  } finally {
    meter.ports += readMeter() - start;
  }
}

/** A CRC called from a firmware turn: its compute stays firmware (desk), and is kept apart for the board's figure. */
function crcCall<T>(work: () => T, counter: 'crc16Calls' | 'crc32Calls'): T {
  if (!inFirmware) return work();
  meter[counter] += 1;
  const start = readMeter();
  try {
    return work();
  } finally {
    meter.crc += readMeter() - start;
  }
}

const crc16Call = <T>(work: () => T): T => crcCall(work, 'crc16Calls');
const crc32Call = <T>(work: () => T): T => crcCall(work, 'crc32Calls');

type Method = (...args: never[]) => unknown;

function wrap(prototype: object, names: readonly string[], around: <T>(work: () => T) => T): void {
  const table = prototype as Record<string, Method>;
  for (const name of names) {
    const original = table[name];
    if (typeof original !== 'function') throw new Error(`budget: no method ${name} to meter`);
    table[name] = function (this: unknown, ...args: never[]) {
      return around(() => original.apply(this, args));
    };
  }
}

let metered = false;

const CALIBRATION_CALLS = 1_000;

class NoopPort {
  call(_crc: number, _bytes: Uint8Array, _start: number, _end: number): number {
    return 0;
  }
}
class NoopPlain extends NoopPort {}
class NoopWrapped extends NoopPort {}
class NoopCrc extends NoopPort {}

/** Firmware-turn compute (less ports) of CALIBRATION_CALLS calls made by `call`, per call. */
function perCall(call: () => void): { firmware: number; crc: number } {
  const before = { firmware: meter.firmware - meter.ports, crc: meter.crc };
  firmwareTurn(() => {
    for (let index = 0; index < CALIBRATION_CALLS; index++) call();
  });
  return {
    firmware: (meter.firmware - meter.ports - before.firmware) / CALIBRATION_CALLS,
    crc: (meter.crc - before.crc) / CALIBRATION_CALLS,
  };
}

/**
 * The meters' own cost per wrapped call, beyond a plain call of the same method; and the board's
 * Crc adapter per call (a CCNET frame's CRC-16 from a kept view; a CRC-32), its natives stood in.
 */
function calibrate(): void {
  wrap(NoopWrapped.prototype, ['call'], portCall);
  wrap(NoopCrc.prototype, ['call'], crc32Call);
  const bytes = new Uint8Array(1024);
  const plain = new NoopPlain();
  const wrapped = new NoopWrapped();
  const crc = new NoopCrc();
  const board = new NativeCrc();
  board.crc16Kermit(bytes, 0, 6); // the view for a 6-byte frame, made once
  const plainCall = perCall(() => plain.call(0, bytes, 0, 6));
  const wrappedCall = perCall(() => wrapped.call(0, bytes, 0, 6));
  const crcCallCost = perCall(() => crc.call(0, bytes, 0, 6));
  // What a wrapped call costs beyond a plain call of the same method (for a CRC, its window included).
  calibration.portWrapper = wrappedCall.firmware - plainCall.firmware;
  calibration.crcWrapper = crcCallCost.firmware - plainCall.firmware;
  // A CRC's window holds at least a call: what is above that is the TypeScript CRC's own work.
  calibration.crcWindowNoop = crcCallCost.crc;
  // The board's adapter beyond a plain call: its own JavaScript around the native CRC.
  calibration.boardCrc16 = perCall(() => board.crc16Kermit(bytes, 0, 6)).firmware - plainCall.firmware;
  calibration.boardCrc32 = perCall(() => board.crc32(0, bytes, 0, 13)).firmware - plainCall.firmware;
  Object.assign(meter, { firmware: 0, ports: 0, portCalls: 0, crc: 0, crc16Calls: 0, crc32Calls: 0 });
}

function meterFirmware(): void {
  if (metered) return;
  metered = true;
  const first = readMeter();
  const second = readMeter();
  meter.readCost = second - first;
  calibrate();
  wrap(SimTicker.prototype, ['step'], firmwareTurn);
  // The firmware's reply callback runs in the link's step: it is a firmware turn of its own.
  const request = SimBankLink.prototype.request;
  SimBankLink.prototype.request = function (this: SimBankLink, httpsRequest, onDone) {
    return portCall(() => request.call(this, httpsRequest, (result) => firmwareTurn(() => onDone(result))));
  };
  wrap(NorFlashEmulator.prototype, ['read', 'program', 'eraseSector'], portCall);
  wrap(SoftCrypto.prototype, ['sha256', 'hmacSha256'], portCall);
  wrap(SoftCrc.prototype, ['crc16Kermit'], crc16Call);
  wrap(SoftCrc.prototype, ['crc32'], crc32Call);
  const lineEnd = Object.getPrototypeOf(makeSimBoard().validatorLink.boardEnd) as object;
  wrap(lineEnd, ['read', 'write'], portCall);
}

/** The firmware's compute so far: with the TypeScript CRC (the desk's), and with the board's adapter around native CRCs. */
function firmwareCompute(): { desk: number; board: number } {
  const crcCalls = meter.crc16Calls + meter.crc32Calls;
  const desk =
    meter.firmware - meter.ports - meter.portCalls * calibration.portWrapper - crcCalls * calibration.crcWrapper;
  const board =
    desk -
    (meter.crc - crcCalls * calibration.crcWindowNoop) +
    meter.crc16Calls * calibration.boardCrc16 +
    meter.crc32Calls * calibration.boardCrc32;
  return { desk, board };
}

(globalThis as Record<string, unknown>).machineBudget = {
  /** Installs the meters on the firmware's turns and the simulated ports (the metered run only). */
  meterFirmware,
  /** The simulated board alone, provisioned like the machine's, with no firmware: its share of the heap. */
  boardOnly(): void {
    boardAlone = makeSimBoard(boardOptions);
    provisionDesk(boardAlone.settings);
  },
  dropBoard(): void {
    boardAlone = undefined;
  },
  /** Powers the machine on: startFirmware on a fresh simulated board (the loop starts at the next tick). */
  boot(): void {
    machine = new DeskMachine(boardOptions);
    criticalPath = new CriticalPathProbe(machine);
  },
  /** Runs the machine until `condition` holds or `sliceMs` of virtual time pass. */
  until(condition: string, sliceMs: number): void {
    reached = live().runUntil(CONDITIONS[condition], sliceMs);
  },
  /** The same call shape without running anything: the evaluate's own compute, subtracted by the parent. */
  control(condition: string, sliceMs: number): void {
    reached = CONDITIONS[condition] === undefined && sliceMs < 0;
  },
  press(keys: string): void {
    live().sim.keypad.press(...(keys.split(' ') as Key[]));
  },
  /** The customer feeds one note; the parent then runs to 'escrow-polled' and 'stacked'. */
  insert(tenge: number): void {
    escrowCommands = -1;
    notesBefore = live().firmware!.session.cassette.notes;
    live().sim.validator.insert(tenge);
  },
  /** The test's hands keep the display's history; the firmware does not: cut it to the screen on show. */
  trim(): void {
    const shown = live().sim.display.shown;
    shown.splice(0, shown.length - 1);
  },
  /** Where the machine is, to the parent (called in its own evaluate, before gc()). */
  report(): void {
    const sim = live().sim;
    const firmware = live().firmware;
    const state = {
      reached,
      nowMs: sim.clock.nowMs,
      screen: sim.display.current?.id ?? '',
      message: sim.display.current?.fields.message ?? '',
      session: firmware?.session.state ?? 'off',
      notes: firmware?.session.cassette.notes ?? 0,
      ledgerHead: firmware?.ledger.headSequence ?? 0,
      bankStored: storedSequence,
      halt: firmware?.scheduler.halt?.message ?? '',
      firmwareCompute: firmwareCompute().desk,
      firmwareComputeBoard: firmwareCompute().board,
      portCompute: meter.ports,
      crcCalls: meter.crc16Calls + meter.crc32Calls,
      calibration,
      criticalPathSettingsWrites: criticalPath?.settingsWrites ?? 0,
    };
    const send = (globalThis as unknown as { issueCommand(buffer: ArrayBuffer): void }).issueCommand;
    send(new TextEncoder().encode(JSON.stringify(state)).buffer as ArrayBuffer);
  },
};
