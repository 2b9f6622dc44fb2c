// npm run sim -- --seeds N [--from S] [--hours H] [--break KIND]
// npm run sim -- --seed S [--hours H] [--verbose] [--break KIND]
//
// Runs the whole-machine simulation seed by seed (run-seed.ts) and prints one summary: seeds,
// virtual hours, sessions, notes, faults injected by kind, violations. A failing seed prints
// the one command that replays it exactly, and the exit status is 1.
import { BREAKS, runSeed, type Break, type SeedResult } from './run-seed';
import { DEFAULT_HOURS, summarise, formatSummary, replayCommand } from './summary';

interface Args {
  readonly seeds: number[];
  readonly hours: number;
  readonly verbose: boolean;
  readonly breakKind: Break | undefined;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run sim -- --seeds N [--from S] [--hours H] [--break ${BREAKS.join('|')}]\n` +
      `       npm run sim -- --seed S [--hours H] [--verbose] [--break ${BREAKS.join('|')}]\n`,
  );
  process.exit(2);
}

function integer(text: string | undefined, name: string): number {
  if (text === undefined || !/^\d{1,10}$/.test(text)) usage(`${name} needs a whole number`);
  return Number(text);
}

function parseArgs(argv: readonly string[]): Args {
  let count: number | undefined;
  let from = 1;
  let single: number | undefined;
  let hours = DEFAULT_HOURS;
  let verbose = false;
  let breakKind: Break | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--seeds') count = integer(value, flag);
    else if (flag === '--from') from = integer(value, flag);
    else if (flag === '--seed') single = integer(value, flag);
    else if (flag === '--hours') {
      hours = Number(value);
      if (!(hours > 0 && hours <= 48)) usage('--hours needs a number in (0, 48]');
    } else if (flag === '--break') {
      if (!(BREAKS as readonly string[]).includes(value ?? '')) usage(`--break is one of ${BREAKS.join(', ')}`);
      breakKind = value as Break;
    } else if (flag === '--verbose') {
      verbose = true;
      continue;
    } else usage(`unknown argument ${flag}`);
    index += 1;
  }
  if ((count === undefined) === (single === undefined)) usage('give --seeds N or --seed S');
  const seeds = single !== undefined ? [single] : Array.from({ length: count! }, (_, index) => from + index);
  return { seeds, hours, verbose, breakKind };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const startedMs = performance.now();
  const results: SeedResult[] = [];
  for (const seed of args.seeds) {
    const result = runSeed(seed, {
      durationMs: args.hours * 3_600_000,
      break: args.breakKind,
      log: args.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
    results.push(result);
    for (const violation of result.violations) process.stdout.write(`seed ${seed}: VIOLATION ${violation}\n`);
    if (result.violations.length > 0)
      process.stdout.write(`  replay: ${replayCommand(seed, args.hours, args.breakKind)}\n`);
    if (args.seeds.length > 1 && results.length % 100 === 0) process.stdout.write(`... ${results.length} seeds\n`);
  }
  const summary = summarise(results, performance.now() - startedMs);
  process.stdout.write(formatSummary(summary, args.hours, args.breakKind));
  process.exit(summary.failedSeeds.length === 0 ? 0 : 1);
}

main();
