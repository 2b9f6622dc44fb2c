// A fault nobody injected before issue 16: a firmware assertion fails. The loop halts, stops
// feeding the watchdog, the watchdog resets the controller, and the board boots into recovery —
// while the validator, on its own supply, goes on with the note it holds. Per note as it goes in,
// one of the firmware's tasks (the validator's driver, the session, the outbox…) fails at its
// next poll some time into the note's way, so the halt lands in every phase of a note: escrow,
// stacking, the stacked report, the records and the sync. Dice of its own, drawn after every
// other part of a seed, so adding it changed nothing else of an existing seed's run.
import { AssertionFailed } from '../../src/assert';
import type { Task } from '../../src/loop/scheduler';
import type { DeskMachine } from '../bench/machine';
import type { Dice } from './dice';
import type { Timers } from './injector';
import type { FaultKind } from './plan';

/** What an injected halt says, so that the checker tells it from a halt of the firmware's own. */
export const INJECTED_HALT_MESSAGE = 'injected by the simulation: an assertion failed';
/** How far into a note's way the halt may fall: escrow, stacking (500 ms), the report, the records. */
const INTO_NOTE_MS_MAX = 3_000;

export interface HaltFaultHooks {
  count(kind: FaultKind): void;
  afterFault(): void;
}

export class HaltFaults {
  readonly #machine: DeskMachine;
  readonly #probability: number;
  readonly #dice: Dice;
  readonly #timers: Timers;
  readonly #hooks: HaltFaultHooks;
  #on = true;

  constructor(machine: DeskMachine, haltPerNoteProbability: number, dice: Dice, timers: Timers, hooks: HaltFaultHooks) {
    this.#machine = machine;
    this.#probability = haltPerNoteProbability;
    this.#dice = dice;
    this.#timers = timers;
    this.#hooks = hooks;
  }

  /** Per note as it goes in: perhaps a task fails an assertion some time into the note's way. */
  beforeNote(): void {
    if (!this.#on || !this.#dice.chance(this.#probability)) return;
    const atMs = this.#machine.sim.clock.nowMs + this.#dice.int(0, INTO_NOTE_MS_MAX);
    const taskPick = this.#dice.uint32();
    this.#timers.at(atMs, () => {
      const firmware = this.#machine.firmware;
      if (!this.#on || firmware === undefined || firmware.scheduler.halt !== undefined) return;
      const tasks = firmware.scheduler.tasks;
      this.#hooks.count('firmware-halt');
      breakAtNextPoll(tasks[taskPick % tasks.length]);
      this.#hooks.afterFault();
    });
  }

  stop(): void {
    this.#on = false;
  }
}

/** The task throws at its next poll, as a failed assertion inside it would (defineProperty: the board freezes preloaded methods). */
export function breakAtNextPoll(task: Task): void {
  const poll: Task['poll'] = () => {
    throw new AssertionFailed(INJECTED_HALT_MESSAGE);
  };
  Object.defineProperty(task, 'poll', { value: poll, configurable: true });
}
