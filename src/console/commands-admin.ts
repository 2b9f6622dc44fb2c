// config, selftest, log, reboot: the engineer's tools.
import { CONFIG_FIELDS, CONFIG_KEYS, isConfigKey } from '../config/config';
import { EVENT_LOG_ENTRIES_MAX } from '../log/event-log';
import { formatWallMs } from '../log/wall-time';
import { extraArguments, usageError, type Command, type CommandContext, type Reply } from './commands';
import { padEnd, parseCount } from './format';
import { consoleSelftest } from './selftest';

export const LOG_SHOWN_DEFAULT = 20;
/** Shown with the configuration, never stored with it: the machine's provisioned identity. */
const ATM_ID_KEY = 'atm-id';
const SHOWN_KEYS: readonly string[] = Object.freeze([ATM_ID_KEY, ...CONFIG_KEYS]);

export const configCommand: Command = {
  name: 'config',
  access: 'engineer',
  usage: 'config [get <key> | set <key> <value>]',
  summary: 'configuration: list, get, set (validated, stored)',
  detail: [
    'Without arguments: every key with its value. Keys:',
    `  ${padEnd(ATM_ID_KEY, 12)} ${padEnd('(read-only)', 18)} this machine's id at the bank: its provisioning, as its certificate carries it`,
    ...CONFIG_KEYS.map(
      (key) => `  ${padEnd(key, 12)} ${padEnd(CONFIG_FIELDS[key].format, 18)} ${CONFIG_FIELDS[key].help}`,
    ),
    'A value is checked before it is stored; a refused value changes nothing.',
  ].join('\n'),
  run: (args, context) => config(args, context),
};

function config(args: readonly string[], context: CommandContext): Reply {
  if (args.length === 0) {
    const lines = [
      `${padEnd(ATM_ID_KEY, 12)} ${atmIdText(context)}`,
      ...CONFIG_KEYS.map((key) => `${padEnd(key, 12)} ${context.config.get(key)}`),
    ];
    for (const problem of context.config.loadProblems) lines.push(`warning: ${problem}`);
    return lines.join('\n');
  }
  const action = args[0];
  if (action !== 'get' && action !== 'set') return usageError(`no config action '${action}'`);
  const key = args[1];
  if (key === undefined) return usageError(`${action} needs a key: ${SHOWN_KEYS.join(', ')}`);
  if (key === ATM_ID_KEY) {
    if (action === 'get') return extraArguments(args, 2) ?? `${key} ${atmIdText(context)}`;
    context.log.record('config', 'set atm-id refused: the ATM id is provisioned');
    return (
      "error: atm-id is this machine's provisioned identity, the name its bank certificate carries; " +
      'the bank refuses any other, so it cannot be set here (re-provision the board to change it)'
    );
  }
  if (!isConfigKey(key)) return usageError(`no config key '${key}'; keys: ${SHOWN_KEYS.join(', ')}`);
  if (action === 'get') return extraArguments(args, 2) ?? `${key} ${context.config.get(key)}`;
  if (args.length < 3) return usageError(`set ${key} needs a value (${CONFIG_FIELDS[key].format})`);
  const extra = extraArguments(args, 3);
  if (extra !== undefined) return extra;
  const before = context.config.get(key);
  const result = context.config.set(key, args[2]);
  if (!result.ok) return usageError(result.error);
  context.log.record('config', `${key} ${before} -> ${args[2]}`);
  return `${key} ${args[2]} (was ${before})`;
}

function atmIdText(context: CommandContext): string {
  const identity = context.identity;
  return identity.atmId === undefined ? `none (${identity.atmIdProblem})` : `${identity.atmId} (provisioned)`;
}

export const selftestCommand: Command = {
  name: 'selftest',
  access: 'engineer',
  usage: 'selftest',
  summary: 'crypto, random, settings, clock, config, identity, devices',
  detail:
    "Runs the console's own checks (HMAC-SHA-256 known answer, random source, settings write and\n" +
    'read-back, clocks, stored configuration, console secrets, the provisioned ATM id and card-token key),\n' +
    "then each device's check.",
  run: (args, context) => extraArguments(args, 0) ?? selftest(context),
};

function selftest(context: CommandContext): string {
  const items = [...consoleSelftest(context), ...(context.view.selftest?.() ?? [])];
  const failed = items.filter((item) => !item.ok).length;
  const lines = [`selftest: ${items.length} checks, ${failed} failed`];
  for (const item of items) lines.push(`  ${item.ok ? 'ok  ' : 'FAIL'}  ${padEnd(item.name, 12)} ${item.detail}`);
  context.log.record('console', `selftest: ${failed} of ${items.length} failed`);
  return lines.join('\n');
}

export const logCommand: Command = {
  name: 'log',
  access: 'engineer',
  usage: `log [count]`,
  summary: 'recent events (masked)',
  detail: `The newest events (default ${LOG_SHOWN_DEFAULT}, at most ${EVENT_LOG_ENTRIES_MAX}), oldest first; masked when written.`,
  run: (args, context) => log(args, context),
};

function log(args: readonly string[], context: CommandContext): Reply {
  const extra = extraArguments(args, 1);
  if (extra !== undefined) return extra;
  const count = args.length === 0 ? LOG_SHOWN_DEFAULT : parseCount(args[0], 1, EVENT_LOG_ENTRIES_MAX);
  if (count === undefined) return usageError(`count must be 1 to ${EVENT_LOG_ENTRIES_MAX}`);
  const lines: string[] = [];
  context.log.visitNewest(count, (event) => {
    const when = Number.isNaN(event.wallMs)
      ? `+${(event.monotonicMs / 1000).toFixed(1)} s`
      : formatWallMs(event.wallMs);
    lines.push(`#${event.number}  ${when}  ${padEnd(event.source, 8)} ${event.text}`);
  });
  return lines.length === 0 ? 'no events yet' : lines.join('\n');
}

export const rebootCommand: Command = {
  name: 'reboot',
  access: 'engineer',
  usage: 'reboot [confirm]',
  summary: 'restart the controller (asks to confirm)',
  detail:
    'reboot: says what will happen. reboot confirm: restarts once the reply is sent; the ledger\n' +
    "resolves any interrupted session on the way up. Refused while a customer's session is in progress.",
  run: (args, context) => reboot(args, context),
};

function reboot(args: readonly string[], context: CommandContext): Reply {
  if (args.length > 0 && args[0] !== 'confirm') return usageError(`expected 'confirm', not '${args[0]}'`);
  const extra = extraArguments(args, 1);
  if (extra !== undefined) return extra;
  // A restart mid-session strands the customer (cash in escrow, a card in the reader): wait for
  // the session to end — it always does, by the customer or by its timeout.
  const session = context.view.customerSession?.();
  if (session !== undefined) {
    if (args.length > 0)
      context.log.record('console', `reboot refused: a customer session is in progress (${session})`);
    return `error: a customer session is in progress (${session}); reboot once the machine is idle (it ends by itself or by timeout)`;
  }
  if (args.length === 0) return "this restarts the controller; type 'reboot confirm' to do it";
  context.log.record('console', `reboot by ${context.auth.role ?? 'nobody'}`);
  context.requestReboot();
  return 'rebooting';
}
