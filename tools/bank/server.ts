// The reference bank: HTTPS with its own CA (pki.ts), SQLite books (store.ts), the API of
// tools/bank/API.md. Two listeners:
//   device port — mutual TLS: only a certificate from the bank's CA gets a TLS session at
//                 all, and its CN is the ATM id every body's atmId must match;
//   app port    — server-authenticated TLS only: the phone app's side (scan a QR, see the
//                 bill and receipts) and /admin for tests and the bench.
import crypto from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { recordProblem, isCustomerId, CREDENTIAL_CHARS_MAX } from '../../src/bank/wire';
import { isValidIin, maskIin } from './iin';
import { ATM_ID_PATTERN, loadOrCreatePki } from './pki';
import type { DeviceCertificate, IssueOptions } from './pki';
import { BankStore, displayName } from './store';
import type { BatchOutcome, WireRecord } from './store';

/** Bodies beyond these are refused with 413 before they are parsed. */
export const DEPOSIT_BODY_BYTES_MAX = 256 * 1024;
export const SMALL_BODY_BYTES_MAX = 4 * 1024;
export const RECORDS_PER_BATCH_MAX = 1_024;
export const QR_LIFETIME_MS = 120_000;
/** A confirmed QR session authorises its ATM for this long after it was created. */
export const QR_AUTHORISE_WINDOW_MS = 600_000;
export const RECEIPTS_IN_APP_MAX = 20;
export const ADMIN_NOTES_PAGE_MAX = 5_000;
export const QR_PAYLOAD_PREFIX = 'https://kaspi.kz/atm-red/qr?';

export interface BankFaults {
  /** Inside a deposits transaction, just before it commits (tests kill the process here). */
  beforeCommit?(batchNumber: number): void;
  /** After a batch committed: 'drop' destroys the connection instead of replying. */
  afterCommit?(batchNumber: number): 'reply' | 'drop';
}

export interface BankServerOptions {
  /** Default data/bank under the project root (gitignored). */
  readonly dataDir?: string;
  /** Device (mutual TLS) port; 0 picks a free one. Default 8443. */
  readonly port?: number;
  /** Phone-app and admin port; 0 picks a free one. Default port + 1 (or free when port is 0). */
  readonly appPort?: number;
  readonly host?: string;
  readonly nowMs?: () => number;
  readonly faults?: BankFaults;
}

export interface BankServer {
  /** https://host:port of the device API (mutual TLS). */
  readonly url: string;
  /** https://host:port of the phone-app and admin API (server TLS only). */
  readonly appUrl: string;
  readonly caPem: string;
  readonly dataDir: string;
  issueDeviceCertificate(atmId: string, options?: IssueOptions & { address?: string }): DeviceCertificate;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body.error));
  }
}

const invalid = (field: string) => new HttpError(400, { error: 'invalid', field });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(request: IncomingMessage, bytesMax: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > bytesMax) return reject(new HttpError(413, { error: 'too-large', bytesMax }));
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > bytesMax) {
        request.removeAllListeners('data');
        reject(new HttpError(413, { error: 'too-large', bytesMax }));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, { error: 'bad-json' });
  }
  if (!isObject(value)) throw new HttpError(400, { error: 'bad-json', detail: 'the body must be a JSON object' });
  return value;
}

function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

function text(value: unknown, field: string, charsMax = CREDENTIAL_CHARS_MAX): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > charsMax) throw invalid(field);
  return value;
}

