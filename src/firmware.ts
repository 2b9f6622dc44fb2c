import type { Board } from '../hal/ports';
import { ConsoleTask } from './console/console';
import { Scheduler } from './loop/scheduler';

/** The loop's tick: short enough to answer the bill validator within CCNET's 10 ms. */
export const LOOP_TICK_MS = 5;
/** The watchdog restarts the board when the loop has not fed it for this long. */
export const WATCHDOG_TIMEOUT_MS = 4000;

export interface Firmware {
  readonly scheduler: Scheduler;
  readonly console: ConsoleTask;
  stop(): void;
}

/** The one entry point: wires the board's ports to the tasks and starts the loop. */
export function startFirmware(board: Board): Firmware {
  const consoleTask = new ConsoleTask(board);
  const scheduler = new Scheduler(board.clock, board.watchdog, [consoleTask]);
  consoleTask.attach(scheduler);
  board.watchdog.enable(WATCHDOG_TIMEOUT_MS);
  board.ticker.start(LOOP_TICK_MS, () => scheduler.tick());
  return {
    scheduler,
    console: consoleTask,
    stop: () => board.ticker.stop(),
  };
}
