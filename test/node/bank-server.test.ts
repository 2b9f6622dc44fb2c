import assert from 'node:assert/strict';
import https from 'node:https';
import os from 'node:os';
import { NodeHttpsClient } from '../../hal/node/https-client';
import { validateIin } from '../../src/kz/iin';

const isValidIin = (iin: string) => validateIin(iin).ok;
import { cardTokenFor, DEMO_CARDS } from '../../hal/sim/card-reader';
import { DEMO_CARDS_ISSUED, DEMO_CUSTOMERS } from '../../tools/bank/seed';
import { QR_LIFETIME_MS, startBankServer } from '../../tools/bank/server';
import type { BankServer } from '../../tools/bank/server';
import { appRequest, freshDataDir, removeDir, testCertificate } from '../../tools/bank/kit';
import { requestOnce } from '../support/bank-kit';

const ATM = 'ATM-ALA-0001';

/** An app request with no authorization header at all: its status and the challenge it names. */
function fetchAppWithoutToken(
  bank: BankServer,
  requestPath: string,
): Promise<{ status: number; authenticate: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = https.get(new URL(requestPath, bank.appUrl), { ca: bank.caPem, agent: false }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, authenticate: response.headers['www-authenticate'] }),
      );
    });
    request.on('error', reject);
  });
}

describe("demo customers and the simulator's demo cards", () => {
  it("are the cards the bank issued: Aigerim, Daniyar and Yerzhan hold the simulator's Kaspi Gold cards", () => {
    const panOf = (customerId: string) => DEMO_CARDS_ISSUED.find((card) => card.customer_id === customerId)?.pan;
    assert.equal(panOf('c-aigerim'), DEMO_CARDS.kaspiGoldVisa.pan);
    assert.equal(panOf('c-daniyar'), DEMO_CARDS.kaspiGoldVisaTrack2.pan);
    assert.equal(panOf('c-yerzhan'), DEMO_CARDS.kaspiGoldMastercard.pan);
    assert.equal(panOf('c-saule'), undefined);
    for (const card of DEMO_CARDS_ISSUED)
      assert.ok(DEMO_CUSTOMERS.some((customer) => customer.customer_id === card.customer_id));
  });
});

/** The token a card reader with the ATM's provisioned key makes of a card. */
function tokenAt(keyHex: string, pan: string): string {
  return cardTokenFor(pan, Uint8Array.from(Buffer.from(keyHex, 'hex')));
}

