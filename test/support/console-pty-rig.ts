// For Node tests: the console task on the master of a real pty pair, driven by the real loop
// timer and a clock a test can jump forward; the test talks to it through serialport on the
// slave path, and every byte it reads is scanned for leaks.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { NodeTicker } from '../../hal/node/clock';
import { openPtyPair, type PtyPair } from '../../hal/node/pty-pair';
import { openSerialLine, type NodeSerialLine } from '../../hal/node/serial-port';
import type { Board, Clock } from '../../hal/ports';
import { makeSimBoard } from '../../hal/sim/board';
import { ConsoleTask } from '../../src/console/console';
import { Scheduler } from '../../src/loop/scheduler';
import { answerChallenge } from '../../tools/console/answer';
import { BENCH_CONSOLE_SECRETS_HEX, provisionBenchSecrets } from '../../tools/console/bench-secrets';
import { FakeMachineView } from '../core/support/fake-machine-view';
import { scanConsoleOutput } from '../core/support/leak-scan';

export const WAIT_LIMIT_MS = 3000;

/** The real clock, plus jumps a test makes (lockouts and idle logouts in milliseconds, not minutes). */
export class JumpingClock implements Clock {
  readonly #bootMs = performance.now();
  skewMs = 0;
  monotonicMs(): number {
    return performance.now() - this.#bootMs + this.skewMs;
  }
  wallMs(): number {
    return Date.now() + this.skewMs;
  }
}

export class PtyConsole {
  readonly clock = new JumpingClock();
  readonly view = new FakeMachineView();
  readonly pair: PtyPair;
  readonly ticker = new NodeTicker();
  readonly sim = makeSimBoard();
  line!: NodeSerialLine;
  #received = '';

  constructor() {
    this.pair = openPtyPair();
    provisionBenchSecrets(this.sim.settings);
    const board: Board = {
      ...this.sim.board,
      name: 'pty-test',
      clock: this.clock,
      ticker: this.ticker,
      consoleLine: this.pair.master,
    };
    const consoleTask = new ConsoleTask(board, { view: this.view });
    const scheduler = new Scheduler(board.clock, board.watchdog, [consoleTask]);
    consoleTask.attach(scheduler);
    this.ticker.start(5, () => scheduler.tick());
  }

  async open(): Promise<void> {
    this.line = await openSerialLine(this.pair.path, 115200);
  }

  async close(): Promise<void> {
    this.ticker.stop();
    await this.line?.close();
    this.pair.master.close();
  }

  /** Waits until what came since the last call matches `pattern`; returns it (scanned for leaks). */
  async until(pattern: RegExp): Promise<string> {
    const buffer = new Uint8Array(1024);
    const startMs = Date.now();
    for (;;) {
      for (let count = this.line.read(buffer); count > 0; count = this.line.read(buffer)) {
        const text = Buffer.from(buffer.subarray(0, count)).toString('latin1');
        scanConsoleOutput(text, 'pty');
        this.#received += text;
      }
      if (pattern.test(this.#received)) {
        const text = this.#received;
        this.#received = '';
        return text;
      }
      if (Date.now() - startMs > WAIT_LIMIT_MS)
        throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(this.#received)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Types a line and returns the reply between the echo and the next prompt. */
  async command(text: string): Promise<string> {
    const bytes = Buffer.from(`${text}\r`);
    assert.equal(this.line.write(bytes, bytes.length), true);
    const output = await this.until(/(atm(:\w+)?> |answer: )$/);
    const start = output.indexOf('\r\n');
    const end = output.lastIndexOf('\r\n');
    return start < 0 || end <= start ? '' : output.slice(start + 2, end);
  }

  async login(role: 'engineer' | 'collector', secretHex = BENCH_CONSOLE_SECRETS_HEX[role]): Promise<string> {
    const challenge = /challenge (\S+)/.exec(await this.command(`login ${role}`))?.[1];
    assert.ok(challenge !== undefined);
    const answer = answerChallenge(challenge, secretHex);
    assert.ok(answer.ok);
    return this.command(answer.answer);
  }
}
