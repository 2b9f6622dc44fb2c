// Runs inside XS for the budget: the CCNET driver's own cost per poll cycle (against a canned
// line that answers every POLL with "idling" at once, so no simulator is metered), and the
// poll period held with a heavy task sharing the loop (virtual time, the full simulator).
import { CcnetDriver, POLL_PERIOD_MS, TASK_PERIOD_MS } from '../../src/cash/ccnet-driver';
import {
  ADDRESS_BILL_VALIDATOR,
  CMD_GET_BILL_TABLE,
  CMD_IDENTIFICATION,
  CMD_POLL,
  CMD_RESET,
  encodeFrame,
} from '../../src/cash/ccnet-codec';
import type { SerialLine } from '../../hal/ports';
import type { Task } from '../../src/loop/scheduler';
import { VirtualClock } from '../../hal/sim/world';
import { makeCcnetRig } from '../ccnet/rig';

/** A validator reduced to canned answers (RESET, POLL = disabled, IDENTIFICATION, BILL TABLE); allocation-free. */
class CannedLine implements SerialLine {
  readonly #ack = new Uint8Array(8);
  readonly #disabled = new Uint8Array(8);
  readonly #identification = new Uint8Array(48);
  readonly #table = new Uint8Array(140);
  readonly #lengths: number[] = [];
  #pending: Uint8Array | undefined = undefined;
  #pendingLength = 0;
  #offset = 0;

  constructor() {
    const table = new Uint8Array(120);
    [
      [0, 2, 2],
      [1, 5, 2],
      [2, 1, 3],
      [3, 2, 3],
      [4, 5, 3],
      [5, 1, 4],
      [6, 2, 4],
    ].forEach(([type, digits, exponent]) => {
      table.set([digits, 0x4b, 0x5a, 0x54, exponent], type * 5);
    });
    this.#lengths.push(encodeFrame(this.#ack, ADDRESS_BILL_VALIDATOR, -1, Uint8Array.of(0x00), 1));
    this.#lengths.push(encodeFrame(this.#disabled, ADDRESS_BILL_VALIDATOR, -1, Uint8Array.of(0x19), 1));
    this.#lengths.push(
      encodeFrame(this.#identification, ADDRESS_BILL_VALIDATOR, -1, new Uint8Array(34).fill(0x41), 34),
    );
    this.#lengths.push(encodeFrame(this.#table, ADDRESS_BILL_VALIDATOR, -1, table, 120));
  }

  read(into: Uint8Array): number {
    const pending = this.#pending;
    if (pending === undefined) return 0;
    const count = Math.min(into.length, this.#pendingLength - this.#offset);
    for (let index = 0; index < count; index++) into[index] = pending[this.#offset + index];
    this.#offset += count;
    if (this.#offset === this.#pendingLength) this.#pending = undefined;
    return count;
  }

  write(bytes: Uint8Array, length: number): boolean {
    if (length < 6) return true;
    const command = bytes[3];
    if (command === CMD_RESET) this.#answer(this.#ack, 0);
    else if (command === CMD_POLL) this.#answer(this.#disabled, 1);
    else if (command === CMD_IDENTIFICATION) this.#answer(this.#identification, 2);
    else if (command === CMD_GET_BILL_TABLE) this.#answer(this.#table, 3);
    return true;
  }

  #answer(frame: Uint8Array, which: number): void {
    this.#pending = frame;
    this.#pendingLength = this.#lengths[which];
    this.#offset = 0;
  }
}

const clock = new VirtualClock();
const driver = new CcnetDriver(new CannedLine(), clock);
const ticksPerCycle = POLL_PERIOD_MS / TASK_PERIOD_MS;

function tick(): void {
  clock.nowMs += TASK_PERIOD_MS;
  driver.poll(clock.nowMs);
}

function deviationUnderLoad(): { mean: number; worst: number; polls: number; overruns: number } {
  // A heavy neighbour: 3 ms of work every 10 ms, and a 40 ms stall once a second (a flash erase, a TLS record).
  let beats = 0;
  let clockOfRig: VirtualClock | undefined;
  const load: Task = {
    name: 'load',
    periodMs: 10,
    deadlineMs: 1000,
    poll() {
      beats++;
      clockOfRig!.nowMs += beats % 100 === 0 ? 40 : 3;
    },
  };
  const rig = makeCcnetRig({ extraTasks: [load] });
  clockOfRig = rig.clock;
  for (let index = 0; index < 50; index++) rig.sim.insert([1000, 5000, 200][index % 3]);
  rig.world.runFor(60_000);
  const stats = rig.driver.stats;
  return {
    mean: stats.pollDeviationSumMs / stats.pollIntervals,
    worst: stats.pollDeviationWorstMs,
    polls: stats.pollIntervals,
    overruns: rig.scheduler.stats[0].overruns,
  };
}

(globalThis as Record<string, unknown>).ccnetBudget = {
  /** `count` poll cycles of POLL_PERIOD_MS: one POLL exchange each. */
  cycles(count: number): void {
    for (let cycle = 0; cycle < count; cycle++) for (let index = 0; index < ticksPerCycle; index++) tick();
  },
  report(): void {
    const result = deviationUnderLoad();
    const send = (globalThis as unknown as { issueCommand(buffer: ArrayBuffer): void }).issueCommand;
    send(
      new TextEncoder().encode(JSON.stringify({ ...result, idleCommands: driver.stats.commandsSent }))
        .buffer as ArrayBuffer,
    );
  },
};
