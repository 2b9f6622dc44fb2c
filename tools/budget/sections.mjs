// The sections of `npm run budget` other than the whole machine: the firmware's bundle size,
// and the ledger, CCNET and bank-link numbers, each gathered by its own measuring module
// and put in the report's shape: { id, title, workload, rows: [{ key, what, value, unit?, goal?, note? }] }.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ccnetBudgetRows } from './ccnet.mjs';
import { measureLedgerRows } from './ledger.mjs';
import { atMost, GOALS } from './goals.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Loopback HTTPS sessions for the bank link's throughput (tools/budget/bank-link.ts's default). */
const BANK_SESSIONS = 200;
const BANK_TIMEOUT_MS = 120_000;

export function row(key, what, value, unit, goal, note) {
  return {
    key,
    what,
    value,
    ...(unit === undefined ? {} : { unit }),
    ...(goal === undefined ? {} : { goal }),
    ...(note === undefined ? {} : { note }),
  };
}

function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The firmware as esbuild bundles it for XS (the same settings as the XS test bundle), minified and not. */
export async function measureBundle() {
  const bundle = (minify) =>
    build({
      entryPoints: [path.join(root, 'tools/budget/xs-firmware-entry.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      platform: 'neutral',
      minify,
      metafile: true,
      logLevel: 'silent',
    });
  const [plain, minified] = await Promise.all([bundle(false), bundle(true)]);
  const bytes = (result) => result.outputFiles[0].contents.length;
  const inputs = Object.keys(plain.metafile.inputs);
  const srcModules = inputs.filter((input) => input.startsWith('src/')).length;
  const outside = inputs.filter(
    (input) => !input.startsWith('src/') && !input.startsWith('tools/budget/') && input !== 'hal/ports.ts',
  );
  if (outside.length > 0) throw new Error(`the firmware bundle reaches outside src/: ${outside.join(', ')}`);
  return {
    id: 'bundle',
    title: 'Firmware bundle',
    workload:
      "esbuild of src/firmware.ts and all it imports (iife, es2022, platform neutral — the XS test bundle's settings); " +
      'source bytes: mcconfig compiles each module to XS bytecode instead, so this is a proxy for the flash it takes',
    rows: [
      row('bundle.bytes', 'bundle, not minified', bytes(plain), 'bytes'),
      row('bundle.bytesMinified', 'bundle, minified', bytes(minified), 'bytes'),
      row(
        'bundle.bytesMinifiedGzip',
        'bundle, minified and gzipped',
        gzipSync(minified.outputFiles[0].contents).length,
        'bytes',
      ),
      row('bundle.srcModules', 'src/ modules in the bundle', srcModules, 'modules'),
    ],
  };
}

const LEDGER_GOALS = [
  ['flash bytes programmed per accepted note', '≤ 1.3× payload'],
  ['flash bytes programmed per session', '≤ 1.3× payload'],
  ['erases per 1 000 notes', 'the minimum for the bytes'],
  ['erases on an append', '0'],
  ["mount of the board's full", 'every header and the head sector'],
];
/** Ledger rows whose figure has an enforced goal (goals.mjs). */
const LEDGER_LIMITS = [["XS compute per mount of the board's full", GOALS.mountCompute]];

export async function measureLedger() {
  const rows = await measureLedgerRows({ quiet: true });
  const workload = rows.find(([what]) => what === 'ledger workload')?.[1] ?? '(see tools/budget/ledger.mjs)';
  return {
    id: 'ledger',
    title: 'Deposit ledger (NOR emulator inside XS)',
    workload:
      `${workload}; compute per append and per mount metered in XS; the mount's: the board's 128 KiB partition ` +
      'filled to the last record the bank has not acknowledged (tools/budget/ledger.mjs)',
    rows: rows
      .filter(([what]) => what !== 'ledger workload')
      .map(([what, value]) => {
        const limit = LEDGER_LIMITS.find(([prefix]) => what.startsWith(prefix))?.[1];
        if (limit !== undefined) return atMost(row(`ledger.${slug(what)}`, what, Number(value), 'XS compute'), limit);
        return row(
          `ledger.${slug(what)}`,
          what,
          value,
          undefined,
          LEDGER_GOALS.find(([prefix]) => what.startsWith(prefix))?.[1],
        );
      }),
  };
}

export async function measureCcnet() {
  const rows = await ccnetBudgetRows();
  return {
    id: 'ccnet',
    title: 'CCNET bill validator driver',
    workload:
      'compute and slots: the driver alone in XS against a canned line that answers every POLL at once (no simulator metered); ' +
      'lateness: the driver in the scheduler with a heavy neighbour task (3 ms every 10 ms, a 40 ms stall each second) ' +
      'against the full validator simulator, 50 notes, 60 s virtual (tools/budget/ccnet.mjs)',
    rows: rows.map(([what, value]) => {
      const text = what.replace(/^ccnet: /, '');
      const note = /lateness/.test(text)
        ? 'POLL every 150 ms nominal; CCNET allows 100–200 ms between POLLs'
        : undefined;
      return row(`ccnet.${slug(text)}`, text, value, undefined, /slots gained/.test(text) ? '0' : undefined, note);
    }),
  };
}

/** tools/budget/bank-link.ts is CommonJS TypeScript on Node's HTTPS and SQLite: run it in its own process, away from lockdown. */
export async function measureBank() {
  const script =
    `require('./tools/budget/bank-link.ts').measureBankLink({ sessions: ${BANK_SESSIONS} })` +
    '.then((numbers) => process.stdout.write(JSON.stringify(numbers)), (error) => { console.error(error); process.exit(1); })';
  const output = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), BANK_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `tools/budget/bank-link.ts exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
  const numbers = JSON.parse(output);
  return {
    id: 'bank',
    title: 'Bank link over loopback HTTPS',
    workload:
      `the firmware's Outbox and BankClient on the Node HTTPS port (mutual TLS) against the reference bank (SQLite), ` +
      `${BANK_SESSIONS} sessions of 1..7 notes drained in batches of at most ${numbers.batchRecordsMax} records and 4 096 bytes (the board's request cap); round trips counted by the client ` +
      `for one IIN session and one QR session of 3 notes (tools/budget/bank-link.ts); wall-clock, this machine`,
    rows: [
      row(
        'bank.recordsPerSecond',
        `ledger records synced per second (${numbers.recordsSynced} records)`,
        numbers.recordsPerSecond,
        'records/s',
      ),
      row(
        'bank.roundTripsIin',
        'HTTPS round trips per session, IIN / card / palm',
        numbers.roundTripsIinSession,
        'round trips',
        '≤ 3',
        'authorise (the bill comes with it), deposit',
      ),
      row(
        'bank.roundTripsQr',
        'HTTPS round trips per session, Kaspi QR',
        numbers.roundTripsQrSession,
        'round trips',
        undefined,
        `start + ${numbers.qrPolls} polls while the phone confirms + authorise + deposit`,
      ),
    ],
  };
}
