// The reference bank over HTTPS: its own CA (pki.ts), the transport-free API (api.ts) over
// the SQLite books (store.ts), the API of tools/bank/API.md. This file is only transport.
// Two listeners:
//   device port — mutual TLS: only a certificate from the bank's CA gets a TLS session at
//                 all, and its CN is the ATM id every body's atmId must match;
//   app port    — server-authenticated TLS, on loopback only and behind a bearer token: the
//                 phone app's side (scan a QR, see any IIN's bill and receipts) and /admin for
//                 tests and the bench. A device port opened to the network (--host 0.0.0.0
//                 for a real board) never opens this one with it.
import crypto from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { BankApi, bodyBytesMax } from './api';
import type { ApiReply, ApiSide } from './api';
import { ATM_ID_PATTERN, loadOrCreatePki } from './pki';
import type { DeviceCertificate, IssueOptions } from './pki';
import { BankStore } from './store';

// The limits and lifetimes live with the API; the server's importers still find them here.
export {
  DEPOSIT_BODY_BYTES_MAX,
  SMALL_BODY_BYTES_MAX,
  RECORDS_PER_BATCH_MAX,
  QR_LIFETIME_MS,
  QR_AUTHORISE_WINDOW_MS,
  RECEIPTS_IN_APP_MAX,
  ADMIN_NOTES_PAGE_MAX,
  QR_PAYLOAD_PREFIX,
} from './api';

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
  /** The device listener's address (default 127.0.0.1); the app listener stays on loopback whatever it is. */
  readonly host?: string;
  /** The app and admin listener's bearer token; a fresh random one per start by default. */
  readonly appToken?: string;
  readonly nowMs?: () => number;
  readonly faults?: BankFaults;
}

export interface BankServer {
  /** https://host:port of the device API (mutual TLS). */
  readonly url: string;
  /** https://127.0.0.1:port of the phone-app and admin API (server TLS, loopback only). */
  readonly appUrl: string;
  /** What every app and admin request must carry: `authorization: Bearer <appToken>`. */
  readonly appToken: string;
  readonly caPem: string;
  readonly dataDir: string;
  /**
   * Provisions an ATM: the bank registers it (only registered ATMs may use the device API),
   * issues its device certificate, CN = atmId, and hands over the ATM's own card-token key.
   * Again for a known ATM: a new certificate, the same key, the books kept (the address
   * changes only when one is given).
   */
  provisionAtm(atmId: string, options?: IssueOptions & { address?: string }): ProvisionedAtm;
  /** Registers an ATM whose certificate this CA issued earlier (npm run bank --device with its files kept). */
  registerAtm(atmId: string, address?: string): void;
  close(): Promise<void>;
}

/** What a machine is given at provisioning: its device certificate and its own card-token key. */
export interface ProvisionedAtm extends DeviceCertificate {
  /** 64 hex digits: the key its card reader makes card tokens with; the bank holds it, no other ATM does. */
  readonly cardTokenKeyHex: string;
}

/** The app listener binds one of these; any other `host` puts it on 127.0.0.1. */
const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['127.0.0.1', '::1', 'localhost']);
const APP_TOKEN_BYTES = 16;

/** Whether the request carries the app token (compared in constant time). */
function authorised(request: IncomingMessage, token: Buffer): boolean {
  const match = /^Bearer ([0-9A-Za-z._~+/=-]{1,256})$/.exec(request.headers.authorization ?? '');
  if (match === null) return false;
  const given = Buffer.from(match[1]);
  return given.length === token.length && crypto.timingSafeEqual(given, token);
}

/** Too large: the body was not read to its end, so the connection is closed after the reply. */
class TooLarge extends Error {
  constructor(readonly bytesMax: number) {
    super('too-large');
  }
}