describe('reference bank server (tools/bank)', function () {
  this.timeout(20_000);
  let bank: BankServer;
  let dataDir: string;
  let device: NodeHttpsClient;
  let clockMs = Date.UTC(2026, 10, 25, 7, 30, 0); // 12:30 in Almaty
  const post = async (path: string, body: unknown) => {
    const result = await requestOnce(device, 'POST', path, body);
    assert.ok(result.ok, JSON.stringify(result));
    return { status: result.status, json: JSON.parse(result.body) };
  };
  const get = async (path: string) => {
    const result = await requestOnce(device, 'GET', path);
    assert.ok(result.ok, JSON.stringify(result));
    return { status: result.status, json: JSON.parse(result.body) };
  };
  const open = async () => {
    bank = await startBankServer({ dataDir, port: 0, nowMs: () => clockMs });
    // A larger request cap than the board's, so the server's own 413 can be seen.
    device = new NodeHttpsClient({
      baseUrl: bank.url,
      caPem: bank.caPem,
      requestBodyBytesMax: 64 * 1024,
      ...testCertificate(ATM),
    });
  };
  const shut = async () => {
    device.close();
    await bank.close();
  };

  before(async () => {
    dataDir = freshDataDir();
    await open();
  });
  after(async () => {
    await shut();
    removeDir(dataDir);
  });

  it('checks IINs by the Kazakh rule, and every demo customer has a valid one', () => {
    for (const customer of DEMO_CUSTOMERS) assert.ok(isValidIin(customer.iin), customer.iin);
    assert.ok(isValidIin('950614400206'), 'check digit from the second weight set');
    for (let digit = 0; digit <= 9; digit++)
      assert.ok(!isValidIin(`95061440022${digit}`), 'second sum 10 again: never issued');
    assert.ok(!isValidIin('950614400012'), 'wrong check digit');
    assert.ok(!isValidIin('951314400016'), 'month 13');
    assert.ok(
      !isValidIin('950230400015') && !isValidIin('950614000011') && !isValidIin('950614700011'),
      'impossible date or century digit',
    );
    assert.ok(!isValidIin('95061440001') && !isValidIin('9506144000111') && !isValidIin('95061440001a'));
  });

  it('authorises by IIN, card and palm with the bill, masked name and session limit', async () => {
    const expected = {
      customerId: 'c-aigerim',
      displayName: 'Айгерим Б.',
      sessionMaxTiyn: 50_000_000,
      bill: { billTiyn: 1_500_000, dueDate: '2026-12-05', nextBillTiyn: 1_500_000, outstandingTiyn: 0, carriedTiyn: 0 },
    };
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'iin', iin: '950614400011' }), {
      status: 200,
      json: expected,
    });
    const { cardTokenKeyHex } = bank.provisionAtm(ATM);
    assert.deepEqual(
      await post('/v1/authorise', {
        atmId: ATM,
        method: 'card',
        cardToken: tokenAt(cardTokenKeyHex, DEMO_CARDS.kaspiGoldVisa.pan),
      }),
      { status: 200, json: expected },
    );
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'palm', palmTemplate: 'palm-aigerim' }), {
      status: 200,
      json: expected,
    });
    const overdue = await post('/v1/authorise', { atmId: ATM, method: 'iin', iin: '791123300034' });
    assert.deepEqual(overdue.json.bill, {
      billTiyn: 1_800_000,
      dueDate: '2026-11-10',
      nextBillTiyn: 800_000,
      outstandingTiyn: 1_000_000,
      carriedTiyn: 0,
    });
    const nothingDue = await post('/v1/authorise', { atmId: ATM, method: 'iin', iin: '880302300023' });
    assert.deepEqual([nothingDue.json.bill.billTiyn, nothingDue.json.bill.dueDate], [0, '']);
  });

  it('answers unknown customers with 404 and bad bodies with clear 4xx errors', async () => {
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'iin', iin: '950614400051' }), {
      status: 404,
      json: { error: 'unknown-customer' },
    });
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'card', cardToken: 'stolen' }), {
      status: 404,
      json: { error: 'unknown-customer' },
    });
    assert.deepEqual(await post('/v1/authorise', '{"atmId":'), { status: 400, json: { error: 'bad-json' } });
    assert.deepEqual(await post('/v1/authorise', '[1]'), {
      status: 400,
      json: { error: 'bad-json', detail: 'the body must be a JSON object' },
    });
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'face' }), {
      status: 400,
      json: { error: 'invalid', field: 'method' },
    });
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'iin', iin: '12345' }), {
      status: 400,
      json: { error: 'invalid', field: 'iin' },
    });
    const huge = await post('/v1/authorise', { atmId: ATM, method: 'palm', palmTemplate: 'x'.repeat(5_000) });
    assert.deepEqual(huge, { status: 413, json: { error: 'too-large', bytesMax: 4096 } });
    const deposits = (body: object) => post('/v1/deposits', { atmId: ATM, fromSequence: 1, toSequence: 2, ...body });
    assert.deepEqual((await deposits({ toSequence: 0 })).json, { error: 'invalid', field: 'toSequence' });
    assert.deepEqual(
      (await deposits({ records: [{ sequence: 1, kind: 'note-stacked', sessionId: 1, denominationTenge: 300 }] })).json,
      { error: 'invalid', field: 'records[0].denominationTenge' },
    );
    assert.deepEqual(
      (
        await deposits({
          records: [{ sequence: 3, kind: 'doubt', sessionId: 1, denominationTenge: 200, reason: 'jam' }],
        })
      ).json,
      { error: 'invalid', field: 'records[0].sequence' },
    );
    assert.deepEqual((await deposits({ records: [{ sequence: 1, kind: 'bank-ack', ackedSequence: 0 }] })).json, {
      error: 'invalid',
      field: 'records[0].kind',
    });
    assert.deepEqual(
      (
        await deposits({
          records: [{ sequence: 1, kind: 'note-stacked', sessionId: 1, denominationTenge: 200, extra: 1 }],
        })
      ).json,
      { error: 'invalid', field: 'records[0].extra' },
    );
    assert.equal((await get('/v1/qr/nope')).status, 404);
  });

  it('runs a QR authorisation: start, pending, scanned in the app, confirmed, authorise; a second scan is refused', async () => {
    const start = await post('/v1/qr', { atmId: ATM });
    assert.equal(start.status, 200);
    assert.equal(start.json.expiresInMs, QR_LIFETIME_MS);
    assert.match(start.json.payload, /^https:\/\/kaspi\.kz\/atm-red\/qr\?s=q[0-9a-f]{24}&t=[0-9a-f]{32}$/);
    const id = start.json.qrSessionId;
    assert.deepEqual((await get(`/v1/qr/${id}`)).json, { state: 'pending' });
    assert.deepEqual(
      (await post('/v1/authorise', { atmId: ATM, method: 'qr', qrSessionId: id })).status,
      404,
      'not before the scan',
    );
    const forged = await appRequest(bank, 'POST', '/app/qr/scan', {
      payload: start.json.payload.replace(/t=./, 't=0'),
      iin: '950614400011',
    });
    assert.equal(forged.status, 404, 'the token must match');
    const scan = await appRequest(bank, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '950614400011' });
    assert.deepEqual(scan, { status: 200, json: { state: 'confirmed', atmId: ATM } });
    assert.deepEqual((await get(`/v1/qr/${id}`)).json, { state: 'confirmed' });
    const authorised = await post('/v1/authorise', { atmId: ATM, method: 'qr', qrSessionId: id });
    assert.deepEqual([authorised.status, authorised.json.customerId], [200, 'c-aigerim']);
    const again = await appRequest(bank, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '880302300023' });
    assert.deepEqual(again.status, 409);
  });

  it('expires an unscanned QR session after its lifetime, and lets the app cancel one', async () => {
    const start = await post('/v1/qr', { atmId: ATM });
    clockMs += QR_LIFETIME_MS;
    assert.deepEqual((await get(`/v1/qr/${start.json.qrSessionId}`)).json, { state: 'expired' });
    const late = await appRequest(bank, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '950614400011' });
    assert.deepEqual(late.json, { error: 'expired', state: 'expired' });
    const other = await post('/v1/qr', { atmId: ATM });
    await appRequest(bank, 'POST', '/app/qr/scan', {
      payload: other.json.payload,
      iin: '950614400011',
      action: 'cancel',
    });
    assert.deepEqual((await get(`/v1/qr/${other.json.qrSessionId}`)).json, { state: 'cancelled' });
  });

  it('credits the FAQ payment (15 000 ₸ bill, 20 000 ₸ paid → next bill 10 000 ₸) and issues one receipt with every required field', async () => {
    const records = [
      {
        sequence: 1,
        kind: 'session-opened',
        sessionId: 41,
        method: 'iin',
        customerId: 'c-aigerim',
        billTiyn: 1_500_000,
        wallMs: null,
      },
      { sequence: 2, kind: 'note-escrowed', sessionId: 41, denominationTenge: 10000 },
      { sequence: 3, kind: 'note-stacked', sessionId: 41, denominationTenge: 10000 },
      { sequence: 4, kind: 'note-escrowed', sessionId: 41, denominationTenge: 5000 },
      { sequence: 5, kind: 'note-stacked', sessionId: 41, denominationTenge: 5000 },
      { sequence: 6, kind: 'note-stacked', sessionId: 41, denominationTenge: 5000 },
      { sequence: 7, kind: 'note-returned', sessionId: 41, denominationTenge: 200 },
      {
        sequence: 9,
        kind: 'session-closed',
        sessionId: 41,
        outcome: 'completed',
        depositedTiyn: 2_000_000,
        toBillTiyn: 1_500_000,
        toNextTiyn: 500_000,
      },
    ];
    clockMs = Date.UTC(2026, 10, 25, 7, 30, 0);
    assert.deepEqual(await post('/v1/deposits', { atmId: ATM, fromSequence: 1, toSequence: 9, records }), {
      status: 200,
      json: { ackedSequence: 9 },
    });
    const receipt = await get(`/v1/receipts/${ATM}/41`);
    assert.equal(receipt.status, 200);
    assert.deepEqual(receipt.json, {
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
      notes: [
        { denominationTenge: 10000, count: 1 },
        { denominationTenge: 5000, count: 2 },
      ],
      toBillTiyn: 1_500_000,
      toNextTiyn: 500_000,
      billLeftTiyn: 0,
      nextBillTiyn: 1_000_000,
      carriedTiyn: 0,
      sessionOutcome: 'completed',
    });
    const app = await appRequest(bank, 'GET', '/app/customers/950614400011');
    assert.deepEqual(app.json.bill, {
      billTiyn: 0,
      dueDate: '',
      nextBillTiyn: 1_000_000,
      outstandingTiyn: 0,
      carriedTiyn: 0,
    });
    assert.equal(app.json.receipts.length, 1);
    assert.equal(app.json.receipts[0].receiptNumber, 1);
    const totals = await appRequest(bank, 'GET', `/admin/totals?atmId=${ATM}`);
    assert.deepEqual(
      [totals.json.notes, totals.json.tiyn, totals.json.byDenomination, totals.json.receipts],
      [3, 2_000_000, { 5000: 2, 10000: 1 }, 1],
    );
  });

  it('applies a batch exactly once: duplicates and overlaps apply only what is new; a gap applies nothing', async () => {
    const session = [
      {
        sequence: 10,
        kind: 'session-opened',
        sessionId: 42,
        method: 'card',
        customerId: 'c-yerzhan',
        billTiyn: 1_800_000,
        wallMs: 1.5e12,
      },
      { sequence: 11, kind: 'note-stacked', sessionId: 42, denominationTenge: 2000 },
    ];
    const batch = { atmId: ATM, fromSequence: 10, toSequence: 11, records: session };
    assert.deepEqual((await post('/v1/deposits', batch)).json, { ackedSequence: 11 });
    assert.deepEqual(
      (await post('/v1/deposits', batch)).json,
      { ackedSequence: 11 },
      'a duplicate is acknowledged, not applied',
    );
    const gap = await post('/v1/deposits', {
      atmId: ATM,
      fromSequence: 14,
      toSequence: 14,
      records: [{ sequence: 14, kind: 'note-stacked', sessionId: 42, denominationTenge: 20000 }],
    });
    assert.deepEqual(gap, { status: 409, json: { error: 'gap', ackedSequence: 11 } });
    const overlap = {
      atmId: ATM,
      fromSequence: 10,
      toSequence: 13,
      records: [
        ...session,
        { sequence: 12, kind: 'note-stacked', sessionId: 42, denominationTenge: 1000 },
        { sequence: 13, kind: 'doubt', sessionId: 42, denominationTenge: 5000, reason: 'power-cut-in-stacker' },
      ],
    };
    assert.deepEqual((await post('/v1/deposits', overlap)).json, { ackedSequence: 13 });
    const app = await appRequest(bank, 'GET', '/app/customers/791123300034');
    // 3 000 ₸ against 18 000 ₸ due (10 000 ₸ of it overdue): all of it to the overdue part.
    assert.deepEqual(app.json.bill, {
      billTiyn: 1_500_000,
      dueDate: '2026-11-10',
      nextBillTiyn: 800_000,
      outstandingTiyn: 700_000,
      carriedTiyn: 0,
    });
    const totals = await appRequest(bank, 'GET', `/admin/totals?atmId=${ATM}`);
    assert.deepEqual([totals.json.storedSequence, totals.json.notes, totals.json.doubts], [13, 5, 1]);
  });

  it('answers the app and admin side only with its token: no bill, receipt or QR confirmation for anyone else', async () => {
    const refused = { status: 401, json: { error: 'unauthorised' } };
    const stranger = { ...bank, appToken: 'not-the-token' };
    assert.deepEqual(await appRequest(stranger, 'GET', '/app/customers/950614400011'), refused);
    assert.deepEqual(await appRequest(stranger, 'GET', `/admin/totals?atmId=${ATM}`), refused);
    assert.deepEqual(
      await appRequest({ ...bank, appToken: bank.appToken.slice(1) }, 'GET', `/admin/notes?atmId=${ATM}`),
      refused,
    );
    const start = await post('/v1/qr', { atmId: ATM });
    assert.deepEqual(
      await appRequest(stranger, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '950614400011' }),
      refused,
    );
    assert.deepEqual(
      (await get(`/v1/qr/${start.json.qrSessionId}`)).json,
      { state: 'pending' },
      'the refused scan confirmed nothing',
    );
    const noHeader = await fetchAppWithoutToken(bank, '/app/customers/950614400011');
    assert.deepEqual(noHeader, { status: 401, authenticate: 'Bearer' });
    assert.equal((await appRequest(bank, 'GET', '/app/customers/950614400011')).status, 200);
  });

  it('authorises once per QR scan: a confirmed session spent on one authorisation cannot authorise again', async () => {
    const start = await post('/v1/qr', { atmId: ATM });
    const id = start.json.qrSessionId;
    assert.equal(
      (await appRequest(bank, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '950614400011' })).status,
      200,
    );
    const first = await post('/v1/authorise', { atmId: ATM, method: 'qr', qrSessionId: id });
    assert.deepEqual([first.status, first.json.customerId], [200, 'c-aigerim']);
    clockMs += 60_000; // well inside the 10 minutes the session could authorise in before
    assert.deepEqual(await post('/v1/authorise', { atmId: ATM, method: 'qr', qrSessionId: id }), {
      status: 404,
      json: { error: 'unknown-customer' },
    });
    assert.deepEqual((await get(`/v1/qr/${id}`)).json, { state: 'used' });
    assert.equal(
      (await appRequest(bank, 'POST', '/app/qr/scan', { payload: start.json.payload, iin: '950614400011' })).status,
      409,
    );
  });

  it('refuses a certificate of its own CA for an ATM it never provisioned, and creates nothing for it', async () => {
    const stranger = new NodeHttpsClient({ baseUrl: bank.url, caPem: bank.caPem, ...testCertificate('ATM-NEW-0001') });
    try {
      const batch = {
        atmId: 'ATM-NEW-0001',
        fromSequence: 1,
        toSequence: 1,
        records: [{ sequence: 1, kind: 'note-stacked', sessionId: 1, denominationTenge: 20000 }],
      };
      const unknownAtm = { ok: true, status: 403, body: '{"error":"unknown-atm"}' };
      assert.deepEqual(await requestOnce(stranger, 'POST', '/v1/deposits', batch), unknownAtm);
      assert.deepEqual(
        await requestOnce(stranger, 'POST', '/v1/authorise', {
          atmId: 'ATM-NEW-0001',
          method: 'iin',
          iin: '950614400011',
        }),
        unknownAtm,
      );
      assert.deepEqual(await requestOnce(stranger, 'POST', '/v1/qr', { atmId: 'ATM-NEW-0001' }), unknownAtm);
      assert.deepEqual(await requestOnce(stranger, 'GET', '/v1/receipts/ATM-NEW-0001/1'), unknownAtm);
      const totals = await appRequest(bank, 'GET', '/admin/totals?atmId=ATM-NEW-0001');
      assert.deepEqual(
        [totals.json.storedSequence, totals.json.records, totals.json.doubts],
        [0, 0, 0],
        'nothing was stored for it',
      );
    } finally {
      stranger.close();
    }
    const provisioned = new NodeHttpsClient({
      baseUrl: bank.url,
      caPem: bank.caPem,
      ...bank.provisionAtm('ATM-NEW-0002', { address: 'Шымкент' }),
    });
    try {
      const reply = await requestOnce(provisioned, 'POST', '/v1/authorise', {
        atmId: 'ATM-NEW-0002',
        method: 'iin',
        iin: '950614400011',
      });
      assert.deepEqual(reply.ok && reply.status, 200, 'a provisioned ATM is served');
    } finally {
      provisioned.close();
    }
  });

  it("knows a card by the token the ATM's own key makes: each ATM its own key, a token from one finds nobody at another", async () => {
    const here = bank.provisionAtm(ATM);
    const there = bank.provisionAtm('ATM-AST-0001');
    assert.match(here.cardTokenKeyHex, /^[0-9a-f]{64}$/);
    assert.notEqual(here.cardTokenKeyHex, there.cardTokenKeyHex);
    assert.equal(
      bank.provisionAtm(ATM).cardTokenKeyHex,
      here.cardTokenKeyHex,
      "re-provisioning keeps the machine's key",
    );
    const pan = DEMO_CARDS.kaspiGoldMastercard.pan;
    const astana = new NodeHttpsClient({ baseUrl: bank.url, caPem: bank.caPem, ...there });
    try {
      /** Who the bank finds for the card's token made with `keyHex`, asked by `client` as `atmId`. */
      const who = async (client: NodeHttpsClient, atmId: string, keyHex: string) => {
        const result = await requestOnce(client, 'POST', '/v1/authorise', {
          atmId,
          method: 'card',
          cardToken: tokenAt(keyHex, pan),
        });
        assert.ok(result.ok, JSON.stringify(result));
        const body = JSON.parse(result.body) as { customerId?: string; error?: string };
        return `${result.status} ${body.customerId ?? body.error}`;
      };
      assert.equal(await who(device, ATM, here.cardTokenKeyHex), '200 c-yerzhan');
      assert.equal(await who(astana, 'ATM-AST-0001', there.cardTokenKeyHex), '200 c-yerzhan');
      assert.equal(await who(astana, 'ATM-AST-0001', here.cardTokenKeyHex), '404 unknown-customer');
      assert.equal(await who(device, ATM, there.cardTokenKeyHex), '404 unknown-customer');
    } finally {
      astana.close();
    }
  });

  it('keeps everything across a restart: books, stored sequence, CA', async () => {
    const caBefore = bank.caPem;
    const keyBefore = bank.provisionAtm(ATM).cardTokenKeyHex;
    await shut();
    await open();
    assert.equal(bank.caPem, caBefore);
    assert.equal(bank.provisionAtm(ATM).cardTokenKeyHex, keyBefore, "the machine's card key too");
    const totals = await appRequest(bank, 'GET', `/admin/totals?atmId=${ATM}`);
    assert.deepEqual([totals.json.storedSequence, totals.json.notes, totals.json.tiyn], [13, 5, 2_300_000]);
    const app = await appRequest(bank, 'GET', '/app/customers/950614400011');
    assert.equal(app.json.bill.nextBillTiyn, 1_000_000);
    assert.equal((await get(`/v1/receipts/${ATM}/41`)).json.receiptNumber, 1);
  });
});

describe('reference bank listeners', function () {
  this.timeout(20_000);

  it('keeps the app and admin listener on loopback when the device listener is opened to the network', async () => {
    const dataDir = freshDataDir();
    const bank = await startBankServer({ dataDir, port: 0, host: '0.0.0.0' });
    try {
      assert.match(bank.url, /^https:\/\/0\.0\.0\.0:\d+$/);
      assert.match(bank.appUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await appRequest(bank, 'GET', '/app/customers/950614400011')).status, 200);
      // Where the machine has a network address, the app port is not reachable on it.
      const lan = Object.values(os.networkInterfaces())
        .flat()
        .find((address) => address?.family === 'IPv4' && !address.internal);
      if (lan !== undefined) {
        const outside = { ...bank, appUrl: bank.appUrl.replace('127.0.0.1', lan.address) };
        await assert.rejects(appRequest(outside, 'GET', '/app/customers/950614400011'), /ECONNREFUSED/);
      }
    } finally {
      await bank.close();
      removeDir(dataDir);
    }
  });
});
