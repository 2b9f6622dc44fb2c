// The bench page's server without a browser: the throttle on server-sent events, the checks on
// POST /api/act, the QR endpoint, and the test decoder checked against QR codes it did not draw.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import QRCode from 'qrcode';
import sinon from 'sinon';
import type { BenchAction, BenchMachine, BenchSnapshot } from '../../tools/bench/machine-api';
import { parseAction } from '../../tools/bench/web/actions';
import { QR_PAYLOAD_BYTES_MAX, SSE_PUSH_INTERVAL_MS, startBenchWeb, type BenchWeb } from '../../tools/bench/web/server';
import { decodeQr } from './qr-decode';

/** A machine whose snapshot the test sets and whose changes the test fires. */
class StubMachine implements BenchMachine {
  readonly actions: BenchAction[] = [];
  listeners = new Set<() => void>();
  counter = 0;
  answer: string | undefined = undefined;

  snapshot(): BenchSnapshot {
    return {
      screen: {
        id: 'counter',
        language: 'en',
        title: 'Counter',
        lines: [],
        fields: { counter: this.counter },
        qr: undefined,
      },
      power: 'on',
      network: 'up',
      validator: 'idle',
      cassette: { notes: 0, amountTiyn: 0, capacityNotes: 100 },
      ledger: [],
      ledgerStats: { head: 0, acked: 0, usedPercent: 0 },
      bank: { customers: [], receipts: [] },
      demo: { cards: [], customers: [] },
    };
  }
  async act(action: BenchAction): Promise<string | undefined> {
    this.actions.push(action);
    return this.answer;
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  consoleText(): string {
    return '';
  }
  async close(): Promise<void> {}
  bump(): void {
    this.counter += 1;
    for (const listener of this.listeners) listener();
  }
}

function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(new URL('/api/act', url), { method: 'POST', headers, body });
}

describe('bench page server (no browser)', () => {
  let machine: StubMachine;
  let web: BenchWeb;
  beforeEach(async () => {
    machine = new StubMachine();
    web = await startBenchWeb(machine, { port: 0 });
  });
  afterEach(async () => {
    await web?.close();
  });

  it('listens on 127.0.0.1 only by default', () => {
    assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('pushes at most one snapshot per 100 ms however often the machine changes, and the last one is current', async () => {
    // On sinon's fake clock: the throttle is counted in virtual milliseconds, not in how fast
    // this machine happens to run; the HTTP stream itself is real.
    await web.close();
    const clock = sinon.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    try {
      web = await startBenchWeb(machine, { port: 0 });
      const frames: number[] = [];
      const received = new Promise<void>((resolve, reject) => {
        const request = httpRequest(new URL('/api/events', web.url), (response) => {
          let buffered = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            buffered += chunk;
            for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
              const frame = buffered.slice(0, end);
              buffered = buffered.slice(end + 2);
              const data = /^data: (.*)$/m.exec(frame);
              if (data !== null) frames.push(JSON.parse(data[1]!).snapshot.screen.fields.counter);
            }
          });
          response.on('close', () => resolve());
        });
        request.on('error', reject);
        request.end();
      });
      while (frames.length === 0) await new Promise((resolve) => setImmediate(resolve)); // connected: the first frame
      const windowMs = 1000;
      const changesPerMs = 3;
      for (let elapsedMs = 0; elapsedMs < windowMs; elapsedMs++) {
        for (let change = 0; change < changesPerMs; change++) machine.bump();
        await clock.tickAsync(1);
      }
      await clock.tickAsync(2 * SSE_PUSH_INTERVAL_MS);
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      const closing = web.close();
      await clock.tickAsync(10);
      await closing;
      await received;
      assert.equal(machine.counter, windowMs * changesPerMs);
      // One on connect, one at the first change, one per interval after it, one for the last change.
      const intervals = windowMs / SSE_PUSH_INTERVAL_MS;
      assert.ok(
        frames.length >= intervals && frames.length <= 3 + intervals,
        `${frames.length} frames for ${machine.counter} changes`,
      );
      assert.equal(frames[0], 0);
      assert.equal(frames.at(-1), machine.counter);
    } finally {
      clock.restore();
    }
  });

  it('hands a checked action to the machine and returns its refusal as an error value', async () => {
    let response = await post(web.url, JSON.stringify({ kind: 'notes', notes: [20000, 'clipped'] }));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    machine.answer = 'the acceptor is closed';
    response = await post(web.url, JSON.stringify({ kind: 'jam' }));
    assert.deepEqual(await response.json(), { ok: false, error: 'the acceptor is closed' });
    assert.deepEqual(machine.actions, [{ kind: 'notes', notes: [20000, 'clipped'] }, { kind: 'jam' }]);
  });

  it('refuses bad bodies, other content types, foreign origins and big bodies before the machine sees them', async () => {
    const cases: [number, Promise<Response>][] = [
      [400, post(web.url, '{not json')],
      [400, post(web.url, JSON.stringify({ kind: 'fly' }))],
      [400, post(web.url, JSON.stringify({ kind: 'key', key: 'F5' }))],
      [400, post(web.url, JSON.stringify({ kind: 'notes', notes: [300] }))],
      [415, post(web.url, JSON.stringify({ kind: 'jam' }), { 'content-type': 'text/plain' })],
      [
        403,
        post(web.url, JSON.stringify({ kind: 'jam' }), {
          'content-type': 'application/json',
          origin: 'http://evil.example',
        }),
      ],
      [413, post(web.url, JSON.stringify({ kind: 'console', line: 'x'.repeat(5000) }))],
    ];
    for (const [status, pending] of cases) assert.equal((await pending).status, status);
    assert.deepEqual(machine.actions, []);
  });

  it('serves the page with a policy that forbids anything beyond this server', async () => {
    const response = await fetch(web.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await response.text(), /<script type="module" src="\/bench\.js">/);
    assert.equal((await fetch(new URL('/nothing', web.url))).status, 404);
  });

  it('draws a QR payload as SVG and refuses an empty or oversized one', async () => {
    const response = await fetch(new URL(`/api/qr.svg?payload=${encodeURIComponent('KASPI-QR-1')}`, web.url));
    assert.equal(response.headers.get('content-type'), 'image/svg+xml');
    assert.match(await response.text(), /^<svg[^>]*viewBox="0 0 29 29"/); // version 1 (21 modules) + 2 × 4 quiet zone
    assert.equal((await fetch(new URL('/api/qr.svg?payload=', web.url))).status, 400);
    assert.equal(
      (await fetch(new URL(`/api/qr.svg?payload=${'x'.repeat(QR_PAYLOAD_BYTES_MAX + 1)}`, web.url))).status,
      400,
    );
  });
});

