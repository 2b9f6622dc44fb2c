import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { HttpsClient, HttpsRequest, HttpsResult } from '../../hal/ports';
import type { NodeHttpsClient } from '../../hal/node/https-client';
import { SeededRandom } from '../../hal/sim/peripherals';
import { BATCH_RECORDS_MAX } from '../../src/bank/outbox';
import { DENOMINATIONS_TENGE } from '../../src/domain';
import { appendSession } from '../../tools/bank/memory-ledger';
import type { MemoryLedger } from '../../tools/bank/memory-ledger';
import { startBankServer } from '../../tools/bank/server';
import type { BankFaults, BankServer } from '../../tools/bank/server';
import { appRequest, type AppEndpoint, freshDataDir, removeDir, SyncRig, testCertificate } from '../../tools/bank/kit';
import { bankNotes, type ChildBank, FaultyFront, freePort, spawnBank } from '../support/bank-kit';

const ATM = 'ATM-ALA-0001';
const CUSTOMERS = ['c-aigerim', 'c-daniyar', 'c-yerzhan', 'c-saule'];

/** Sessions with 1..6 notes each, from a seed; returns the tiyn deposited. */
function fillLedger(ledger: MemoryLedger, sessions: number, seed: number, firstSessionId = 1): number {
  const random = new SeededRandom(seed);
  let totalTiyn = 0;
  for (let index = 0; index < sessions; index++) {
    const notes = Array.from(
      { length: 1 + (random.nextUint32() % 6) },
      () => DENOMINATIONS_TENGE[random.nextUint32() % DENOMINATIONS_TENGE.length],
    );
    totalTiyn += appendSession(
      ledger,
      firstSessionId + index,
      CUSTOMERS[index % CUSTOMERS.length],
      1_500_000,
      notes,
      1.78e12 + index,
    );
  }
  return totalTiyn;
}

async function assertBankMatchesLedger(
  app: AppEndpoint,
  rig: SyncRig,
  totalTiyn: number,
  sessions: number,
): Promise<void> {
  const ledgerNotes = rig.ledger.stackedNotes();
  assert.deepEqual(
    await bankNotes(app, ATM),
    ledgerNotes,
    'the bank credited exactly the stacked notes, note for note',
  );
  const totals = await appRequest(app, 'GET', `/admin/totals?atmId=${ATM}`);
  assert.deepEqual(
    [totals.json.notes, totals.json.tiyn, totals.json.receipts, totals.json.anomalies],
    [ledgerNotes.length, totalTiyn, sessions, []],
  );
  assert.ok(
    totals.json.storedSequence >= rig.lastRecordSequence() && totals.json.storedSequence <= rig.ledger.headSequence,
  );
}

