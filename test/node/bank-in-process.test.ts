import assert from 'node:assert/strict';
import type { HttpsRequest, HttpsResult } from '../../hal/ports';
import { SimBankLink } from '../../hal/sim/bank-link';
import { SeededRandom } from '../../hal/sim/peripherals';
import { VirtualClock } from '../../hal/sim/world';
import { deviceHandler, inProcessBank } from '../../tools/bank/in-process';
import type { Json } from '../../tools/bank/kit';
import type { InProcessBank } from '../../tools/bank/in-process';
import { DEMO_CUSTOMERS } from '../../tools/bank/seed';

const ATM = 'ATM-ALA-0001';
const FAQ_IIN = '950614400011';
/** 12:30 in Almaty (UTC+5). */
const BANK_START_MS = Date.UTC(2026, 10, 25, 7, 30, 0);

// The FAQ (docs/design.md): a 15 000 ₸ bill, 20 000 ₸ deposited as 4 × 5 000 ₸ → the next bill is 10 000 ₸.
const FAQ_RECORDS = [
  {
    sequence: 1,
    kind: 'session-opened',
    sessionId: 7,
    method: 'iin',
    customerId: 'c-aigerim',
    billTiyn: 1_500_000,
    wallMs: null,
  },
  { sequence: 2, kind: 'note-stacked', sessionId: 7, denominationTenge: 5000 },
  { sequence: 3, kind: 'note-stacked', sessionId: 7, denominationTenge: 5000 },
  { sequence: 4, kind: 'note-stacked', sessionId: 7, denominationTenge: 5000 },
  { sequence: 5, kind: 'note-stacked', sessionId: 7, denominationTenge: 5000 },
  {
    sequence: 6,
    kind: 'session-closed',
    sessionId: 7,
    outcome: 'completed',
    depositedTiyn: 2_000_000,
    toBillTiyn: 1_500_000,
    toNextTiyn: 500_000,
  },
];
const FAQ_BATCH = JSON.stringify({ atmId: ATM, fromSequence: 1, toSequence: 6, records: FAQ_RECORDS });

/** What API.md promises the invariant checker: every customer's bill moved by exactly what was credited to them. */
function assertBooksBalance(bank: InProcessBank): void {
  const books = bank.store.books(ATM);
  for (const start of DEMO_CUSTOMERS) {
    const now = books.bills.find((bill) => bill.customerId === start.customer_id)!;
    const credits = books.notes.filter((note) => note.customerId === start.customer_id);
    const toBillTiyn = credits.reduce((sum, note) => sum + note.toBillTiyn, 0);
    const toNextTiyn = credits.reduce((sum, note) => sum + note.toNextTiyn, 0);
    assert.equal(
      toBillTiyn + toNextTiyn,
      credits.reduce((sum, note) => sum + note.denominationTenge * 100, 0),
    );
    assert.equal(start.bill_tiyn - now.billTiyn, toBillTiyn, start.customer_id);
    assert.equal(
      start.next_bill_tiyn - now.nextBillTiyn + now.carriedTiyn - start.carried_tiyn,
      toNextTiyn,
      start.customer_id,
    );
  }
}

