// The board's bank link on Moddable's own runtime: WorkerHttpsClient (hal/moddable/https.ts) and
// the bank worker — the SDK's HTTP client, TLS socket and DNS resolver in a Worker — against
// real HTTPS servers the test runs behind one port (test/moddable/bank-link.test.ts). One
// request per step, in order; each result is printed as a `[result] {json}` line, and the app
// ends with `exit 0` only if it got this far: an exception escaping a callback would have been
// an XS abort (exit 100+), on the board a reboot.
import Timer from 'timer';
import type { HttpsRequest, HttpsResult } from 'hal/ports';
import { WorkerHttpsClient } from 'hal/moddable/https';

declare const screen: { postMessage(message: string): void };

const AUTHORISE = JSON.stringify({ atmId: 'KZ-ALA-0001', method: 'iin', iin: '950614400011' });
const STEPS: readonly { readonly name: string; readonly request: HttpsRequest }[] = [
  { name: 'reply', request: { method: 'GET', path: '/v1/qr/no-such-session', body: undefined, timeoutMs: 20_000 } },
  { name: 'post', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'wrong-ca', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'closed-mid-reply', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'reply-over-cap', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  {
    name: 'request-over-cap',
    request: { method: 'POST', path: '/v1/deposits', body: `{"pad":"${'x'.repeat(5000)}"}`, timeoutMs: 20_000 },
  },
  { name: 'wrong-host', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'after', request: { method: 'POST', path: '/v1/authorise', body: AUTHORISE, timeoutMs: 20_000 } },
  // Three requests in a row to a server with the bank's TLS settings that counts its handshakes:
  // does the worker reuse a connection, or resume the TLS session, between requests?
  { name: 'again-1', request: { method: 'POST', path: '/v1/deposits', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'again-2', request: { method: 'POST', path: '/v1/deposits', body: AUTHORISE, timeoutMs: 20_000 } },
  { name: 'again-3', request: { method: 'POST', path: '/v1/deposits', body: AUTHORISE, timeoutMs: 20_000 } },
];
const STEP_GAP_MS = 50;

const started = Date.now();
const client = new WorkerHttpsClient(
  () => Date.now() - started,
  (where, error) => {
    trace(`[fault] ${where}: ${String(error)}\n`);
    screen.postMessage('exit 3');
  },
);

function run(index: number): void {
  if (index === STEPS.length) {
    screen.postMessage('exit 0');
    return;
  }
  const step = STEPS[index];
  const stepStarted = Date.now();
  const accepted = client.request(step.request, (result: HttpsResult) => {
    const summary = result.ok
      ? { ok: true, status: result.status, bodyBytes: result.body.length }
      : { ok: false, failure: result.failure, detail: result.detail };
    trace(`[result] ${JSON.stringify({ step: step.name, ms: Date.now() - stepStarted, ...summary })}\n`);
    Timer.set(() => run(index + 1), STEP_GAP_MS);
  });
  if (!accepted) {
    trace(`[result] ${JSON.stringify({ step: step.name, ok: false, failure: 'not-accepted' })}\n`);
    screen.postMessage('exit 2');
  }
}

run(0);
