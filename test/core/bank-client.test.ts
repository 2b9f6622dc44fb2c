import assert from 'node:assert/strict';
import type { Clock, HttpsClient, HttpsRequest, HttpsResult } from '../../hal/ports';
import { BankClient, AUTHORISE_TIMEOUT_MS, PORT_GRACE_MS } from '../../src/bank/bank-client';
import type { AuthoriseResult, QrPollResult, QrStartResult } from '../../src/bank/bank-client';

class ManualClock implements Clock {
  nowMs = 1_000;
  monotonicMs(): number {
    return this.nowMs;
  }
  wallMs(): number {
    return Number.NaN;
  }
}

/** An HTTPS port whose replies the test gives by hand; one request at a time, like the real one. */
class HandHttps implements HttpsClient {
  readonly requestBodyBytesMax = 4096;
  readonly requests: HttpsRequest[] = [];
  #onDone: ((result: HttpsResult) => void) | undefined = undefined;

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.#onDone !== undefined) return false;
    this.requests.push(request);
    this.#onDone = onDone;
    return true;
  }

  get inFlight(): boolean {
    return this.#onDone !== undefined;
  }

  reply(result: HttpsResult): void {
    const onDone = this.#onDone;
    assert.ok(onDone, 'no request in flight');
    this.#onDone = undefined;
    onDone(result);
  }

  status(status: number, body: unknown): void {
    this.reply({ ok: true, status, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }
}

const ACCOUNT = {
  customerId: 'c-aigerim',
  displayName: 'Айгерим Б.',
  sessionMaxTiyn: 50_000_000,
  bill: { billTiyn: 1_500_000, dueDate: '2026-12-05', nextBillTiyn: 1_500_000, outstandingTiyn: 0, carriedTiyn: 0 },
};

function setup() {
  const clock = new ManualClock();
  const https = new HandHttps();
  const client = new BankClient(https, clock, 'ATM-ALA-0001');
  return { clock, https, client };
}

describe('bank client (firmware side of the bank link)', () => {
  it('authorises by IIN with the exact request body and reads the account', () => {
    const { https, client } = setup();
    const results: AuthoriseResult[] = [];
    client.authorise({ method: 'iin', iin: '950614400014' }, (result) => results.push(result));
    assert.equal(https.requests.length, 1);
    assert.deepEqual(https.requests[0], {
      method: 'POST',
      path: '/v1/authorise',
      timeoutMs: AUTHORISE_TIMEOUT_MS,
      body: '{"atmId":"ATM-ALA-0001","method":"iin","iin":"950614400014"}',
    });
    assert.equal(results.length, 0, 'never answers before the port does');
    https.status(200, ACCOUNT);
    assert.deepEqual(results, [{ ok: true, account: ACCOUNT }]);
    assert.equal(client.stats.authorise, 1);
  });

  it('sends each credential under its own name only', () => {
    const { https, client } = setup();
    client.authorise({ method: 'card', cardToken: 'tok_4400' }, () => undefined);
    https.status(404, { error: 'unknown-customer' });
    client.authorise({ method: 'palm', palmTemplate: 'palm:AB12' }, () => undefined);
    https.status(404, { error: 'unknown-customer' });
    client.authorise({ method: 'qr', qrSessionId: 'q1' }, () => undefined);
    assert.deepEqual(
      https.requests.map((request) => request.body),
      [
        '{"atmId":"ATM-ALA-0001","method":"card","cardToken":"tok_4400"}',
        '{"atmId":"ATM-ALA-0001","method":"palm","palmTemplate":"palm:AB12"}',
        '{"atmId":"ATM-ALA-0001","method":"qr","qrSessionId":"q1"}',
      ],
    );
  });

  it('maps every failure to one clear error value', () => {
    const cases: [HttpsResult, string][] = [
      [{ ok: true, status: 404, body: '{"error":"unknown-customer"}' }, 'unknown-customer'],
      [{ ok: true, status: 404, body: '{"error":"no-route"}' }, 'rejected'],
      [{ ok: true, status: 400, body: '{"error":"invalid","field":"iin"}' }, 'rejected'],
      [{ ok: true, status: 403, body: '' }, 'rejected'],
      [{ ok: true, status: 503, body: 'down' }, 'unreachable'],
      [{ ok: true, status: 200, body: '{"customerId":' }, 'malformed'],
      [
        { ok: true, status: 200, body: JSON.stringify({ ...ACCOUNT, bill: { ...ACCOUNT.bill, billTiyn: 1.5 } }) },
        'malformed',
      ],
      [
        {
          ok: true,
          status: 200,
          body: JSON.stringify({ ...ACCOUNT, bill: { ...ACCOUNT.bill, outstandingTiyn: 9_999_999 } }),
        },
        'malformed',
      ],
      [{ ok: true, status: 200, body: JSON.stringify({ ...ACCOUNT, customerId: 'x'.repeat(25) }) }, 'malformed'],
      [{ ok: false, failure: 'too-large', detail: '' }, 'malformed'],
      [{ ok: false, failure: 'timeout', detail: '' }, 'timeout'],
      [{ ok: false, failure: 'connect', detail: '' }, 'unreachable'],
      [{ ok: false, failure: 'tls', detail: '' }, 'unreachable'],
    ];
    for (const [reply, expected] of cases) {
      const { https, client } = setup();
      let got: AuthoriseResult | undefined;
      client.authorise({ method: 'iin', iin: '950614400014' }, (result) => {
        got = result;
      });
      https.reply(reply);
      assert.deepEqual(got, { ok: false, error: expected }, JSON.stringify(reply));
    }
  });

  it('starts and polls a QR session', () => {
    const { https, client } = setup();
    const starts: QrStartResult[] = [];
    const polls: QrPollResult[] = [];
    client.startQr((result) => starts.push(result));
    assert.deepEqual(
      [https.requests[0].method, https.requests[0].path, https.requests[0].body],
      ['POST', '/v1/qr', '{"atmId":"ATM-ALA-0001"}'],
    );
    https.status(200, { qrSessionId: 'q7', payload: 'https://kaspi.kz/atm-red?s=q7&t=abc', expiresInMs: 120_000 });
    assert.deepEqual(starts, [
      { ok: true, qrSessionId: 'q7', payload: 'https://kaspi.kz/atm-red?s=q7&t=abc', expiresInMs: 120_000 },
    ]);
    client.pollQr('q7', (result) => polls.push(result));
    assert.deepEqual(
      [https.requests[1].method, https.requests[1].path, https.requests[1].body],
      ['GET', '/v1/qr/q7', undefined],
    );
    https.status(200, { state: 'confirmed' });
    client.pollQr('q7', (result) => polls.push(result));
    https.status(200, { state: 'gone' });
    assert.deepEqual(polls, [
      { ok: true, state: 'confirmed' },
      { ok: false, error: 'malformed' },
    ]);
  });

  it('puts a customer request ahead of a waiting deposit batch, and runs one request at a time', () => {
    const { https, client } = setup();
    const order: string[] = [];
    client.pollQr('first', () => order.push('poll'));
    assert.equal(
      client.postDeposits('{"batch":1}', () => order.push('deposit')),
      true,
    );
    assert.equal(
      client.postDeposits('{"batch":2}', () => order.push('deposit-2')),
      false,
      'one batch at a time',
    );
    client.authorise({ method: 'iin', iin: '950614400014' }, () => order.push('authorise'));
    assert.equal(https.requests.length, 1);
    https.status(200, { state: 'pending' });
    assert.equal(https.requests[1].path, '/v1/authorise', 'the customer goes before the batch');
    https.status(200, ACCOUNT);
    assert.equal(https.requests[2].path, '/v1/deposits');
    https.status(200, { ackedSequence: 3 });
    assert.deepEqual(order, ['poll', 'authorise', 'deposit']);
  });

  it('times a customer out on its own budget even while a batch holds the link', () => {
    const { clock, https, client } = setup();
    client.postDeposits('{}', () => undefined);
    let got: AuthoriseResult | undefined;
    client.authorise({ method: 'iin', iin: '950614400014' }, (result) => {
      got = result;
    });
    clock.nowMs += AUTHORISE_TIMEOUT_MS - 1;
    client.poll(clock.nowMs);
    assert.equal(got, undefined);
    clock.nowMs += 1;
    client.poll(clock.nowMs);
    assert.deepEqual(got, { ok: false, error: 'timeout' });
    https.status(200, { ackedSequence: 1 });
    assert.equal(https.requests.length, 1, 'the timed-out request was never sent');
  });

  it('abandons a request whose port never calls back, and ignores the late callback', () => {
    const { clock, https, client } = setup();
    const results: AuthoriseResult[] = [];
    client.authorise({ method: 'iin', iin: '950614400014' }, (result) => results.push(result));
    clock.nowMs += AUTHORISE_TIMEOUT_MS + PORT_GRACE_MS + 1;
    client.poll(clock.nowMs);
    assert.deepEqual(results, [{ ok: false, error: 'timeout' }]);
    https.status(200, ACCOUNT);
    assert.equal(results.length, 1, 'exactly one callback');
  });

  it('answers a request beyond its queue with an error on the next poll, never silently', () => {
    const { clock, client } = setup();
    const errors: string[] = [];
    for (let index = 0; index < 4; index++)
      client.pollQr('q', (result) => errors.push(result.ok ? 'ok' : result.error));
    assert.deepEqual(errors, []);
    client.poll(clock.nowMs);
    assert.deepEqual(errors, ['unreachable'], 'one in flight, two queued, the fourth refused');
  });
});