describe('reference bank in process (tools/bank/in-process: no TLS, no sockets, virtual time)', () => {
  let bank: InProcessBank;
  let bankNowMs = BANK_START_MS;
  const call = (method: 'GET' | 'POST', path: string, body?: string) =>
    bank.handler({ method, path, body, timeoutMs: 10_000 });
  const json = (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const reply = call(method, path, body === undefined ? undefined : JSON.stringify(body));
    return { status: reply.status, json: JSON.parse(reply.body) as Json };
  };

  beforeEach(() => {
    bankNowMs = BANK_START_MS;
    bank = inProcessBank({ atmId: ATM, nowMs: () => bankNowMs, seed: 8 });
  });
  afterEach(() => {
    // Every test ends with no bug hidden behind a 500.
    assert.equal(bank.api.internalErrors, 0, String(bank.api.lastInternalError));
    bank.close();
  });

  it('runs the FAQ: authorise by IIN, 4 × 5 000 ₸ stacked → next bill 10 000 ₸, one receipt', () => {
    // Byte for byte the authorisation reply of API.md.
    assert.deepEqual(call('POST', '/v1/authorise', `{"atmId":"${ATM}","method":"iin","iin":"${FAQ_IIN}"}`), {
      status: 200,
      body:
        '{"customerId":"c-aigerim","displayName":"Айгерим Б.",' +
        '"bill":{"billTiyn":1500000,"dueDate":"2026-12-05","nextBillTiyn":1500000,"outstandingTiyn":0,"carriedTiyn":0},' +
        '"sessionMaxTiyn":50000000}',
    });
    assert.deepEqual(call('POST', '/v1/deposits', FAQ_BATCH), { status: 200, body: '{"ackedSequence":6}' });
    const after = json('POST', '/v1/authorise', { atmId: ATM, method: 'iin', iin: FAQ_IIN });
    assert.deepEqual(after.json.bill, {
      billTiyn: 0,
      dueDate: '',
      nextBillTiyn: 1_000_000,
      outstandingTiyn: 0,
      carriedTiyn: 0,
    });
    assert.deepEqual(json('GET', `/v1/receipts/${ATM}/7`), {
      status: 200,
      json: {
        title: 'Электронный чек / Электрондық чек',
        issuer: 'АО «Kaspi Bank»',
        receiptNumber: 1,
        transactionId: 'ATM-ALA-0001-1',
        atmId: ATM,
        atmAddress: 'Алматы, пр. Абая, 52, ТРЦ, 1 этаж',
        issuedAt: '2026-11-25T12:30:00+05:00',
        customer: { name: 'Айгерим Б.', iin: '95********11' },
        payment: { service: 'Kaspi Red', billTiyn: 1_500_000, dueDate: '2026-12-05', authorisedBy: 'iin' },
        depositedTiyn: 2_000_000,
        notes: [{ denominationTenge: 5000, count: 4 }],
        toBillTiyn: 1_500_000,
        toNextTiyn: 500_000,
        billLeftTiyn: 0,
        nextBillTiyn: 1_000_000,
        carriedTiyn: 0,
        sessionOutcome: 'completed',
      },
    });
    // The books the invariant checker reads: every credited note by (atm, sequence), whose, how split.
    const books = bank.store.books(ATM);
    assert.equal(books.storedSequence, 6);
    assert.deepEqual(
      books.notes.map((note) => [
        note.sequence,
        note.sessionId,
        note.openedSequence,
        note.customerId,
        note.denominationTenge,
        note.toBillTiyn,
        note.toNextTiyn,
      ]),
      [
        [2, 7, 1, 'c-aigerim', 5000, 500_000, 0],
        [3, 7, 1, 'c-aigerim', 5000, 500_000, 0],
        [4, 7, 1, 'c-aigerim', 5000, 500_000, 0],
        [5, 7, 1, 'c-aigerim', 5000, 0, 500_000],
      ],
    );
    assert.deepEqual(
      books.receipts.map((receipt) => [
        receipt.receiptNumber,
        receipt.sessionId,
        receipt.openedSequence,
        receipt.customerId,
        receipt.receipt.depositedTiyn,
      ]),
      [[1, 7, 1, 'c-aigerim', 2_000_000]],
    );
    assert.deepEqual([books.doubts, books.anomalies], [[], []]);
    assert.deepEqual(
      books.bills.find((bill) => bill.customerId === 'c-aigerim'),
      {
        customerId: 'c-aigerim',
        billTiyn: 0,
        outstandingTiyn: 0,
        nextBillTiyn: 1_000_000,
        carriedTiyn: 0,
        dueDate: '2026-12-05',
      },
    );
    // The other customers are untouched.
    for (const customer of DEMO_CUSTOMERS.filter((row) => row.customer_id !== 'c-aigerim')) {
      const bill = books.bills.find((row) => row.customerId === customer.customer_id)!;
      assert.deepEqual(
        [bill.billTiyn, bill.nextBillTiyn, bill.carriedTiyn],
        [customer.bill_tiyn, customer.next_bill_tiyn, customer.carried_tiyn],
      );
    }
    assert.deepEqual(json('GET', `/admin/totals?atmId=${ATM}`).status, 404, 'the device side has no admin routes');
    assert.deepEqual(bank.api.app('GET', `/admin/notes?atmId=${ATM}`, undefined).body, {
      notes: ['2:7:5000', '3:7:5000', '4:7:5000', '5:7:5000'],
    });
  });

  it('applies a replayed, duplicated or overlapping batch once; a gap applies nothing', () => {
    assert.equal(call('POST', '/v1/deposits', FAQ_BATCH).body, '{"ackedSequence":6}');
    assert.equal(
      call('POST', '/v1/deposits', FAQ_BATCH).body,
      '{"ackedSequence":6}',
      'a replay is acknowledged, not applied',
    );
    const stale = JSON.stringify({ atmId: ATM, fromSequence: 1, toSequence: 3, records: FAQ_RECORDS.slice(0, 3) });
    assert.equal(call('POST', '/v1/deposits', stale).body, '{"ackedSequence":6}', 'a stale batch never lowers the ack');
    const gap = JSON.stringify({
      atmId: ATM,
      fromSequence: 9,
      toSequence: 9,
      records: [{ sequence: 9, kind: 'note-stacked', sessionId: 7, denominationTenge: 200 }],
    });
    assert.deepEqual(call('POST', '/v1/deposits', gap), { status: 409, body: '{"error":"gap","ackedSequence":6}' });
    const session = [
      {
        sequence: 7,
        kind: 'session-opened',
        sessionId: 8,
        method: 'card',
        customerId: 'c-aigerim',
        billTiyn: 0,
        wallMs: 1.7e12,
      },
      { sequence: 8, kind: 'note-stacked', sessionId: 8, denominationTenge: 1000 },
    ];
    const overlap = JSON.stringify({
      atmId: ATM,
      fromSequence: 1,
      toSequence: 8,
      records: [...FAQ_RECORDS, ...session],
    });
    assert.equal(call('POST', '/v1/deposits', overlap).body, '{"ackedSequence":8}');
    assert.deepEqual(bank.store.notes(ATM, 0, 100), ['2:7:5000', '3:7:5000', '4:7:5000', '5:7:5000', '8:8:1000']);
    const totals = bank.store.totals(ATM);
    assert.deepEqual([totals.notes, totals.tiyn, totals.receipts, totals.records], [5, 2_100_000, 1, 8]);
    assert.equal(bank.store.bills().find((bill) => bill.customerId === 'c-aigerim')!.nextBillTiyn, 900_000);
    assertBooksBalance(bank);
  });

  it('behind SimBankLink: a duplicated request and a lost reply still credit once, and the retry is acknowledged', () => {
    const clock = new VirtualClock();
    const link = new SimBankLink(clock, new SeededRandom(3), bank.handler);
    const send = (request: HttpsRequest): HttpsResult => {
      let result: HttpsResult | undefined;
      assert.ok(
        link.request(request, (done) => {
          result = done;
        }),
      );
      for (let stepCount = 0; result === undefined; stepCount++) {
        assert.ok(stepCount < 20, 'the link settles in a few events');
        // After a lost reply nextEventMs() stays at the reply's time, not the deadline: step on by a second.
        clock.nowMs = Math.max(link.nextEventMs(), clock.nowMs + 1_000);
        link.step(clock.nowMs);
      }
      return result;
    };
    const deposit: HttpsRequest = { method: 'POST', path: '/v1/deposits', body: FAQ_BATCH, timeoutMs: 5_000 };
    link.faults = { ...link.faults, duplicateProbability: 1, lostReplyProbability: 1 };
    assert.deepEqual(send(deposit), { ok: false, failure: 'timeout', detail: 'no reply in 5000 ms' });
    assert.deepEqual([link.counts.duplicates, link.counts.lostReplies], [1, 1]);
    link.faults = { ...link.faults, duplicateProbability: 0, lostReplyProbability: 0 };
    assert.deepEqual(send(deposit), { ok: true, status: 200, body: '{"ackedSequence":6}' });
    const totals = bank.store.totals(ATM);
    assert.deepEqual([totals.notes, totals.tiyn, totals.receipts], [4, 2_000_000, 1], 'three deliveries, one credit');
  });

  it('answers what it cannot parse with a 400 and never throws; checks atmId, routes and sizes like the device listener', () => {
    assert.deepEqual(call('POST', '/v1/deposits', '{"atmId":'), { status: 400, body: '{"error":"bad-json"}' });
    assert.deepEqual(call('POST', '/v1/authorise', '\u0000\uffff'), { status: 400, body: '{"error":"bad-json"}' });
    assert.deepEqual(call('POST', '/v1/authorise'), { status: 400, body: '{"error":"bad-json"}' }, 'no body at all');
    assert.deepEqual(call('POST', '/v1/qr', '[1]'), {
      status: 400,
      body: '{"error":"bad-json","detail":"the body must be a JSON object"}',
    });
    assert.deepEqual(call('POST', '/v1/qr', 'null'), {
      status: 400,
      body: '{"error":"bad-json","detail":"the body must be a JSON object"}',
    });
    assert.deepEqual(
      json('POST', '/v1/deposits', {
        atmId: ATM,
        fromSequence: 1,
        toSequence: 1,
        records: [{ sequence: 1, kind: 'note-stacked', sessionId: 1, denominationTenge: 300 }],
      }),
      { status: 400, json: { error: 'invalid', field: 'records[0].denominationTenge' } },
    );
    assert.deepEqual(json('POST', '/v1/deposits', { atmId: ATM, fromSequence: 1, toSequence: 1, records: 'x' }), {
      status: 400,
      json: { error: 'invalid', field: 'records' },
    });
    assert.deepEqual(json('POST', '/v1/authorise', { atmId: 'ATM-AST-0001', method: 'iin', iin: FAQ_IIN }), {
      status: 403,
      json: { error: 'atm-mismatch' },
    });
    assert.deepEqual(json('GET', '/v1/receipts/ATM-AST-0001/7'), { status: 403, json: { error: 'atm-mismatch' } });
    // A handler for an ATM this bank never provisioned: refused whole, nothing created for it.
    const stranger = deviceHandler(bank.api, 'ATM-NEW-0001');
    const batch = JSON.stringify({
      atmId: 'ATM-NEW-0001',
      fromSequence: 1,
      toSequence: 1,
      records: [{ sequence: 1, kind: 'note-stacked', sessionId: 1, denominationTenge: 200 }],
    });
    assert.deepEqual(stranger({ method: 'POST', path: '/v1/deposits', body: batch, timeoutMs: 1 }), {
      status: 403,
      body: '{"error":"unknown-atm"}',
    });
    assert.equal(bank.store.atmKnown('ATM-NEW-0001'), false);
    assert.deepEqual(json('GET', '/v1/deposits'), { status: 404, json: { error: 'no-route' } });
    assert.deepEqual(json('POST', '/v1/nowhere', {}), { status: 404, json: { error: 'no-route' } });
    assert.deepEqual(json('GET', `/v1/receipts/${ATM}/7`), { status: 404, json: { error: 'no-receipt' } });
    const huge = json('POST', '/v1/authorise', { atmId: ATM, method: 'palm', palmTemplate: 'x'.repeat(5_000) });
    assert.deepEqual(huge, { status: 413, json: { error: 'too-large', bytesMax: 4096 } });
    assert.equal(bank.store.totals(ATM).records, 0, 'nothing was applied');
  });

  it('stores doubts "to reconcile" with the session\'s customer, and a stacked note with no session as a no-customer doubt', () => {
    const records = [
      {
        sequence: 1,
        kind: 'session-opened',
        sessionId: 3,
        method: 'palm',
        customerId: 'c-yerzhan',
        billTiyn: 1_800_000,
        wallMs: null,
      },
      { sequence: 2, kind: 'doubt', sessionId: 3, denominationTenge: 10000, reason: 'power-cut-in-stacker' },
      { sequence: 3, kind: 'note-stacked', sessionId: 99, denominationTenge: 2000 },
    ];
    assert.equal(
      json('POST', '/v1/deposits', { atmId: ATM, fromSequence: 1, toSequence: 3, records }).json.ackedSequence,
      3,
    );
    assert.deepEqual(bank.store.doubts(ATM), [
      {
        sequence: 2,
        sessionId: 3,
        customerId: 'c-yerzhan',
        denominationTenge: 10000,
        reason: 'power-cut-in-stacker',
        state: 'to-reconcile',
      },
      {
        sequence: 3,
        sessionId: 99,
        customerId: null,
        denominationTenge: 2000,
        reason: 'no-customer',
        state: 'to-reconcile',
      },
    ]);
    assert.deepEqual(bank.store.creditedNotes(ATM, 0), [], 'nothing credited for a doubt');
    assert.deepEqual(bank.store.anomalies(ATM), ['3:stacked-without-customer']);
  });

  it('replays exactly from its seed: QR ids and tokens come from the seed, expiry from the injected clock', () => {
    const start = () => json('POST', '/v1/qr', { atmId: ATM }).json;
    const first = start();
    assert.match(first.payload, /^https:\/\/kaspi\.kz\/atm-red\/qr\?s=q[0-9a-f]{24}&t=[0-9a-f]{32}$/);
    const twin = inProcessBank({ atmId: ATM, nowMs: () => bankNowMs, seed: 8 });
    const other = inProcessBank({ atmId: ATM, nowMs: () => bankNowMs, seed: 9 });
    try {
      const qrOf = (twinBank: InProcessBank) =>
        JSON.parse(twinBank.handler({ method: 'POST', path: '/v1/qr', body: `{"atmId":"${ATM}"}`, timeoutMs: 1 }).body);
      assert.deepEqual(qrOf(twin), first, 'the same seed, the same session');
      assert.notEqual(qrOf(other).payload, first.payload);
    } finally {
      twin.close();
      other.close();
    }
    // The phone confirms through the app side; the ATM polls and authorises on the device side.
    assert.deepEqual(bank.api.app('POST', '/app/qr/scan', JSON.stringify({ payload: first.payload, iin: FAQ_IIN })), {
      status: 200,
      body: { state: 'confirmed', atmId: ATM },
    });
    assert.deepEqual(json('GET', `/v1/qr/${first.qrSessionId}`).json, { state: 'confirmed' });
    assert.equal(
      json('POST', '/v1/authorise', { atmId: ATM, method: 'qr', qrSessionId: first.qrSessionId }).json.customerId,
      'c-aigerim',
    );
    const late = start();
    bankNowMs += 120_000;
    assert.deepEqual(json('GET', `/v1/qr/${late.qrSessionId}`).json, { state: 'expired' }, 'virtual time expires it');
  });

  it("keeps its books through 1 000 sessions of 4 notes, each authorised and deposited (its speed is npm run budget's bank section)", () => {
    const sessions = 1_000;
    let sequence = 0;
    for (let sessionId = 1; sessionId <= sessions; sessionId++) {
      assert.equal(call('POST', '/v1/authorise', `{"atmId":"${ATM}","method":"iin","iin":"010130600048"}`).status, 200);
      const fromSequence = sequence + 1;
      const records: object[] = [
        {
          sequence: ++sequence,
          kind: 'session-opened',
          sessionId,
          method: 'iin',
          customerId: 'c-saule',
          billTiyn: 0,
          wallMs: null,
        },
      ];
      for (let note = 0; note < 4; note++)
        records.push({ sequence: ++sequence, kind: 'note-stacked', sessionId, denominationTenge: 1000 });
      records.push({
        sequence: ++sequence,
        kind: 'session-closed',
        sessionId,
        outcome: 'completed',
        depositedTiyn: 400_000,
        toBillTiyn: 0,
        toNextTiyn: 400_000,
      });
      assert.equal(
        call('POST', '/v1/deposits', JSON.stringify({ atmId: ATM, fromSequence, toSequence: sequence, records }))
          .status,
        200,
      );
    }
    const totals = bank.store.totals(ATM);
    assert.deepEqual([totals.notes, totals.receipts, totals.storedSequence], [4 * sessions, sessions, 6 * sessions]);
    // Saule starts with 3 000 ₸ carried: every note adds to it.
    assert.equal(
      bank.store.bills().find((bill) => bill.customerId === 'c-saule')!.carriedTiyn,
      300_000 + sessions * 400_000,
    );
    assertBooksBalance(bank);
  });
});
