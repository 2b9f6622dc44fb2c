// The technician console: a line shell on its own serial port (115200 8N1). Anyone at the
// cable may ask for help and log in; everything else needs a role. All output leaves by one
// path (ConsoleOutput.write), which masks IINs, card numbers, tokens and keys.
import type { Board } from '../../hal/ports';
import { ConfigStore } from '../config/config';
import { readIdentity, type MachineIdentity } from '../config/identity';
import { EventLog } from '../log/event-log';
import type { Scheduler, Task } from '../loop/scheduler';
import { FIRMWARE_VERSION } from '../version';
import { ConsoleAuth, IDLE_LOGOUT_MS } from './auth';
import type { Command, CommandContext, Reply } from './commands';
import { configCommand, logCommand, rebootCommand, selftestCommand } from './commands-admin';
import { cassetteCommand, collectCommand } from './commands-cash';
import { devicesCommand, ledgerCommand, statusCommand, syncCommand } from './commands-machine';
import { helpCommand, loginCommand, logoutCommand, versionCommand, whoamiCommand } from './commands-session';
import { LineShell } from './line-shell';
import { boardOnlyMachineView, type MachineView } from './machine-view';
import { ConsoleOutput } from './output';

export const PROMPT = 'atm> ';
export const ANSWER_PROMPT = 'answer: ';
export const CONSOLE_WORDS_MAX = 8;

export interface ConsoleOptions {
  /** How the console reads the ledger, bank sync, cassette and devices; the board-only view by default. */
  readonly view?: MachineView;
  /** The machine's configuration; made over board.settings by default. */
  readonly config?: ConfigStore;
  /** The recent-events ring; a fresh one by default. */
  readonly log?: EventLog;
  /** The machine's provisioned identity; read from board.provisioning by default. */
  readonly identity?: MachineIdentity;
}

export class ConsoleTask implements Task {
  readonly name = 'console';
  readonly periodMs = 20;
  readonly deadlineMs = 1000;
  readonly config: ConfigStore;
  readonly log: EventLog;
  readonly identity: MachineIdentity;
  readonly #board: Board;
  readonly #view: MachineView;
  readonly #output: ConsoleOutput;
  readonly #shell: LineShell;
  readonly #auth: ConsoleAuth;
  readonly #commands: readonly Command[];
  #scheduler: Scheduler | undefined = undefined;
  #rebootRequested = false;

  constructor(board: Board, options: ConsoleOptions = {}) {
    this.#board = board;
    this.#view = options.view ?? boardOnlyMachineView(board);
    this.config = options.config ?? new ConfigStore(board.settings);
    this.log = options.log ?? new EventLog(board.clock);
    this.identity = options.identity ?? readIdentity(board.provisioning);
    this.#output = new ConsoleOutput(board.consoleLine);
    this.#shell = new LineShell(board.consoleLine, (text) => this.#output.write(text));
    this.#auth = new ConsoleAuth(board.clock, board.random, board.crypto, board.settings);
    const commands: Command[] = [
      helpCommand(() => this.#commands),
      loginCommand,
      logoutCommand,
      whoamiCommand,
      versionCommand,
      statusCommand,
      devicesCommand,
      ledgerCommand,
      syncCommand,
      cassetteCommand,
      collectCommand,
      configCommand,
      selftestCommand,
      logCommand,
      rebootCommand,
    ];
    this.#commands = Object.freeze(commands);
  }

  /** Bytes of output dropped because nobody read the line (for status pages and tests). */
  get droppedOutputBytes(): number {
    return this.#output.droppedBytes;
  }

  attach(scheduler: Scheduler): void {
    this.#scheduler = scheduler;
    this.#output.write(`\r\nKaspi Red cash-in ATM, firmware ${FIRMWARE_VERSION} on ${this.#board.name}\r\n${PROMPT}`);
  }

  poll(nowMs: number): void {
    if (this.#output.pendingBytes > 0) this.#output.flush();
    if (this.#rebootRequested) {
      // Restart only once the "rebooting" reply has left, so the engineer sees it.
      if (this.#output.pendingBytes > 0) return;
      this.#rebootRequested = false;
      this.#board.system.restart();
      return;
    }
    if (this.#auth.logoutIfIdle(nowMs)) {
      this.log.record('console', `idle logout after ${IDLE_LOGOUT_MS / 1000} s`);
      this.#output.write(`\r\nlogged out: idle for ${IDLE_LOGOUT_MS / 1000} s\r\n${this.#prompt()}`);
    }
    const line = this.#shell.poll();
    if (line === undefined) return;
    const reply = line === null ? 'error: line too long' : this.#lineEntered(line, nowMs);
    this.#shell.secret = this.#auth.awaitingAnswer;
    this.#output.write(reply.length > 0 ? `${reply.split('\n').join('\r\n')}\r\n${this.#prompt()}` : this.#prompt());
  }

  #prompt(): string {
    if (this.#auth.awaitingAnswer) return ANSWER_PROMPT;
    const role = this.#auth.role;
    return role === undefined ? PROMPT : `atm:${role}> `;
  }

  #lineEntered(line: string, nowMs: number): string {
    this.#auth.touch(nowMs);
    if (this.#auth.awaitingAnswer) return this.#answer(line.trim(), nowMs);
    return this.#execute(line, nowMs);
  }

  #answer(text: string, nowMs: number): string {
    const result = this.#auth.answer(text, nowMs);
    if (result.ok) {
      this.log.record('console', `login ${result.role}`);
      return `logged in as ${result.role}`;
    }
    this.log.record('console', `login failed: ${result.error}`);
    return `error: ${result.error}`;
  }

  #execute(line: string, nowMs: number): string {
    const words = line
      .trim()
      .split(' ')
      .filter((word) => word.length > 0);
    if (words.length === 0) return '';
    if (words.length > CONSOLE_WORDS_MAX) return `error: more than ${CONSOLE_WORDS_MAX} words (type 'help')`;
    const command = this.#commands.find((candidate) => candidate.name === words[0]);
    if (command === undefined) return `error: unknown command '${words[0]}' (type 'help')`;
    const denied = this.#denied(command);
    if (denied !== undefined) return denied;
    const reply: Reply = command.run(words.slice(1), this.#context(nowMs));
    return typeof reply === 'string' ? reply : `error: ${reply.usageError}\nusage: ${command.usage}`;
  }

  #denied(command: Command): string | undefined {
    const role = this.#auth.role;
    if (command.access === 'anyone') return undefined;
    if (role === undefined) return `error: '${command.name}' needs a login (login engineer|collector)`;
    if (command.access === 'logged-in' || command.access === role) return undefined;
    return `error: '${command.name}' is for the ${command.access} role; you are ${role}`;
  }

  #context(nowMs: number): CommandContext {
    return {
      board: this.#board,
      view: this.#view,
      config: this.config,
      identity: this.identity,
      log: this.log,
      auth: this.#auth,
      scheduler: this.#scheduler,
      nowMs,
      requestReboot: () => {
        this.#rebootRequested = true;
      },
    };
  }
}
