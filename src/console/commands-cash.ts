// cassette, collect: what the cash collector reads and does.
import { formatWallMs } from '../log/wall-time';
import { extraArguments, usageError, type Command, type CommandContext, type Reply } from './commands';
import { formatTiyn, groupThousands, padStart } from './format';
import { NOT_AVAILABLE } from './commands-machine';
import type { DenominationCount, Reconciliation } from './machine-view';

const TIYN_PER_TENGE = 100;

export const cassetteCommand: Command = {
  name: 'cassette',
  access: 'logged-in',
  usage: 'cassette',
  summary: 'notes by denomination since the last collection',
  detail: 'Notes in the cassette by denomination since the last collection, their total, notes in doubt, fill level.',
  run: (args, context) => extraArguments(args, 0) ?? cassette(context),
};

function denominationLines(counts: readonly DenominationCount[]): {
  readonly lines: string[];
  readonly notes: number;
  readonly tiyn: number;
} {
  const lines: string[] = [];
  let notes = 0;
  let tiyn = 0;
  for (const count of counts) {
    const amountTiyn = count.denominationTenge * count.notes * TIYN_PER_TENGE;
    lines.push(
      `  ${padStart(groupThousands(count.denominationTenge), 6)} KZT  x ${padStart(String(count.notes), 5)}  = ${padStart(formatTiyn(amountTiyn), 20)}`,
    );
    notes += count.notes;
    tiyn += amountTiyn;
  }
  return { lines, notes, tiyn };
}

function cassette(context: CommandContext): string {
  if (context.view.cassette === undefined) return `cassette: ${NOT_AVAILABLE}`;
  const report = context.view.cassette();
  const table = denominationLines(report.byDenomination);
  const since = Number.isNaN(report.sinceWallMs)
    ? 'never collected'
    : `since collection at ${formatWallMs(report.sinceWallMs)}`;
  return [
    `cassette ${since}`,
    ...table.lines,
    `  total ${table.notes} notes, ${formatTiyn(table.tiyn)}; in doubt ${report.doubtfulNotes} notes; capacity ${report.capacityNotes} notes`,
  ].join('\n');
}

export const collectCommand: Command = {
  name: 'collect',
  access: 'collector',
  usage: 'collect [confirm]',
  summary: 'close the collection period (reconciliation report)',
  detail:
    'collect: shows what the period holds. collect confirm: closes it — writes the collection record to\n' +
    'the ledger, zeroes the cassette counters and prints the reconciliation of cassette, ledger and bank.',
  run: (args, context) => collect(args, context),
};

function collect(args: readonly string[], context: CommandContext): Reply {
  if (args.length > 0 && args[0] !== 'confirm') return usageError(`expected 'confirm', not '${args[0]}'`);
  const extra = extraArguments(args, 1);
  if (extra !== undefined) return extra;
  const { view } = context;
  if (view.collect === undefined || view.cassette === undefined) return `collect: ${NOT_AVAILABLE}`;
  if (args.length === 0)
    return `${cassette(context)}\nType 'collect confirm' to close this period once the cassette is out.`;
  const result = view.collect();
  if (!result.ok) {
    context.log.record('console', `collect failed: ${result.error}`);
    return `error: collection not closed: ${result.error}`;
  }
  const report = result.report;
  context.log.record(
    'console',
    `collect: period ${report.fromSequence}..${report.toSequence} closed by record #${report.recordSequence}, ${matchText(report)}`,
  );
  return reconciliationText(report);
}

function matchText(report: Reconciliation): string {
  return report.cassetteTiyn === report.ledgerTiyn &&
    report.ledgerTiyn === report.sentToBankTiyn &&
    report.doubtfulNotes === 0
    ? 'balanced'
    : 'TO RECONCILE';
}

function reconciliationText(report: Reconciliation): string {
  const table = denominationLines(report.byDenomination);
  return [
    `collection closed by ledger record #${report.recordSequence} (period ${report.fromSequence}..${report.toSequence})`,
    ...table.lines,
    `  notes ${table.notes}, in doubt ${report.doubtfulNotes}`,
    `  cassette ${formatTiyn(report.cassetteTiyn)}`,
    `  ledger   ${formatTiyn(report.ledgerTiyn)}`,
    `  bank     ${formatTiyn(report.sentToBankTiyn)}`,
    `  result   ${matchText(report)}`,
  ].join('\n');
}
