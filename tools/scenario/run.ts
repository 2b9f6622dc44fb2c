// npm run scenario -- [--data DIR] [--quiet] FILE...
//
// Runs each scenario file on the machine on the desk (a fresh one per file, in a fresh temporary
// data folder unless --data) and prints the result as JSON on stdout: one object for one file,
// an array for several. Progress goes to stderr. docs/scenario.md describes both formats.
//
// Exit status: 0 every scenario ok; 1 a step failed, an expectation did not hold or an
// invariant broke; 2 a bad command line or a bad scenario file (nothing was run).

import fs from 'node:fs';
import path from 'node:path';
import { parseScenarioText, ScenarioFormatError, type Scenario } from './format';
import type { ScenarioResult } from './runner';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
const FILES_MAX = 100;

const USAGE =
  'usage: npm run scenario -- [--data DIR] [--quiet] FILE...   (scenarios: tools/scenario/scenarios/*.json)';

interface CommandLine {
  readonly files: readonly string[];
  readonly dataDir: string | undefined;
  readonly quiet: boolean;
}

export function parseCommandLine(args: readonly string[]): CommandLine | string {
  const files: string[] = [];
  let dataDir: string | undefined;
  let quiet = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--data') {
      dataDir = args[++index];
      if (dataDir === undefined) return '--data needs a folder';
    } else if (arg === '--quiet') {
      quiet = true;
    } else if (arg === '--help' || arg === '-h') {
      return '';
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg}`;
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) return 'no scenario file given';
  if (files.length > FILES_MAX) return `at most ${FILES_MAX} files`;
  return { files, dataDir, quiet };
}

/** Reads and checks a scenario file; throws ScenarioFormatError naming the file and each problem. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioFormatError(file, [`cannot read it: ${(error as Error).message}`]);
  }
  return parseScenarioText(text, file);
}

async function main(args: readonly string[]): Promise<number> {
  const commandLine = parseCommandLine(args);
  if (typeof commandLine === 'string') {
    process.stderr.write(`${commandLine === '' ? '' : `${commandLine}\n`}${USAGE}\n`);
    return commandLine === '' ? EXIT_OK : EXIT_USAGE;
  }
  let scenarios: Scenario[];
  try {
    // Every file is checked before anything runs: a typo in the fifth file costs no machine time.
    scenarios = commandLine.files.map(loadScenario);
  } catch (error) {
    if (!(error instanceof ScenarioFormatError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  // Loaded only now: the machine's modules (serial ports, SQLite, TLS) take seconds to load, a bad file need not wait.
  const { runScenario } = await import('./runner');
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const log = commandLine.quiet ? undefined : (line: string) => process.stderr.write(`${scenario.name}: ${line}\n`);
    const dataDir = commandLine.dataDir === undefined ? undefined : path.resolve(commandLine.dataDir);
    const result = await runScenario(scenario, { dataDir, log });
    results.push(result);
    process.stderr.write(
      `${scenario.name}: ${result.ok ? 'ok' : 'FAILED'} in ${(result.wallMs / 1000).toFixed(1)} s${result.ok ? '' : `: ${describeFailure(result)}`}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
  return results.every((result) => result.ok) ? EXIT_OK : EXIT_FAILED;
}

function describeFailure(result: ScenarioResult): string {
  const broken = result.invariants
    .filter((invariant) => !invariant.ok)
    .map((invariant) => `invariant ${invariant.name}: ${invariant.detail}`);
  return [...result.failures, ...broken].join('; ');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // Exit once stdout is flushed: a socket the machine left half-closed must not hold the result back.
    (code) => {
      process.stdout.write('', () => process.exit(code));
    },
    (error) => {
      process.stderr.write(`scenario runner crashed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
