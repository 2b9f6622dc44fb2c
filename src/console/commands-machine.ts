// status, devices, ledger, sync: what the engineer reads about the machine.
import { formatWallMs } from '../log/wall-time';
import { FIRMWARE_VERSION } from '../version';
import { extraArguments, usageError, type Command, type CommandContext, type Reply } from './commands';
import { formatDuration, groupThousands, padEnd, padStart, parseCount } from './format';
import { DEVICE_DETAIL_LINES_MAX, VERIFY_PROBLEMS_SHOWN_MAX, type LedgerRecordView } from './machine-view';

export const NOT_AVAILABLE = 'not available in this build';
export const LEDGER_SHOW_RECORDS_MAX = 20;
export const LEDGER_SHOW_RECORDS_DEFAULT = 10;
const FIELD_TEXT_CHARS_MAX = 40;

export const statusCommand: Command = {
  name: 'status',
  access: 'engineer',
  usage: 'status',
  summary: 'loop, tasks and memory; devices, uptime, version',
  detail:
    'Firmware version, uptime, wall clock (UTC+5), loop ticks and watchdog feeds, heap in use;\n' +
    'per task: period, ticks, worst tick and deadline overruns; every device in one line.',
  run: (args, context) => extraArguments(args, 0) ?? status(context),
};

function status(context: CommandContext): string {
  const { board, scheduler } = context;
  const heapBytes = board.system.heapUsedBytes();
  const lines = [
    `firmware ${FIRMWARE_VERSION} on ${board.name}  atm ${context.identity.atmId ?? 'NOT PROVISIONED'}  uptime ${formatDuration(board.clock.monotonicMs())}  wall ${formatWallMs(board.clock.wallMs())}`,
    `heap used ${Number.isNaN(heapBytes) ? 'unknown' : `${groupThousands(heapBytes)} bytes`}`,
  ];
  if (scheduler === undefined) {
    lines.push('loop not started');
  } else {
    lines.push(`loop ticks ${scheduler.loopTicks}  watchdog feeds ${scheduler.watchdogFeeds}`);
    lines.push('task          period ms      ticks   worst ms   overruns');
    for (let index = 0; index < scheduler.tasks.length; index++) {
      const task = scheduler.tasks[index];
      const stats = scheduler.stats[index];
      lines.push(
        `${padEnd(task.name, 12)} ${padStart(String(task.periodMs), 10)} ${padStart(String(stats.ticks), 10)} ${padStart(stats.worstTickMs.toFixed(2), 10)} ${padStart(String(stats.overruns), 10)}`,
      );
    }
    if (scheduler.halt !== undefined) lines.push(`HALTED in ${scheduler.halt.taskName}: ${scheduler.halt.message}`);
  }
  const devices = context.view.devices?.() ?? [];
  lines.push(
    `devices: ${devices.length === 0 ? NOT_AVAILABLE : devices.map((device) => `${device.name} ${device.state}`).join(', ')}`,
  );
  return lines.join('\n');
}

export const devicesCommand: Command = {
  name: 'devices',
  access: 'engineer',
  usage: 'devices',
  summary: 'validator, card reader, palm camera: identity, faults',
  detail: 'Each device: state and summary, then its details (identification, bill table, recent faults).',
  run: (args, context) => {
    const extra = extraArguments(args, 0);
    if (extra !== undefined) return extra;
    if (context.view.devices === undefined) return `devices: ${NOT_AVAILABLE}`;
    const lines: string[] = [];
    for (const device of context.view.devices()) {
      lines.push(`${padEnd(device.name, 12)} ${padEnd(device.state, 8)} ${device.summary}`);
      const shown = Math.min(device.details.length, DEVICE_DETAIL_LINES_MAX);
      for (let index = 0; index < shown; index++) lines.push(`    ${device.details[index]}`);
    }
    return lines.length === 0 ? 'no devices reported' : lines.join('\n');
  },
};

export const ledgerCommand: Command = {
  name: 'ledger',
  access: 'engineer',
  usage: 'ledger [verify | show <from-sequence> [count]]',
  summary: 'capacity, head/tail, unsynced; verify; show records',
  detail:
    `Without arguments: capacity, used, tail and head sequence, unsynced records.\n` +
    `verify: checks every record on flash. show: up to ${LEDGER_SHOW_RECORDS_MAX} records from a sequence, masked.`,
  run: (args, context) => ledger(args, context),
};