describe('parseAction', () => {
  it('accepts every action kind of machine-api.ts', () => {
    const actions: BenchAction[] = [
      { kind: 'key', key: 'enter' },
      { kind: 'insert-card', cardId: 'c1' },
      { kind: 'tap-card', cardId: 'c1' },
      { kind: 'take-card' },
      { kind: 'palm', iin: 'poor-image' },
      { kind: 'phone-scan-qr', iin: '850312400128' },
      { kind: 'notes', notes: [200, 'foreign'] },
      { kind: 'power', on: false },
      { kind: 'network', up: true },
      { kind: 'jam' },
      { kind: 'cassette', state: 'full' },
      { kind: 'console', line: 'status' },
    ];
    for (const action of actions) assert.deepEqual(parseAction(JSON.stringify(action)), { ok: true, action });
  });

  it('drops fields the action does not have and refuses wrong types', () => {
    assert.deepEqual(parseAction('{"kind":"jam","extra":1}'), { ok: true, action: { kind: 'jam' } });
    assert.equal(parseAction('{"kind":"power","on":"yes"}').ok, false);
    assert.equal(parseAction('{"kind":"console","line":"a\\nb"}').ok, false);
    assert.equal(parseAction('{"kind":"notes","notes":[]}').ok, false);
    assert.equal(parseAction('[]').ok, false);
  });
});

describe('test QR decoder (checked on codes it did not draw)', () => {
  const matrixOf = (text: string) => {
    const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    return Array.from({ length: modules.size }, (_r, row) =>
      Array.from({ length: modules.size }, (_c, column) => Boolean(modules.get(row, column))),
    );
  };

  it('reads numeric, alphanumeric, byte and multi-block (versions 4–6) codes', () => {
    for (const text of [
      '01234567',
      'KASPI QR 42',
      'Оплата Kaspi Red',
      `https://kaspi.kz/atm-red/qr?s=q${'0a'.repeat(12)}&t=${'9f'.repeat(16)}`,
    ]) {
      assert.equal(decodeQr(matrixOf(text)).text, text);
    }
    assert.ok(decodeQr(matrixOf('x'.repeat(100))).version >= 5);
  });

  it('refuses a code with one data module flipped (Reed–Solomon check)', () => {
    const matrix = matrixOf('KASPI QR 42');
    matrix[20]![20] = !matrix[20]![20];
    assert.throws(() => decodeQr(matrix), /Reed–Solomon/);
  });
});