describe('bank sync over real HTTPS: the outbox against the reference bank, with faults', function () {
  this.timeout(30_000);
  const dataDirs: string[] = [];
  const cleanups: (() => unknown)[] = [];

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  after(() => dataDirs.forEach(removeDir));

  async function inProcessBank(faults?: BankFaults): Promise<BankServer> {
    const dataDir = freshDataDir();
    dataDirs.push(dataDir);
    const bank = await startBankServer({ dataDir, port: 0, faults });
    cleanups.push(() => bank.close());
    return bank;
  }

  function rigFor(baseUrl: string, caPem: string, wrap?: (inner: NodeHttpsClient) => HttpsClient): SyncRig {
    const rig = new SyncRig({ baseUrl, caPem, device: testCertificate(ATM), atmId: ATM, wrap });
    cleanups.push(() => rig.close());
    return rig;
  }

  it('syncs a backlog in batches and then each new session; every note once, one receipt per session', async () => {
    const bank = await inProcessBank();
    const rig = rigFor(bank.url, bank.caPem);
    let totalTiyn = fillLedger(rig.ledger, 30, 11);
    assert.ok(rig.ledger.headSequence > 3 * BATCH_RECORDS_MAX);
    await rig.syncAll(10_000);
    totalTiyn += fillLedger(rig.ledger, 1, 12, 31);
    await rig.syncAll(5_000);
    await assertBankMatchesLedger(bank, rig, totalTiyn, 31);
    assert.equal(rig.outbox.lastError, undefined);
  });

  it('loses nothing and doubles nothing when replies are dropped after the bank committed', async () => {
    const bank = await inProcessBank({
      afterCommit: (batch) => (batch === 2 || batch === 3 || batch === 5 ? 'drop' : 'reply'),
    });
    const rig = rigFor(bank.url, bank.caPem);
    const totalTiyn = fillLedger(rig.ledger, 16, 21);
    await rig.syncAll(10_000);
    assert.ok(rig.outbox.attempts >= rig.outbox.batchesAcked + 3, 'the dropped replies were retried');
    await assertBankMatchesLedger(bank, rig, totalTiyn, 16);
  });

  it('is unmoved by duplicated and reordered requests (each batch sent twice, and a stale one before it)', async () => {
    const bank = await inProcessBank();
    let replays = 0;
    const rig = rigFor(
      bank.url,
      bank.caPem,
      (inner) =>
        ({
          requestBodyBytesMax: inner.requestBodyBytesMax,
          past: [] as HttpsRequest[],
          request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
            if (request.path !== '/v1/deposits') return inner.request(request, onDone);
            const stale = this.past.length >= 2 ? this.past[this.past.length - 2] : undefined;
            this.past.push(request);
            const real = () =>
              inner.request(request, (result) => {
                // The same batch again, right after: its reply is the one the outbox sees.
                inner.request(request, (again) => {
                  replays++;
                  onDone(again.ok ? again : result);
                });
              });
            if (stale === undefined) return real();
            return inner.request(stale, () => {
              replays++;
              real();
            });
          },
        }) satisfies HttpsClient & { past: HttpsRequest[] },
    );
    const totalTiyn = fillLedger(rig.ledger, 16, 31);
    await rig.syncAll(10_000);
    assert.ok(replays >= 4);
    await assertBankMatchesLedger(bank, rig, totalTiyn, 16);
  });

  it("survives 5xx, malformed JSON, an oversized body and a dropped reply from an HTTPS front with the bank's own CA", async () => {
    const bank = await inProcessBank();
    const front = new FaultyFront(bank.dataDir, bank.url, bank.caPem, testCertificate(ATM), [
      'fail-500',
      'forward',
      'forward-then-503',
      'forward-then-malformed',
      'forward',
      'forward-then-oversized',
      'forward-then-drop',
      'forward-twice',
    ]);
    await front.listen();
    cleanups.push(() => front.close());
    const rig = rigFor(front.url, bank.caPem);
    const errors: string[] = [];
    const totalTiyn = fillLedger(rig.ledger, 20, 41);
    const original = rig.outbox.poll.bind(rig.outbox);
    rig.outbox.poll = (nowMs: number) => {
      original(nowMs);
      if (rig.outbox.lastError !== undefined && errors[errors.length - 1] !== rig.outbox.lastError)
        errors.push(rig.outbox.lastError);
    };
    await rig.syncAll(15_000);
    assert.deepEqual(front.script, [], 'every scripted fault was played');
    for (const expected of ['unreachable', 'malformed', 'too-large'])
      assert.ok(errors.includes(expected), `${expected} in ${errors.join(',')}`);
    await assertBankMatchesLedger(bank, rig, totalTiyn, 20);
  });

  it('survives the bank killed mid-batch (before and after its commit) and restarted', async function () {
    this.timeout(40_000);
    const dataDir = freshDataDir();
    dataDirs.push(dataDir);
    const [port, appPort] = [await freePort(), await freePort()];
    let child: ChildBank = await spawnBank(dataDir, port, appPort, { BANK_CRASH: 'before-commit:2' });
    cleanups.push(() => child.kill());
    const caPem = fs.readFileSync(path.join(dataDir, 'pki/ca.pem'), 'utf8');
    const rig = rigFor(child.url, caPem);
    const totalTiyn = fillLedger(rig.ledger, 24, 51);
    const syncing = rig.syncAll(35_000);
    assert.equal(await child.exited, null, "killed by SIGKILL inside the second batch's transaction");
    const heldAfterFirstCrash = rig.outbox.bankHoldsSequence;
    child = await spawnBank(dataDir, port, appPort, { BANK_CRASH: 'after-commit:2' });
    await child.exited;
    child = await spawnBank(dataDir, port, appPort);
    await syncing;
    assert.ok(heldAfterFirstCrash < rig.lastRecordSequence());
    await assertBankMatchesLedger({ ...child, caPem }, rig, totalTiyn, 24);
  });
});
