// The console's commands: one frozen table. Each says who may run it, its usage line, a
// one-line summary for `help` and a longer text for `help <command>`. A command returns its
// reply as text, or a usage error (the console prints "error: ..." and the usage).
import type { Board } from '../../hal/ports';
import type { ConfigStore } from '../config/config';
import type { MachineIdentity } from '../config/identity';
import type { EventLog } from '../log/event-log';
import type { Scheduler } from '../loop/scheduler';
import type { ConsoleAuth } from './auth';
import type { MachineView } from './machine-view';

/** Who may run a command: anyone at the cable, either role once logged in, or one role. */
export type Access = 'anyone' | 'logged-in' | 'engineer' | 'collector';

export interface CommandContext {
  readonly board: Board;
  readonly view: MachineView;
  readonly config: ConfigStore;
  readonly identity: MachineIdentity;
  readonly log: EventLog;
  readonly auth: ConsoleAuth;
  readonly scheduler: Scheduler | undefined;
  readonly nowMs: number;
  /** Restart the board once the reply has gone out. */
  requestReboot(): void;
}

export interface UsageError {
  readonly usageError: string;
}

export type Reply = string | UsageError;

export interface Command {
  readonly name: string;
  readonly access: Access;
  readonly usage: string;
  readonly summary: string;
  readonly detail: string;
  run(args: readonly string[], context: CommandContext): Reply;
}

export function usageError(message: string): UsageError {
  return { usageError: message };
}

/** Arguments beyond what a command takes are an error, not ignored: a typo must not pass. */
export function extraArguments(args: readonly string[], allowed: number): UsageError | undefined {
  return args.length > allowed ? usageError(`unexpected argument '${args[allowed]}'`) : undefined;
}