export async function startBankServer(options: BankServerOptions = {}): Promise<BankServer> {
  const dataDir = path.resolve(options.dataDir ?? path.join(__dirname, '../../data/bank'));
  const host = options.host ?? '127.0.0.1';
  const nowMs = options.nowMs ?? (() => Date.now());
  const pki = loadOrCreatePki(dataDir);
  const store = new BankStore(dataDir, nowMs);
  const faults = options.faults ?? {};
  if (faults.beforeCommit !== undefined) store.beforeCommit = faults.beforeCommit;
  let batchNumber = 0;

  // ---- device API ----

  function atmOf(request: IncomingMessage, body: Record<string, unknown> | undefined): string {
    const socket = request.socket as TLSSocket;
    // rejectUnauthorized already refused anyone without a certificate from our CA.
    const commonName = socket.getPeerCertificate().subject?.CN;
    if (typeof commonName !== 'string' || !ATM_ID_PATTERN.test(commonName)) throw new HttpError(403, { error: 'no-device-identity' });
    if (body !== undefined && body.atmId !== commonName) throw new HttpError(403, { error: 'atm-mismatch' });
    return commonName;
  }

  function authorise(atmId: string, body: Record<string, unknown>): [number, unknown] {
    const unknown: [number, unknown] = [404, { error: 'unknown-customer' }];
    let customer;
    switch (body.method) {
      case 'iin': {
        const iin = text(body.iin, 'iin', 12);
        if (!/^\d{12}$/.test(iin)) throw invalid('iin');
        if (!isValidIin(iin)) return unknown; // never issued: nobody can have it
        customer = store.customerBy('iin', iin);
        break;
      }
      case 'card': customer = store.customerBy('card_token', text(body.cardToken, 'cardToken')); break;
      case 'palm': customer = store.customerBy('palm_template', text(body.palmTemplate, 'palmTemplate')); break;
      case 'qr': {
        const qr = store.qr(text(body.qrSessionId, 'qrSessionId', 64));
        if (qr === undefined || qr.atm_id !== atmId || qr.state !== 'confirmed' || qr.customer_id === null) return unknown;
        if (nowMs() >= qr.expires_ms - QR_LIFETIME_MS + QR_AUTHORISE_WINDOW_MS) return unknown;
        customer = store.customerBy('customer_id', qr.customer_id);
        break;
      }
      default: throw invalid('method');
    }
    return customer === undefined ? unknown : [200, store.account(customer)];
  }

  function startQr(atmId: string): [number, unknown] {
    const qrSessionId = `q${crypto.randomBytes(12).toString('hex')}`;
    const token = crypto.randomBytes(16).toString('hex');
    store.createQr(qrSessionId, atmId, token, nowMs() + QR_LIFETIME_MS);
    return [200, { qrSessionId, payload: `${QR_PAYLOAD_PREFIX}s=${qrSessionId}&t=${token}`, expiresInMs: QR_LIFETIME_MS }];
  }

  function deposits(atmId: string, body: Record<string, unknown>): [number, unknown] | 'drop' {
    const { fromSequence, toSequence, records } = body;
    if (typeof fromSequence !== 'number' || !Number.isSafeInteger(fromSequence) || fromSequence < 1) throw invalid('fromSequence');
    if (typeof toSequence !== 'number' || !Number.isSafeInteger(toSequence) || toSequence < fromSequence) throw invalid('toSequence');
    if (!Array.isArray(records) || records.length > RECORDS_PER_BATCH_MAX) throw invalid('records');
    let previous = fromSequence - 1;
    records.forEach((record: unknown, index) => {
      const problem = recordProblem(record);
      if (problem !== undefined) throw invalid(`records[${index}].${problem}`);
      const sequence = (record as WireRecord).sequence;
      if (sequence <= previous || sequence > toSequence) throw invalid(`records[${index}].sequence`);
      previous = sequence;
    });
    const outcome: BatchOutcome = store.applyBatch(atmId, fromSequence, toSequence, records as WireRecord[]);
    batchNumber++;
    if (faults.afterCommit?.(batchNumber) === 'drop') return 'drop';
    if (outcome.kind === 'gap') return [409, { error: 'gap', ackedSequence: outcome.ackedSequence }];
    return [200, { ackedSequence: outcome.ackedSequence }];
  }

  async function device(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://bank');
    const route = `${request.method} ${url.pathname}`;
    if (route === 'POST /v1/authorise' || route === 'POST /v1/qr' || route === 'POST /v1/deposits') {
      const body = parseBody(await readBody(request, route === 'POST /v1/deposits' ? DEPOSIT_BODY_BYTES_MAX : SMALL_BODY_BYTES_MAX));
      const atmId = atmOf(request, body);
      const result = route === 'POST /v1/authorise' ? authorise(atmId, body) : route === 'POST /v1/qr' ? startQr(atmId) : deposits(atmId, body);
      if (result === 'drop') {
        request.socket.destroy();
        return;
      }
      return send(response, result[0], result[1]);
    }
    const qrPoll = /^\/v1\/qr\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (request.method === 'GET' && qrPoll !== null) {
      const qr = store.qr(qrPoll[1]);
      if (qr === undefined || qr.atm_id !== atmOf(request, undefined)) return send(response, 404, { error: 'unknown-qr' });
      return send(response, 200, { state: qr.state });
    }
    const receipt = /^\/v1\/receipts\/([A-Za-z0-9._-]{1,24})\/(\d{1,10})$/.exec(url.pathname);
    if (request.method === 'GET' && receipt !== null) {
      if (receipt[1] !== atmOf(request, undefined)) throw new HttpError(403, { error: 'atm-mismatch' });
      const found = store.receipt(receipt[1], Number(receipt[2]));
      return found === undefined ? send(response, 404, { error: 'no-receipt' }) : send(response, 200, found);
    }
    send(response, 404, { error: 'no-route' });
  }

  // ---- phone app and admin ----

  function scanQr(body: Record<string, unknown>): [number, unknown] {
    const payload = text(body.payload, 'payload', 512);
    const iin = text(body.iin, 'iin', 12);
    if (!payload.startsWith(QR_PAYLOAD_PREFIX)) throw invalid('payload');
    const parameters = new URLSearchParams(payload.slice(QR_PAYLOAD_PREFIX.length));
    const qr = store.qr(parameters.get('s') ?? '');
    const token = Buffer.from(parameters.get('t') ?? '');
    if (qr === undefined || token.length !== qr.token.length || !crypto.timingSafeEqual(token, Buffer.from(qr.token))) {
      return [404, { error: 'unknown-qr' }];
    }
    const customer = isValidIin(iin) ? store.customerBy('iin', iin) : undefined;
    if (customer === undefined) return [404, { error: 'unknown-customer' }];
    const cancel = body.action === 'cancel';
    if (!store.settleQr(parameters.get('s')!, cancel ? 'cancelled' : 'confirmed', cancel ? null : customer.customer_id)) {
      return [409, { error: qr.state === 'expired' ? 'expired' : 'already-used', state: qr.state }];
    }
    return [200, { state: cancel ? 'cancelled' : 'confirmed', atmId: qr.atm_id }];
  }

  async function app(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://bank');
    if (request.method === 'POST' && url.pathname === '/app/qr/scan') {
      const [status, body] = scanQr(parseBody(await readBody(request, SMALL_BODY_BYTES_MAX)));
      return send(response, status, body);
    }
    const customerPath = /^\/app\/customers\/(\d{12})$/.exec(url.pathname);
    if (request.method === 'GET' && customerPath !== null) {
      const customer = store.customerBy('iin', customerPath[1]);
      if (customer === undefined) return send(response, 404, { error: 'unknown-customer' });
      const account = store.account(customer);
      return send(response, 200, {
        customerId: customer.customer_id, displayName: displayName(customer), iin: maskIin(customer.iin),
        bill: account.bill, receipts: store.receiptsOf(customer.customer_id, RECEIPTS_IN_APP_MAX),
      });
    }
    const atmId = url.searchParams.get('atmId') ?? '';
    if (request.method === 'GET' && url.pathname === '/admin/totals') {
      if (!isCustomerId(atmId)) throw invalid('atmId');
      return send(response, 200, store.totals(atmId));
    }
    if (request.method === 'GET' && url.pathname === '/admin/notes') {
      const afterSequence = Number(url.searchParams.get('afterSequence') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? String(ADMIN_NOTES_PAGE_MAX));
      if (!isCustomerId(atmId)) throw invalid('atmId');
      if (!Number.isSafeInteger(afterSequence) || afterSequence < 0) throw invalid('afterSequence');
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > ADMIN_NOTES_PAGE_MAX) throw invalid('limit');
      return send(response, 200, { notes: store.notes(atmId, afterSequence, limit) });
    }
    send(response, 404, { error: 'no-route' });
  }

  function handler(route: (request: IncomingMessage, response: ServerResponse) => Promise<void>) {
    return (request: IncomingMessage, response: ServerResponse) => {
      route(request, response).catch((error: unknown) => {
        if (response.headersSent) return;
        if (error instanceof HttpError) {
          // An oversized body is not read to its end: say so and close rather than drain it.
          send(response, error.status, error.body, error.status === 413);
          if (error.status === 413) response.once('finish', () => request.socket.destroySoon());
          return;
        }
        send(response, 500, { error: 'internal' });
      });
    };
  }

  const deviceServer = https.createServer({
    key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem,
    requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2',
  }, handler(device));
  const appServer = https.createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem, minVersion: 'TLSv1.2' }, handler(app));
  const listen = (server: https.Server, port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  const port = await listen(deviceServer, options.port ?? 8443);
  const appPort = await listen(appServer, options.appPort ?? (options.port === 0 ? 0 : port + 1));
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `https://${urlHost}:${port}`,
    appUrl: `https://${urlHost}:${appPort}`,
    caPem: pki.caPem,
    dataDir,
    issueDeviceCertificate(atmId, issueOptions = {}) {
      const certificate = pki.issueDeviceCertificate(atmId, issueOptions);
      if (issueOptions.address !== undefined) store.registerAtm(atmId, issueOptions.address);
      return certificate;
    },
    close: () => new Promise<void>((resolve) => {
      let open = 2;
      const done = () => {
        if (--open > 0) return;
        store.close();
        resolve();
      };
      for (const server of [deviceServer, appServer]) {
        server.close(done);
        server.closeAllConnections();
      }
    }),
  };
}