function readBody(request: IncomingMessage, bytesMax: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > bytesMax) return reject(new TooLarge(bytesMax));
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > bytesMax) {
        request.removeAllListeners('data');
        reject(new TooLarge(bytesMax));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

/** The ATM id a device connection speaks for: its certificate's CN ('' if it has none; the API refuses that). */
function atmOf(request: IncomingMessage): string {
  // rejectUnauthorized already refused anyone without a certificate from our CA.
  const commonName = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
  return typeof commonName === 'string' ? commonName : '';
}

/** The path of a request target, or '' when it is not one (the API then answers no-route). */
function pathnameOf(target: string): string {
  try {
    return new URL(target, 'https://bank').pathname;
  } catch {
    return '';
  }
}

type Route = (method: string, target: string, bodyText: string | undefined, request: IncomingMessage) => ApiReply;

/**
 * Reads the body a route takes (none for the others), hands the request to the API, writes its
 * reply. With `token`, a request without it gets 401 before anything is read or looked up.
 */
function serve(side: ApiSide, route: Route, token?: Buffer) {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (token !== undefined && !authorised(request, token)) {
      response.setHeader('www-authenticate', 'Bearer');
      send(response, 401, { error: 'unauthorised' }, true);
      response.once('finish', () => request.socket.destroySoon());
      return;
    }
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    const bytesMax = bodyBytesMax(side, method, pathnameOf(target));
    const body = bytesMax === undefined ? Promise.resolve(undefined) : readBody(request, bytesMax);
    body
      .then((bodyText) => {
        const reply = route(method, target, bodyText, request);
        if (reply.drop === true) {
          request.socket.destroy();
          return;
        }
        send(response, reply.status, reply.body);
      })
      .catch((error: unknown) => {
        if (response.headersSent) return;
        if (error instanceof TooLarge) {
          // An oversized body is not read to its end: say so and close rather than drain it.
          send(response, 413, { error: 'too-large', bytesMax: error.bytesMax }, true);
          response.once('finish', () => request.socket.destroySoon());
          return;
        }
        send(response, 500, { error: 'internal' });
      });
  };
}

export async function startBankServer(options: BankServerOptions = {}): Promise<BankServer> {
  const dataDir = path.resolve(options.dataDir ?? path.join(__dirname, '../../data/bank'));
  const host = options.host ?? '127.0.0.1';
  const appHost = LOOPBACK_HOSTS.includes(host) ? host : '127.0.0.1';
  const appToken = options.appToken ?? crypto.randomBytes(APP_TOKEN_BYTES).toString('hex');
  const nowMs = options.nowMs ?? (() => Date.now());
  const pki = loadOrCreatePki(dataDir);
  const store = new BankStore({ dataDir }, nowMs);
  const faults = options.faults ?? {};
  if (faults.beforeCommit !== undefined) store.beforeCommit = faults.beforeCommit;
  const api = new BankApi({ store, nowMs, afterCommit: faults.afterCommit });

  const deviceServer = https.createServer(
    {
      key: pki.serverKeyPem,
      cert: pki.serverCertPem,
      ca: pki.deviceCaPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    serve('device', (method, target, bodyText, request) => api.device(atmOf(request), method, target, bodyText)),
  );
  const appServer = https.createServer(
    { key: pki.serverKeyPem, cert: pki.serverCertPem, minVersion: 'TLSv1.2' },
    serve('app', (method, target, bodyText) => api.app(method, target, bodyText), Buffer.from(appToken)),
  );
  const listen = (server: https.Server, port: number, listenHost: string) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, listenHost, () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(deviceServer, options.port ?? 8443, host);
  const appPort = await listen(appServer, options.appPort ?? (options.port === 0 ? 0 : port + 1), appHost);
  const urlOf = (urlHost: string, urlPort: number) =>
    `https://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${urlPort}`;

  return {
    url: urlOf(host, port),
    appUrl: urlOf(appHost, appPort),
    appToken,
    caPem: pki.caPem,
    dataDir,
    provisionAtm(atmId, issueOptions = {}) {
      const certificate = pki.issueDeviceCertificate(atmId, issueOptions);
      store.registerAtm(atmId, issueOptions.address);
      const cardTokenKeyHex = store.cardTokenKeyHex(atmId);
      if (cardTokenKeyHex === undefined) throw new Error(`ATM ${atmId} registered without a card-token key`);
      return { ...certificate, cardTokenKeyHex };
    },
    registerAtm(atmId, address) {
      if (!ATM_ID_PATTERN.test(atmId)) throw new Error(`ATM id ${JSON.stringify(atmId)}: 1..24 of A-Z a-z 0-9 . _ -`);
      store.registerAtm(atmId, address);
    },
    close: () =>
      new Promise<void>((resolve) => {
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
