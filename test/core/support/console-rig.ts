// For tests: the console on a simulated board on virtual time, with a fake machine view, the
// bench secrets provisioned, and every byte it writes scanned for leaks. Pure TypeScript:
// the core tests use it inside XS too.
import { makeSimBoard, type SimBoard } from '../../../hal/sim/board';
import { ConsoleTask } from '../../../src/console/console';
import type { MachineView } from '../../../src/console/machine-view';
import type { Role } from '../../../src/console/auth';
import { Scheduler } from '../../../src/loop/scheduler';
import { BENCH_CONSOLE_SECRETS_HEX, provisionBenchSecrets } from '../../../tools/console/bench-secrets';
import { FakeMachineView } from './fake-machine-view';
import { scanConsoleOutput } from './leak-scan';
import { asciiBytes, hexOf } from '../../../src/bytes';

const LOOP_TICK_MS = 5;

export interface RigOptions {
  readonly view?: MachineView;
  readonly provision?: boolean;
  readonly sim?: SimBoard;
}

/** The technician's end of a simulated board's console cable: type, read, log in. */
export class ConsoleWire {
  readonly sim: SimBoard;
  readonly #buffer = new Uint8Array(256); // small: String.fromCharCode(...) spreads it onto the XS stack

  constructor(sim: SimBoard) {
    this.sim = sim;
  }

  /** Everything the console wrote since the last read (scanned for leaks). */
  read(): string {
    let text = '';
    const end = this.sim.consoleLink.deviceEnd;
    for (let count = end.read(this.#buffer); count > 0; count = end.read(this.#buffer))
      text += String.fromCharCode(...this.#buffer.subarray(0, count));
    scanConsoleOutput(text, 'sim');
    return text;
  }

  /** Types `text` (add "\r" for Enter), lets `runMs` of virtual time pass, returns what came back. */
  type(text: string, runMs = 200): string {
    this.read(); // what came before is not part of this answer
    const bytes = asciiBytes(text);
    this.sim.consoleLink.deviceEnd.write(bytes, bytes.length);
    this.sim.world.runFor(runMs);
    return this.read();
  }

  /** Runs a command line and returns the reply without the echo of the line and the prompt after it. */
  command(line: string, runMs = 300): string {
    const output = this.type(`${line}\r`, runMs);
    const start = output.indexOf('\r\n');
    const end = output.lastIndexOf('\r\n');
    return start < 0 || end <= start ? '' : output.slice(start + 2, end);
  }

  /** The answer to the challenge in `output` under `secretHex`, by the board's Crypto port. */
  answerFor(output: string, secretHex: string): string {
    const match = /challenge ([0-9a-f:]{39})/.exec(output);
    if (match === null) throw new Error(`no challenge in ${JSON.stringify(output)}`);
    const nonce = new Uint8Array(16);
    const nonceHex = match[1].split(':').join('');
    for (let index = 0; index < 16; index++) nonce[index] = parseInt(nonceHex.slice(index * 2, index * 2 + 2), 16);
    const secret = new Uint8Array(32);
    for (let index = 0; index < 32; index++) secret[index] = parseInt(secretHex.slice(index * 2, index * 2 + 2), 16);
    const out = new Uint8Array(32);
    this.sim.board.crypto.hmacSha256(secret, nonce, nonce.length, out);
    return hexOf(out);
  }

  /** Logs in as `role` with the bench secret; returns the reply to the answer. */
  login(role: Role): string {
    const challenge = this.type(`login ${role}\r`);
    return this.type(`${this.answerFor(challenge, BENCH_CONSOLE_SECRETS_HEX[role])}\r`);
  }
}

/** The console alone on a simulated board, with a fake machine view by default. */
export class ConsoleRig extends ConsoleWire {
  readonly view: MachineView;
  readonly console: ConsoleTask;
  readonly scheduler: Scheduler;

  constructor(options: RigOptions = {}) {
    super(options.sim ?? makeSimBoard({ wallAtBootMs: 1_764_151_200_000 }));
    if (options.provision ?? true) provisionBenchSecrets(this.sim.board.settings);
    this.view = options.view ?? new FakeMachineView();
    this.console = new ConsoleTask(this.sim.board, { view: this.view });
    this.scheduler = new Scheduler(this.sim.board.clock, this.sim.board.watchdog, [this.console]);
    this.console.attach(this.scheduler);
    this.sim.board.ticker.start(LOOP_TICK_MS, () => this.scheduler.tick());
    this.sim.world.runFor(50);
  }
}
