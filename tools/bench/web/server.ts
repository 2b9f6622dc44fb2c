// The bench page's server: a node:http server on localhost between a BenchMachine and the browser.
//   GET  /                 the page (static HTML/CSS/JS from ./static, read once at start)
//   GET  /api/events       server-sent events: a `snapshot` event on connect and after changes,
//                          at most one per SSE_PUSH_INTERVAL_MS (the firmware can change the
//                          screen every poll; a browser needs no more than 10 frames a second)
//   GET  /api/snapshot     the same message once, as JSON (tests, curl)
//   GET  /api/qr.svg?payload=…  the payload drawn as a QR code (SVG, by the `qrcode` package)
//   POST /api/act          one BenchAction as JSON → {ok:true} or {ok:false,error}
// Nothing is fetched from beyond localhost; the Content-Security-Policy says so to the browser.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import QRCode from 'qrcode';
import type { BenchMachine, BenchSnapshot } from '../machine-api';
import { ACT_BODY_BYTES_MAX, parseAction } from './actions';

export const SSE_PUSH_INTERVAL_MS = 100;
export const SSE_CLIENTS_MAX = 16;
/** A client that has not read this much of our output is gone or stuck: drop it, keep memory bounded. */
const SSE_CLIENT_BACKLOG_BYTES_MAX = 4 * 1024 * 1024;
/** Comments keep idle connections from being closed by anything in between. */
const SSE_HEARTBEAT_MS = 15_000;
/** The firmware takes a QR payload of up to 512 characters from the bank (src/bank/wire.ts); level M holds up to 2 331 bytes. */
export const QR_PAYLOAD_BYTES_MAX = 1024;
const QR_CACHE_ENTRIES_MAX = 8;

/** What the page receives on every push. */
export interface BenchMessage {
  readonly snapshot: BenchSnapshot;
  readonly consoleText: string;
  /** Where the browser gets the on-screen QR code as an image, when the screen has one. */
  readonly qrImageUrl: string | undefined;
}

export interface BenchWebOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Localhost only by default: the page can move money on the desk machine. */
  readonly host?: string;
}

export interface BenchWeb {
  readonly url: string;
  close(): Promise<void>;
}

const STATIC_FILES = Object.freeze({
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/bench.css': { file: 'bench.css', type: 'text/css; charset=utf-8' },
  '/bench.js': { file: 'bench.js', type: 'text/javascript; charset=utf-8' },
});
const SECURITY_HEADERS = Object.freeze({
  'content-security-policy':
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
});

export async function startBenchWeb(machine: BenchMachine, options: BenchWebOptions): Promise<BenchWeb> {
  const staticBodies = new Map(
    Object.entries(STATIC_FILES).map(([route, { file, type }]) => [
      route,
      { body: readFileSync(path.join(__dirname, 'static', file)), type },
    ]),
  );
  const qrCache = new Map<string, string>();
  const clients = new Set<ServerResponse>();
  let pushTimer: ReturnType<typeof setTimeout> | undefined;
  let lastPushMs = 0;

  const message = (): string => {
    const snapshot = machine.snapshot();
    const payload = snapshot.screen?.qr;
    const body: BenchMessage = {
      snapshot,
      consoleText: machine.consoleText(),
      qrImageUrl: payload === undefined ? undefined : `/api/qr.svg?payload=${encodeURIComponent(payload)}`,
    };
    return JSON.stringify(body);
  };

  const push = (): void => {
    pushTimer = undefined;
    lastPushMs = Date.now();
    const frame = `event: snapshot\ndata: ${message()}\n\n`;
    for (const client of clients) {
      if (client.writableLength > SSE_CLIENT_BACKLOG_BYTES_MAX) {
        client.destroy();
        clients.delete(client);
        continue;
      }
      client.write(frame);
    }
  };
  const unsubscribe = machine.onChange(() => {
    if (pushTimer !== undefined || clients.size === 0) return;
    pushTimer = setTimeout(push, Math.max(0, lastPushMs + SSE_PUSH_INTERVAL_MS - Date.now()));
  });
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': alive\n\n');
  }, SSE_HEARTBEAT_MS);

  const qrSvg = async (payload: string): Promise<string> => {
    const cached = qrCache.get(payload);
    if (cached !== undefined) return cached;
    // Level M (15 % damage) is what a phone reads from a screen; margin 4 is the standard's quiet zone.
    const svg = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    if (qrCache.size >= QR_CACHE_ENTRIES_MAX) qrCache.delete(qrCache.keys().next().value!);
    qrCache.set(payload, svg);
    return svg;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const page = staticBodies.get(url.pathname);
    if (request.method === 'GET' && page !== undefined) return send(response, 200, page.type, page.body);
    if (request.method === 'GET' && url.pathname === '/api/snapshot')
      return send(response, 200, 'application/json', message());
    if (request.method === 'GET' && url.pathname === '/api/events') {
      if (clients.size >= SSE_CLIENTS_MAX) return send(response, 503, 'text/plain', 'too many pages open');
      response.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive',
      });
      // The browser reconnects by itself after 1 s if the server restarts.
      response.write(`retry: 1000\nevent: snapshot\ndata: ${message()}\n\n`);
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/api/qr.svg') {
      const payload = url.searchParams.get('payload') ?? '';
      if (payload.length === 0 || Buffer.byteLength(payload) > QR_PAYLOAD_BYTES_MAX)
        return send(response, 400, 'text/plain', 'bad payload');
      return send(response, 200, 'image/svg+xml', await qrSvg(payload));
    }
    if (request.method === 'POST' && url.pathname === '/api/act') return act(request, response);
    return send(response, 404, 'text/plain', 'not found');
  };

  const act = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // A page on another origin may POST to localhost; only our own page (same origin, JSON) may act.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`)
      return sendJson(response, 403, { ok: false, error: 'foreign origin' });
    if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
      return sendJson(response, 415, { ok: false, error: 'send JSON' });
    const body = await readBody(request, ACT_BODY_BYTES_MAX);
    if (body === undefined) return sendJson(response, 413, { ok: false, error: 'body too large' });
    const parsed = parseAction(body);
    if (!parsed.ok) return sendJson(response, 400, { ok: false, error: parsed.error });
    const error = await machine.act(parsed.action);
    return sendJson(response, 200, error === undefined ? { ok: true } : { ok: false, error });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

  return {
    url,
    close: async () => {
      unsubscribe();
      clearInterval(heartbeat);
      if (pushTimer !== undefined) clearTimeout(pushTimer);
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, body: { ok: boolean; error?: string }): void {
  send(response, status, 'application/json', JSON.stringify(body));
}

/** The body as text, or undefined when it is longer than `bytesMax`. */
function readBody(request: IncomingMessage, bytesMax: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Past the limit the rest is read and dropped, so the answer still reaches the client.
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= bytesMax) chunks.push(chunk);
    });
    request.on('end', () => resolve(bytes > bytesMax ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
