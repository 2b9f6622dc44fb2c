// Runs inside XS for `npm run bench` (tools/bench/budget-machine.mjs drives it): the unchanged
// firmware on the simulated machine (SimMachine), a customer paying a bill note by note, and
// a bank in the same engine. Each call here is one xsnap evaluate, so the engine's metering
// of that evaluate is the compute of exactly that call; the heap is read by the parent after
// gc() between calls. Nothing here measures: it only moves the machine and says where it is.
import type { HttpsRequest, Key, Settings } from '../../hal/ports';
import type { BankReply } from '../../hal/sim/bank-link';
import { SimBankLink } from '../../hal/sim/bank-link';
import { makeSimBoard, type SimBoard, type SimBoardOptions } from '../../hal/sim/board';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { SoftCrypto } from '../../hal/sim/peripherals';
import { SimTicker } from '../../hal/sim/world';
import { STATE_ESCROW } from '../../src/cash/ccnet-codec';
import { provisionBenchSecrets } from '../console/bench-secrets';
import { CriticalPathProbe } from '../sim/critical-path';
import { SimMachine } from '../sim/machine';

/** The customer the bench bank knows: bill 15 000 ₸ (the product's FAQ example). */
const CUSTOMER_IIN = '950614400011';
const BILL_TIYN = 1_500_000;
const SESSION_MAX_TIYN = 50_000_000;
const SEED = 1;

/**
 * A bank with no memory beyond the highest stored sequence, so the heap the bench reads is
 * the firmware's and the simulated devices', not a growing book of deposits.
 */
let storedSequence = 0;
function bankHandler(request: HttpsRequest): BankReply {
  const body = request.body === undefined ? {} : JSON.parse(request.body) as Record<string, unknown>;
  if (request.path === '/v1/authorise') {
    if (body.method !== 'iin' || body.iin !== CUSTOMER_IIN) return reply(404, { error: 'unknown-customer' });
    return reply(200, {
      customerId: 'c-bench', displayName: 'Айгерим Б.', sessionMaxTiyn: SESSION_MAX_TIYN,
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

function provision(settings: Settings): void {
  provisionBenchSecrets(settings);
}

const boardOptions: SimBoardOptions = { seed: SEED, bank: bankHandler };
let boardAlone: SimBoard | undefined;
let machine: SimMachine | undefined;
/** Settings writes on each note's critical path (issue 15: NVS off the path between escrow and STACK). */
let criticalPath: CriticalPathProbe | undefined;
let reached = false;
// Where the note in flight is: the validator's command count when it first held the note in
// escrow (-1 before), and the cassette count before the note.
let escrowCommands = -1;
let notesBefore = 0;

function live(): SimMachine {
  if (machine === undefined) throw new Error('bench: boot() first');
  return machine;
}

/** The conditions the parent runs the machine to; each is a few property reads per world step. */
const CONDITIONS: Readonly<Record<string, () => boolean>> = Object.freeze({
  attract: () => live().sim.display.current?.id === 'attract',
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
    return firmware.session.idle && firmware.ledger.headSequence - firmware.ledger.ackedSequence <= 1 && live().sim.display.current?.id === 'attract';
  },
  never: () => false,
});

// ---- the firmware's own compute, apart from the simulators ----------------------------------
// xsnap's resetMeter(limit, index) returns the meter of the running evaluate and sets it; a
// read puts the same value back. The loop's tick (the SimTicker's step) and the bank's reply
// callbacks are the firmware's turns; inside them, the simulated ports (serial cables, NOR
// emulator, SHA-256 in TypeScript, the bank link) stand in for native code on the board, so
// their compute is taken off. Installed only in the metered run: the wrappers cost compute.
declare function resetMeter(limit: number, index: number): number;

function readMeter(): number {
  const index = resetMeter(0, 0);
  resetMeter(0, index);
  return index;
}

const meter = { firmware: 0, ports: 0, readCost: 0 };
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
  const start = readMeter();
  try {
    return work();
  } finally {
    meter.ports += readMeter() - start;
  }
}

type Method = (...args: never[]) => unknown;

function wrap(prototype: object, names: readonly string[], around: <T>(work: () => T) => T): void {
  const table = prototype as Record<string, Method>;
  for (const name of names) {
    const original = table[name];
    if (typeof original !== 'function') throw new Error(`bench: no method ${name} to meter`);
    table[name] = function (this: unknown, ...args: never[]) {
      return around(() => original.apply(this, args));
    };
  }
}

let metered = false;

function meterFirmware(): void {
  if (metered) return;
  metered = true;
  const first = readMeter();
  const second = readMeter();
  meter.readCost = second - first;
  wrap(SimTicker.prototype, ['step'], firmwareTurn);
  // The firmware's reply callback runs in the link's step: it is a firmware turn of its own.
  const request = SimBankLink.prototype.request;
  SimBankLink.prototype.request = function (this: SimBankLink, httpsRequest, onDone) {
    return portCall(() => request.call(this, httpsRequest, (result) => firmwareTurn(() => onDone(result))));
  };
  wrap(NorFlashEmulator.prototype, ['read', 'program', 'eraseSector'], portCall);
  wrap(SoftCrypto.prototype, ['sha256', 'hmacSha256'], portCall);
  const lineEnd = Object.getPrototypeOf(makeSimBoard().validatorLink.boardEnd) as object;
  wrap(lineEnd, ['read', 'write'], portCall);
}

(globalThis as Record<string, unknown>).machineBench = {
  /** Installs the meters on the firmware's turns and the simulated ports (the metered run only). */
  meterFirmware,
  /** The simulated board alone, provisioned like the machine's, with no firmware: its share of the heap. */
  boardOnly(): void {
    boardAlone = makeSimBoard(boardOptions);
    provision(boardAlone.settings);
  },
  dropBoard(): void {
    boardAlone = undefined;
  },
  /** Powers the machine on: startFirmware on a fresh simulated board (the loop starts at the next tick). */
  boot(): void {
    machine = new SimMachine({ ...boardOptions, provision });
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
      reached, nowMs: sim.clock.nowMs, screen: sim.display.current?.id ?? '', message: sim.display.current?.fields.message ?? '',
      session: firmware?.session.state ?? 'off', notes: firmware?.session.cassette.notes ?? 0,
      ledgerHead: firmware?.ledger.headSequence ?? 0, bankStored: storedSequence,
      halt: firmware?.scheduler.halt?.message ?? '',
      firmwareCompute: meter.firmware - meter.ports, portCompute: meter.ports,
      criticalPathSettingsWrites: criticalPath?.settingsWrites ?? 0,
    };
    const send = (globalThis as unknown as { issueCommand(buffer: ArrayBuffer): void }).issueCommand;
    send(new TextEncoder().encode(JSON.stringify(state)).buffer as ArrayBuffer);
  },
};
