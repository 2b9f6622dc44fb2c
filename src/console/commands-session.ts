// help, version, login, logout, whoami: the commands anyone at the cable may type.
import { FIRMWARE_VERSION } from '../version';
import { IDLE_LOGOUT_MS, ROLES, type Role } from './auth';
import { extraArguments, usageError, type Command, type CommandContext, type Reply } from './commands';
import { padEnd } from './format';

export function helpCommand(table: () => readonly Command[]): Command {
  return {
    name: 'help',
    access: 'anyone',
    usage: 'help [command]',
    summary: 'list the commands, or explain one',
    detail: 'Without an argument: every command with who may run it. With one: its usage and what it does.',
    run: (args) => {
      const commands = table();
      if (args.length === 0) return listCommands(commands);
      const extra = extraArguments(args, 1);
      if (extra !== undefined) return extra;
      const command = commands.find((candidate) => candidate.name === args[0]);
      if (command === undefined) return usageError(`no command '${args[0]}'`);
      return [`usage: ${command.usage}`, `who:   ${accessText(command.access)}`, command.detail].join('\n');
    },
  };
}

function accessText(access: Command['access']): string {
  if (access === 'anyone') return 'anyone';
  if (access === 'logged-in') return 'engineer or collector';
  return access;
}

function listCommands(commands: readonly Command[]): string {
  const lines = commands.map(
    (command) => `${padEnd(command.name, 10)} ${padEnd(command.summary, 52)} [${accessText(command.access)}]`,
  );
  lines.push("Type 'help <command>' for its usage. Log in with 'login engineer' or 'login collector'.");
  return lines.join('\n');
}

export const versionCommand: Command = {
  name: 'version',
  access: 'anyone',
  usage: 'version',
  summary: 'firmware version',
  detail: 'Prints the firmware version.',
  run: (args) => extraArguments(args, 0) ?? `firmware ${FIRMWARE_VERSION}`,
};

export const loginCommand: Command = {
  name: 'login',
  access: 'anyone',
  usage: 'login engineer|collector',
  summary: 'log in by challenge-response',
  detail: [
    'Prints a challenge; answer with HMAC-SHA-256(device secret, challenge bytes) as 64 hex digits',
    'on the next line (npm run console -- --answer <challenge> computes it). An empty answer cancels.',
    'Each wrong answer locks the console: 1 s, then doubling up to 5 min. Idle sessions end after 5 min.',
  ].join('\n'),
  run: (args, context) => login(args, context),
};

function login(args: readonly string[], context: CommandContext): Reply {
  if (args.length === 0) return usageError('which role?');
  const extra = extraArguments(args, 1);
  if (extra !== undefined) return extra;
  const role = ROLES.find((candidate) => candidate === args[0]);
  if (role === undefined) return usageError(`no role '${args[0]}'`);
  const begun = context.auth.begin(role, context.nowMs);
  if (!begun.ok) {
    context.log.record('console', `login ${role} refused: ${begun.error}`);
    return `error: ${begun.error}`;
  }
  return [
    `challenge ${begun.challenge}`,
    `answer with HMAC-SHA-256(${role} secret, challenge) in hex within 60 s:`,
  ].join('\n');
}

export const logoutCommand: Command = {
  name: 'logout',
  access: 'anyone',
  usage: 'logout',
  summary: 'end the session',
  detail: 'Ends the session at once (it also ends by itself after 5 min without a command).',
  run: (args, context) => {
    const extra = extraArguments(args, 0);
    if (extra !== undefined) return extra;
    const role: Role | undefined = context.auth.role;
    context.auth.logout();
    if (role === undefined) return 'not logged in';
    context.log.record('console', `logout ${role}`);
    return 'logged out';
  },
};

export const whoamiCommand: Command = {
  name: 'whoami',
  access: 'anyone',
  usage: 'whoami',
  summary: 'the role logged in',
  detail: 'Prints the role of this session and the idle logout time.',
  run: (args, context) => {
    const extra = extraArguments(args, 0);
    if (extra !== undefined) return extra;
    const role = context.auth.role;
    return role === undefined ? 'not logged in' : `${role} (logged out after ${IDLE_LOGOUT_MS / 1000} s idle)`;
  },
};
