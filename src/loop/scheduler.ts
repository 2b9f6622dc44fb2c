import type { Clock, Watchdog } from '../../hal/ports';
import { assert } from '../assert';

/** A cooperative task: `poll` does a bounded amount of work and returns. */
export interface Task {
  readonly name: string;
  /** How often the task wants to run. */
  readonly periodMs: number;
  /** The longest gap between two ticks that the task tolerates; later is an overrun. */
  readonly deadlineMs: number;
  poll(nowMs: number): void;
}

export class TaskStats {
  ticks = 0;
  /** The longest single poll, in ms of the board's clock. */
  worstTickMs = 0;
  /** Ticks that came later than the task's deadline after the previous one. */
  overruns = 0;
  lastTickMs = Number.NaN;
  nextDueMs = 0;
}

export const TASKS_MAX = 16;

export interface Halt {
  readonly taskName: string;
  readonly message: string;
}

/**
 * Ticks every due task once per `tick()`. The watchdog is fed only when every task has
 * ticked within its deadline; a task that throws halts the loop, so the watchdog restarts
 * the board into recovery rather than let a confused controller go on taking money.
 */
export class Scheduler {
  readonly tasks: readonly Task[];
  readonly stats: readonly TaskStats[];
  readonly #clock: Clock;
  readonly #watchdog: Watchdog;
  #halt: Halt | undefined = undefined;
  loopTicks = 0;
  watchdogFeeds = 0;

  constructor(clock: Clock, watchdog: Watchdog, tasks: readonly Task[]) {
    assert(tasks.length > 0 && tasks.length <= TASKS_MAX, 'task count out of range');
    for (const task of tasks) {
      assert(task.periodMs > 0 && task.deadlineMs >= task.periodMs, `task ${task.name}: deadline below period`);
    }
    this.tasks = tasks;
    this.stats = tasks.map(() => new TaskStats());
    this.#clock = clock;
    this.#watchdog = watchdog;
  }

  get halt(): Halt | undefined {
    return this.#halt;
  }

  tick(): void {
    if (this.#halt !== undefined) return;
    this.loopTicks++;
    const nowMs = this.#clock.monotonicMs();
    for (let index = 0; index < this.tasks.length; index++) {
      const stats = this.stats[index];
      if (nowMs < stats.nextDueMs) continue;
      if (!this.#run(this.tasks[index], stats, nowMs)) return;
    }
    if (this.#allWithinDeadline(this.#clock.monotonicMs())) {
      this.#watchdog.feed();
      this.watchdogFeeds++;
    }
  }

  #run(task: Task, stats: TaskStats, nowMs: number): boolean {
    if (stats.ticks > 0 && nowMs - stats.lastTickMs > task.deadlineMs) stats.overruns++;
    try {
      task.poll(nowMs);
    } catch (error) {
      this.#halt = { taskName: task.name, message: error instanceof Error ? error.message : String(error) };
      return false;
    }
    const tookMs = this.#clock.monotonicMs() - nowMs;
    if (tookMs > stats.worstTickMs) stats.worstTickMs = tookMs;
    stats.ticks++;
    stats.lastTickMs = nowMs;
    // Keep the phase: a late tick does not push every later one back, but never queue a burst.
    stats.nextDueMs += task.periodMs;
    if (stats.nextDueMs <= nowMs) stats.nextDueMs = nowMs + task.periodMs;
    return true;
  }

  #allWithinDeadline(nowMs: number): boolean {
    for (let index = 0; index < this.tasks.length; index++) {
      const stats = this.stats[index];
      if (stats.ticks === 0 || nowMs - stats.lastTickMs > this.tasks[index].deadlineMs) return false;
    }
    return true;
  }
}
