// The bank tests' fixtures: the bank in a child process that can be SIGKILLed, a
// fault-injecting HTTPS front that speaks with the bank's own CA, and small helpers
// (one request over a port, the bank's credited notes, a free port).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { NodeHttpsClient } from '../../hal/node/https-client';
import type { HttpsClient, HttpsRequest, HttpsResult } from '../../hal/ports';
import { appRequest, removeDir, type AppEndpoint } from '../../tools/bank/kit';
import { loadOrCreatePki } from '../../tools/bank/pki';
import type { DeviceCertificate } from '../../tools/bank/pki';

const ROOT = path.resolve(__dirname, '../..');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One request over a port, as a promise. */
export function requestOnce(
  client: HttpsClient,
  method: 'GET' | 'POST',
  requestPath: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const started = client.request(
      {
        method,
        path: requestPath,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        timeoutMs,
      },
      resolve,
    );
    if (!started) reject(new Error('port busy'));
  });
}

/** The bank's credited notes, "sequence:sessionId:denomination", to compare with MemoryLedger.stackedNotes(). */
export async function bankNotes(app: AppEndpoint, atmId: string): Promise<string[]> {
  const notes: string[] = [];
  for (let afterSequence = 0; ; ) {
    const page = await appRequest(
      app,
      'GET',
      `/admin/notes?atmId=${encodeURIComponent(atmId)}&afterSequence=${afterSequence}`,
    );
    if (page.status !== 200) throw new Error(`admin/notes: ${page.status}`);
    if (page.json.notes.length === 0) return notes;
    notes.push(...page.json.notes);
    afterSequence = Number(page.json.notes[page.json.notes.length - 1].split(':')[0]);
  }
}

/** A free TCP port on loopback (the restart tests need the same port twice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildBank {
  readonly process: ChildProcess;
  readonly url: string;
  readonly appUrl: string;
  readonly appToken: string;
  readonly exited: Promise<number | null>;
  kill(): void;
}

let bundledMain: string | undefined;

/** tools/bank/main.ts bundled once per process with esbuild: a child starts in a fraction of ts-node's time. */
function bankMainScript(): string {
  if (bundledMain === undefined) {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-main-'));
    bundledMain = path.join(directory, 'bank-main.js');
    // esbuild's synchronous API: a test helper may block for the ~100 ms it takes.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      entryPoints: [path.join(ROOT, 'tools/bank/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['better-sqlite3'],
      outfile: bundledMain,
      logLevel: 'silent',
    });
    process.once('exit', () => removeDir(directory));
  }
  return bundledMain;
}

/** `tools/bank/main.ts` in a child process (so it can really die); resolves once it listens. */
export function spawnBank(
  dataDir: string,
  port: number,
  appPort: number,
  env: Record<string, string> = {},
): Promise<ChildBank> {
  const child = spawn(
    process.execPath,
    [bankMainScript(), '--data', dataDir, '--port', String(port), '--app-port', String(appPort)],
    {
      // The bundle lives in a temp folder: NODE_PATH lets it find better-sqlite3 here.
      cwd: ROOT,
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (!output.includes('\n')) return;
      const ready = JSON.parse(line) as { url: string; appUrl: string; appToken: string };
      resolve({
        process: child,
        url: ready.url,
        appUrl: ready.appUrl,
        appToken: ready.appToken,
        exited,
        kill: () => {
          if (child.exitCode === null) child.kill('SIGKILL');
        },
      });
    });
    void exited.then((code) => reject(new Error(`bank exited (${code}) before listening: ${errors}`)));
  });
}

export type FrontAction =
  | 'forward'
  /** Answers 500 without asking the bank. */
  | 'fail-500'
  /** Forwards (the bank commits), then answers 503 / garbage / a huge body / nothing. */
  | 'forward-then-503'
  | 'forward-then-malformed'
  | 'forward-then-oversized'
  | 'forward-then-drop'
  /** Forwards twice (a duplicated request), answers with the second reply. */
  | 'forward-twice';

/**
 * An HTTPS front between the ATM and the bank, with the bank's own server certificate and
 * CA (so the ATM cannot tell it from the bank), forwarding over its own device certificate
 * and misbehaving on deposits requests as scripted.
 */
export class FaultyFront {
  readonly #server: https.Server;
  readonly #upstream: NodeHttpsClient;
  readonly script: FrontAction[];
  readonly seen: string[] = [];
  url = '';

  constructor(dataDir: string, bankUrl: string, caPem: string, device: DeviceCertificate, script: FrontAction[]) {
    this.script = script;
    this.#upstream = new NodeHttpsClient({ baseUrl: bankUrl, caPem, ...device });
    const pki = loadOrCreatePki(dataDir);
    this.#server = https.createServer(
      {
        key: pki.serverKeyPem,
        cert: pki.serverCertPem,
        ca: pki.deviceCaPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (request, response) => void this.#handle(request, response),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
    const forwarded: HttpsRequest = {
      method: request.method as 'GET' | 'POST',
      path: request.url ?? '/',
      body,
      timeoutMs: 10_000,
    };
    const action: FrontAction = request.url === '/v1/deposits' ? (this.script.shift() ?? 'forward') : 'forward';
    this.seen.push(action);
    if (action === 'fail-500') return this.#reply(response, 500, '{"error":"internal"}');
    let result = await this.#forward(forwarded);
    if (action === 'forward-twice') result = await this.#forward(forwarded);
    if (action === 'forward-then-503') return this.#reply(response, 503, 'Service Unavailable');
    if (action === 'forward-then-malformed') return this.#reply(response, 200, '{"ackedSequence": 12, oops');
    if (action === 'forward-then-oversized')
      return this.#reply(response, 200, `{"ackedSequence":999999,"pad":"${'x'.repeat(100_000)}"}`);
    if (action === 'forward-then-drop') {
      request.socket.destroy();
      return;
    }
    if (!result.ok) return this.#reply(response, 502, JSON.stringify({ error: result.failure }));
    this.#reply(response, result.status, result.body);
  }

  #forward(request: HttpsRequest): Promise<HttpsResult> {
    return new Promise((resolve) => {
      const attempt = () => {
        if (!this.#upstream.request(request, resolve)) setTimeout(attempt, 1);
      };
      attempt();
    });
  }

  #reply(response: ServerResponse, status: number, body: string): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  }

  close(): Promise<void> {
    this.#upstream.close();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
