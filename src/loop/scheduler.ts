import type { Clock, Watchdog } from '../../hal/ports';
import { assert } from '../assert';

/** A cooperative task: `poll` does a bounded amount of work and returns. */
export interface Task {
  readonly name: string;
  /** How often the task wants to run. */
  readonly periodMs: number;
  /** The longest gap between two ticks that the task tolerates; later is an overrun. */
  readonly deadlineMs: number;
  /**
   * While the loop's time is below this, the task has nothing to do and says so itself (and
   * sets it back to 0 the moment it is asked to do something): the loop counts it as ticked,
   * on time, without calling poll. Absent or 0: polled every period.
   */
  readonly restUntilMs?: number;
  poll(nowMs: number): void;
}

export class TaskStats {
  ticks = 0;
  /** The longest single poll, in ms of the board's clock. */
  worstTickMs = 0;
  /** Ticks that came later than the task's deadline after the previous one (never the first: NaN compares false). */
  overruns = 0;
  lastTickMs = Number.NaN;
}

export const TASKS_MAX = 16;
/**
 * How often the loop checks its tasks' deadlines and feeds the watchdog when all are met. The
 * watchdog's timeout is seconds (WATCHDOG_TIMEOUT_MS in firmware.ts): one check every 20 loop
 * ticks starves it as surely as one every tick, at a twentieth of the cost of an idle tick's walk.
 */
export const WATCHDOG_CHECK_PERIOD_MS = 100;

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
  /** Each task's next due time: read every tick, so kept where reading is cheap. */
  readonly #dueMs: Float64Array;
  #halt: Halt | undefined = undefined;
  #nextWatchdogCheckMs = 0;
  loopTicks = 0;
  watchdogFeeds = 0;

  constructor(clock: Clock, watchdog: Watchdog, tasks: readonly Task[]) {
    assert(tasks.length > 0 && tasks.length <= TASKS_MAX, 'task count out of range');
    for (const task of tasks) {
      assert(task.periodMs > 0 && task.deadlineMs >= task.periodMs, `task ${task.name}: deadline below period`);
    }
    this.tasks = tasks;
    this.stats = tasks.map(() => new TaskStats());
    this.#dueMs = new Float64Array(tasks.length);
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
    const dueMs = this.#dueMs;
    const taskCount = dueMs.length;
    let index = 0;
    try {
      // One loop and no call per task but its poll: this runs every 5 ms, whatever the machine does.
      for (; index < taskCount; index++) {
        if (nowMs < dueMs[index]) continue;
        const task = this.tasks[index];
        const stats = this.stats[index];
        if (nowMs < (task.restUntilMs ?? 0)) {
          // Resting: on time, looked at again next period (its rest may end at any call it gets).
          stats.lastTickMs = nowMs;
          dueMs[index] = nowMs + task.periodMs;
          continue;
        }
        if (nowMs - stats.lastTickMs > task.deadlineMs) stats.overruns++;
        task.poll(nowMs);
        const tookMs = this.#clock.monotonicMs() - nowMs;
        if (tookMs > stats.worstTickMs) stats.worstTickMs = tookMs;
        stats.ticks++;
        stats.lastTickMs = nowMs;
        // Keep the phase: a late tick does not push every later one back, but never queue a burst.
        const nextDueMs = dueMs[index] + task.periodMs;
        dueMs[index] = nextDueMs > nowMs ? nextDueMs : nowMs + task.periodMs;
      }
    } catch (error) {
      this.#halt = {
        taskName: this.tasks[index].name,
        message: error instanceof Error ? error.message : String(error),
      };
      return;
    }
    if (nowMs < this.#nextWatchdogCheckMs) return;
    this.#nextWatchdogCheckMs = nowMs + WATCHDOG_CHECK_PERIOD_MS;
    if (this.#allWithinDeadline(this.#clock.monotonicMs())) {
      this.#watchdog.feed();
      this.watchdogFeeds++;
    }
  }

  #allWithinDeadline(nowMs: number): boolean {
    for (let index = 0; index < this.tasks.length; index++) {
      const stats = this.stats[index];
      if (stats.ticks === 0 || nowMs - stats.lastTickMs > this.tasks[index].deadlineMs) return false;
    }
    return true;
  }
}
