// The bank sync's section of `npm run budget` (issue 18): what a customer session costs the bank
// link and the ledger when the notes go in at a person's pace (a note a second) and all at once
// (tools/budget/sync-sessions.ts, the firmware on the simulated machine with the reference bank's
// logic in process, virtual time — every number here is deterministic).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { row } from './sections.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SYNC_TIMEOUT_MS = 120_000;

/** sync-sessions.ts is CommonJS TypeScript on the reference bank's SQLite: its own process, away from lockdown. */
async function runSyncBench() {
  const script = "process.stdout.write(JSON.stringify(require('./tools/budget/sync-sessions.ts').measureSync()))";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), SYNC_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout));
      else
        reject(
          new Error(
            `tools/budget/sync-sessions.ts exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}

export async function measureSync() {
  const sessions = await runSyncBench();
  const pick = (methods, pace, notes, field) =>
    methods.map(
      (method) =>
        sessions.find((session) => session.method === method && session.pace === pace && session.notes === notes)[
          field
        ],
    );
  const signIns = ['iin', 'card', 'palm'];
  const [few, many] = [...new Set(sessions.map((session) => session.notes))].sort((a, b) => a - b);
  const trips = (pace) =>
    `${pick(signIns, pace, few, 'roundTrips').join(' / ')}; ${pick(signIns, pace, many, 'roundTrips').join(' / ')}`;
  const qrTrips = (pace) =>
    [few, many]
      .map((notes) => {
        const [session] = sessions.filter(
          (candidate) => candidate.method === 'qr' && candidate.pace === pace && candidate.notes === notes,
        );
        return `${session.roundTrips - session.qrPoll} + ${session.qrPoll} polls`;
      })
      .join('; ');
  const latency = (pace) =>
    [few, many].map((notes) => Math.max(...pick([...signIns, 'qr'], pace, notes, 'enterToCreditedMs'))).join('; ');
  return {
    id: 'sync',
    title: 'Bank sync per customer session',
    workload:
      `the unchanged firmware on the simulated machine with the reference bank's logic in process (tools/budget/sync-sessions.ts, ` +
      `virtual time, 40 ms round trips); one customer per fresh machine, signed in by IIN, card, palm or Kaspi QR, paying ${few} notes ` +
      `(the FAQ) or ${many} (59 800 ₸, 54 ledger records: more than a batch of 32 records and 4 096 bytes), at a note a second or all ` +
      'at once; counted from the first key until two minutes after "credited"',
    rows: [
      row(
        'sync.roundTrips.second',
        `HTTPS round trips per session, IIN / card / palm, a note a second (${few} notes; ${many} notes)`,
        trips('second'),
        'round trips',
        '≤ 3',
        'authorise, then the deposit batch at the close (two for 54 records, the first sent when it is full); before issue 18: 7 / 6 / 6; 55 / 54 / 54',
      ),
      row(
        'sync.roundTrips.once',
        `HTTPS round trips per session, IIN / card / palm, the notes at once (${few} notes; ${many} notes)`,
        trips('once'),
        'round trips',
        '≤ 3',
      ),
      row(
        'sync.roundTrips.qr',
        `HTTPS round trips per Kaspi QR session, a note a second (${few} notes; ${many} notes)`,
        qrTrips('second'),
        'round trips',
        '≤ 3 + polls',
        'start, authorise, deposit, and the status polls while the phone confirms; 54 records need a second batch',
      ),
      row(
        'sync.bankAcks',
        'bank-ack records per session, the most in any of these sessions',
        Math.max(...sessions.map((session) => session.bankAckRecords)),
        'records',
        '≤ 1',
        "each a flash write; the answer to a batch sent before the close is written with the closing one's; before issue 18: one per round trip",
      ),
      row(
        'sync.enterToCredited.second',
        `ENTER → "credited", virtual ms, a note a second, slowest sign-in (${few} notes; ${many} notes)`,
        latency('second'),
        'ms',
        'no later than before',
        'before issue 18: 155; 155',
      ),
      row(
        'sync.enterToCredited.once',
        `ENTER → "credited", virtual ms, the notes at once, slowest sign-in (${few} notes; ${many} notes)`,
        latency('once'),
        'ms',
        'no later than before',
        'before issue 18: 160; 160',
      ),
    ],
  };
}
