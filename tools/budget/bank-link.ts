// The bank link's numbers for `npm run budget` (the coordinator calls measureBankLink()):
// ledger records synced per second over loopback HTTPS (the firmware's Outbox and
// BankClient on the Node HTTPS port against the reference bank, batches of at most
// BATCH_RECORDS_MAX records and the board's 4 096-byte request cap), and HTTPS round trips
// per customer session, counted by the client.
// Alone: node -r ts-node/register/transpile-only tools/budget/bank-link.ts
import { performance } from 'node:perf_hooks';
import { BATCH_RECORDS_MAX } from '../../src/bank/outbox';
import type { QrPollResult, QrStartResult } from '../../src/bank/bank-client';
import type { AuthoriseRequest } from '../../src/bank/wire';
import { appendSession } from '../bank/memory-ledger';
import { startBankServer } from '../bank/server';
import { appRequest, freshDataDir, removeDir, SyncRig, testCertificate } from '../bank/kit';

const ATM = 'ATM-ALA-0001';

export interface BankLinkNumbers {
  readonly recordsSynced: number;
  readonly recordsPerSecond: number;
  readonly batchRecordsMax: number;
  /** Round trips of one session authorised by IIN (card and palm are the same): authorise (bill included) + deposit. */
  readonly roundTripsIinSession: number;
  /** Round trips of one QR session: start, the polls until the phone confirmed, authorise, deposit. */
  readonly roundTripsQrSession: number;
  /** Of those, QR polls (the test confirms on the phone after the first poll). */
  readonly qrPolls: number;
}

function authorise(rig: SyncRig, request: AuthoriseRequest): Promise<void> {
  return new Promise((resolve, reject) =>
    rig.client.authorise(request, (result) => (result.ok ? resolve() : reject(new Error(result.error)))),
  );
}

/** Polls the client while a request is out (the firmware's scheduler would). */
async function drive<T>(rig: SyncRig, start: (done: (value: T) => void) => void): Promise<T> {
  let value: T | undefined;
  let finished = false;
  start((result) => {
    value = result;
    finished = true;
  });
  while (!finished) {
    rig.client.poll(performance.now());
    await new Promise((resolve) => setImmediate(resolve));
  }
  return value as T;
}

export async function measureBankLink(options: { sessions?: number } = {}): Promise<BankLinkNumbers> {
  const sessions = options.sessions ?? 200;
  const dataDir = freshDataDir();
  const bank = await startBankServer({ dataDir, port: 0 });
  // The bank serves only the ATMs it knows (issue 15, item 9).
  for (const atmId of [ATM, 'ATM-BENCH-IIN', 'ATM-BENCH-QR']) bank.registerAtm(atmId);
  const device = testCertificate(ATM);
  try {
    // Throughput: a backlog of sessions, 1..7 notes each, drained by the outbox.
    const backlog = new SyncRig({ baseUrl: bank.url, caPem: bank.caPem, device, atmId: ATM });
    for (let session = 1; session <= sessions; session++) {
      appendSession(
        backlog.ledger,
        session,
        'c-aigerim',
        1_500_000,
        Array.from({ length: 1 + (session % 7) }, () => 1000),
      );
    }
    const recordsSynced = backlog.lastRecordSequence();
    const startMs = performance.now();
    await backlog.syncAll(120_000);
    const seconds = (performance.now() - startMs) / 1000;
    backlog.close();

    // Round trips: one IIN session, then one QR session, each its own ATM (a fresh ledger).
    const iin = new SyncRig({
      baseUrl: bank.url,
      caPem: bank.caPem,
      device: testCertificate('ATM-BENCH-IIN'),
      atmId: 'ATM-BENCH-IIN',
    });
    await authorise(iin, { method: 'iin', iin: '950614400011' });
    const iinTrips = await sessionTrips(iin);
    iin.close();

    const qr = new SyncRig({
      baseUrl: bank.url,
      caPem: bank.caPem,
      device: testCertificate('ATM-BENCH-QR'),
      atmId: 'ATM-BENCH-QR',
    });
    const started = await drive(qr, (done: (value: QrStartResult) => void) => qr.client.startQr(done));
    if (!started.ok) throw new Error(`QR start: ${started.error}`);
    await drive(qr, (done: (value: QrPollResult) => void) => qr.client.pollQr(started.qrSessionId, done));
    await appRequest(bank, 'POST', '/app/qr/scan', { payload: started.payload, iin: '950614400011' });
    const confirmed = await drive(qr, (done: (value: QrPollResult) => void) =>
      qr.client.pollQr(started.qrSessionId, done),
    );
    if (!confirmed.ok || confirmed.state !== 'confirmed') throw new Error('QR not confirmed');
    await authorise(qr, { method: 'qr', qrSessionId: started.qrSessionId });
    const qrTrips = await sessionTrips(qr);
    qr.close();

    return {
      recordsSynced,
      recordsPerSecond: Math.round(recordsSynced / seconds),
      batchRecordsMax: BATCH_RECORDS_MAX,
      roundTripsIinSession: iinTrips,
      roundTripsQrSession: qrTrips,
      qrPolls: qr.client.stats.qrPoll,
    };
  } finally {
    await bank.close();
    removeDir(dataDir);
  }
}

/** Appends one session of 3 notes, syncs it, and returns every round trip the client made. */
async function sessionTrips(rig: SyncRig): Promise<number> {
  appendSession(rig.ledger, 1, 'c-aigerim', 1_500_000, [5000, 5000, 10000]);
  await rig.syncAll(10_000);
  const stats = rig.client.stats;
  return stats.authorise + stats.qrStart + stats.qrPoll + stats.deposits;
}

if (require.main === module) {
  void measureBankLink().then((numbers) => {
    for (const [name, value] of Object.entries(numbers)) process.stdout.write(`${name.padEnd(24)} ${value}\n`);
  });
}