function ledger(args: readonly string[], context: CommandContext): Reply {
  const { view } = context;
  if (args.length === 0) {
    if (view.ledgerSummary === undefined) return `ledger: ${NOT_AVAILABLE}`;
    const summary = view.ledgerSummary();
    return [
      `capacity ${summary.capacityRecords} records, used ${summary.usedRecords}`,
      `tail sequence ${summary.tailSequence}, head sequence ${summary.headSequence}`,
      `unsynced ${summary.unsyncedRecords} (bank acknowledged through ${summary.ackedSequence})`,
    ].join('\n');
  }
  if (args[0] === 'verify') return extraArguments(args, 1) ?? verify(context);
  if (args[0] !== 'show') return usageError(`no ledger action '${args[0]}'`);
  const extra = extraArguments(args, 3);
  if (extra !== undefined) return extra;
  const fromSequence = parseCount(args[1], 0, 999_999_999);
  if (fromSequence === undefined) return usageError('show needs a starting sequence number');
  const count = args.length > 2 ? parseCount(args[2], 1, LEDGER_SHOW_RECORDS_MAX) : LEDGER_SHOW_RECORDS_DEFAULT;
  if (count === undefined) return usageError(`count must be 1 to ${LEDGER_SHOW_RECORDS_MAX}`);
  if (view.ledgerRecords === undefined) return `ledger: ${NOT_AVAILABLE}`;
  const lines: string[] = [];
  const visited = view.ledgerRecords(fromSequence, count, (record) => {
    if (lines.length < count) lines.push(recordLine(record));
  });
  if (visited === 0) return `no records from sequence ${fromSequence}`;
  return lines.join('\n');
}

function verify(context: CommandContext): string {
  if (context.view.verifyLedger === undefined) return `ledger verify: ${NOT_AVAILABLE}`;
  const report = context.view.verifyLedger();
  const lines = [
    `ledger verify: ${report.ok ? 'ok' : 'FAILED'}, ${report.recordsChecked} records checked, ${report.problems.length} problem(s)`,
  ];
  const shown = Math.min(report.problems.length, VERIFY_PROBLEMS_SHOWN_MAX);
  for (let index = 0; index < shown; index++) lines.push(`  ${report.problems[index]}`);
  if (report.problems.length > shown) lines.push(`  ... and ${report.problems.length - shown} more`);
  context.log.record('console', `ledger verify: ${report.ok ? 'ok' : 'FAILED'}`);
  return lines.join('\n');
}

/** One record per line; every field passes the masking with the rest of the reply. */
function recordLine(record: LedgerRecordView): string {
  let text = `#${record.sequence}  ${formatWallMs(record.wallMs)}  ${record.type}`;
  for (const name of Object.keys(record.fields)) {
    const value = String(record.fields[name]);
    text += ` ${name}=${value.length > FIELD_TEXT_CHARS_MAX ? `${value.slice(0, FIELD_TEXT_CHARS_MAX)}...` : value}`;
  }
  return text;
}

export const syncCommand: Command = {
  name: 'sync',
  access: 'engineer',
  usage: 'sync [now]',
  summary: 'bank sync queue and last error; sync now',
  detail:
    'Without arguments: records waiting for the bank, in flight, acknowledged sequence, last error, next attempt,\n' +
    'and bank anomalies: replies refused because they acknowledged more than was sent, or for another ATM.\n' +
    'now: starts a sync at once instead of waiting for the backoff.',
  run: (args, context) => sync(args, context),
};

function sync(args: readonly string[], context: CommandContext): Reply {
  const { view } = context;
  if (args.length > 0 && args[0] !== 'now') return usageError(`no sync action '${args[0]}'`);
  const extra = extraArguments(args, 1);
  if (extra !== undefined) return extra;
  if (args.length === 1) {
    if (view.syncNow === undefined) return `sync: ${NOT_AVAILABLE}`;
    const result = view.syncNow();
    context.log.record('console', `sync now: ${result.started ? 'started' : result.reason}`);
    return result.started ? 'sync started' : `error: sync not started: ${result.reason}`;
  }
  if (view.syncStatus === undefined) return `sync: ${NOT_AVAILABLE}`;
  const state = view.syncStatus();
  const next = Number.isNaN(state.nextAttemptInMs)
    ? 'none scheduled'
    : `in ${Math.ceil(state.nextAttemptInMs / 1000)} s`;
  return [
    `queued ${state.queuedRecords} records${state.inFlight ? ', a batch in flight' : ''}${state.held === true ? ', held while a customer is at the machine' : ''}; ` +
      `bank acknowledged through ${state.ackedSequence}`,
    `last attempt ${Number.isNaN(state.lastAttemptWallMs) ? 'never' : formatWallMs(state.lastAttemptWallMs)}; last error ${state.lastError === '' ? 'none' : state.lastError}`,
    `next attempt ${next}`,
    ...(state.bankAnomalies === 0
      ? []
      : [`BANK ANOMALIES ${state.bankAnomalies}, not recorded; last: ${state.lastAnomaly}`]),
  ].join('\n');
}
