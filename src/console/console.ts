import type { Board } from '../../hal/ports';
import type { Scheduler, Task } from '../loop/scheduler';
import { FIRMWARE_VERSION } from '../version';
import { LineShell } from './line-shell';

export const PROMPT = 'atm> ';

interface Command {
  readonly usage: string;
  readonly help: string;
  run(args: readonly string[]): string;
}

/** The technician console: a line shell on its own serial port. */
export class ConsoleTask implements Task {
  readonly name = 'console';
  readonly periodMs = 20;
  readonly deadlineMs = 1000;
  readonly #shell: LineShell;
  readonly #board: Board;
  #scheduler: Scheduler | undefined = undefined;
  readonly #commands: Readonly<Record<string, Command>>;

  constructor(board: Board) {
    this.#board = board;
    this.#shell = new LineShell(board.consoleLine);
    this.#commands = Object.freeze({
      help: { usage: 'help', help: 'list the commands', run: () => this.#help() },
      status: { usage: 'status', help: 'loop, tasks and memory', run: () => this.#status() },
      version: { usage: 'version', help: 'firmware version', run: () => `firmware ${FIRMWARE_VERSION}` },
    });
  }

  attach(scheduler: Scheduler): void {
    this.#scheduler = scheduler;
    this.#shell.write(`\r\nKaspi Red cash-in ATM, firmware ${FIRMWARE_VERSION} on ${this.#board.name}\r\n${PROMPT}`);
  }

  poll(): void {
    const line = this.#shell.poll();
    if (line === undefined) return;
    const reply = line === null ? 'error: line too long' : this.execute(line);
    this.#shell.write(reply.length > 0 ? `${reply.split('\n').join('\r\n')}\r\n${PROMPT}` : PROMPT);
  }

  /** Runs one command line and returns its output. */
  execute(line: string): string {
    const words = line.trim().split(/\s+/).filter((word) => word.length > 0);
    if (words.length === 0) return '';
    const command = Object.prototype.hasOwnProperty.call(this.#commands, words[0]) ? this.#commands[words[0]] : undefined;
    if (command === undefined) return `error: unknown command '${words[0]}' (type 'help')`;
    return command.run(words.slice(1));
  }

  #help(): string {
    return Object.keys(this.#commands)
      .map((name) => `${this.#commands[name].usage.padEnd(12)} ${this.#commands[name].help}`)
      .join('\n');
  }

  #status(): string {
    const scheduler = this.#scheduler;
    if (scheduler === undefined) return 'error: loop not started';
    const uptimeS = Math.floor(this.#board.clock.monotonicMs() / 1000);
    const lines = [`firmware ${FIRMWARE_VERSION}  uptime ${uptimeS} s  loop ticks ${scheduler.loopTicks}  watchdog feeds ${scheduler.watchdogFeeds}`];
    const heap = this.#board.system.heapUsedBytes();
    lines.push(`heap used ${Number.isNaN(heap) ? 'unknown' : `${heap} bytes`}`);
    lines.push('task         period  ticks     worst ms  overruns');
    for (let index = 0; index < scheduler.tasks.length; index++) {
      const task = scheduler.tasks[index];
      const stats = scheduler.stats[index];
      lines.push(`${task.name.padEnd(12)} ${String(task.periodMs).padStart(6)}  ${String(stats.ticks).padEnd(9)} ${String(stats.worstTickMs).padEnd(9)} ${stats.overruns}`);
    }
    if (scheduler.halt !== undefined) lines.push(`HALTED in ${scheduler.halt.taskName}: ${scheduler.halt.message}`);
    return lines.join('\n');
  }
}
