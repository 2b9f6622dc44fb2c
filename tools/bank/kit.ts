// What the desk, the performance budget and the tests share about the reference bank: fresh
// data folders that share one CA per process (making RSA keys is the slow part), device
// certificates from it, the bank's phone-app and admin client, and a rig that runs the
// firmware's BankClient + Outbox over real HTTPS. The tests' own bank fixtures (a bank in a
// child process, a fault-injecting front) are in test/support/bank-kit.ts.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { NodeHttpsClient } from '../../hal/node/https-client';
import type { Clock, HttpsClient } from '../../hal/ports';
import { SeededRandom } from '../../hal/sim/peripherals';
import { BankClient } from '../../src/bank/bank-client';
import { Outbox } from '../../src/bank/outbox';
import type { OutboxOptions } from '../../src/bank/outbox';
import { MemoryLedger } from './memory-ledger';
import { loadOrCreatePki } from './pki';
import type { DeviceCertificate, IssueOptions } from './pki';

let cachedPkiDir: string | undefined;
const cachedCertificates = new Map<string, DeviceCertificate>();

/** A new, empty bank data folder whose pki/ is a copy of this process's one test CA. */
function sharedPkiDir(): string {
  if (cachedPkiDir === undefined) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-pki-'));
    loadOrCreatePki(base);
    cachedPkiDir = path.join(base, 'pki');
    process.once('exit', () => removeDir(base));
  }
  return cachedPkiDir;
}

export function freshDataDir(): string {
  const pkiDir = sharedPkiDir();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-data-'));
  fs.cpSync(pkiDir, path.join(dataDir, 'pki'), { recursive: true });
  // openssl.cnf names its folder: point the copy at itself.
  const config = path.join(dataDir, 'pki/openssl.cnf');
  fs.writeFileSync(
    config,
    fs.readFileSync(config, 'utf8').replace(/^dir = .*$/gm, `dir = ${path.join(dataDir, 'pki')}`),
  );
  return dataDir;
}

/** A device certificate from the shared test CA (cached by atmId and validity). */
export function testCertificate(atmId: string, options: IssueOptions = {}): DeviceCertificate {
  const key = `${atmId}|${options.notBefore?.toISOString() ?? ''}|${options.notAfter?.toISOString() ?? ''}`;
  let certificate = cachedCertificates.get(key);
  if (certificate === undefined) {
    certificate = loadOrCreatePki(path.dirname(sharedPkiDir())).issueDeviceCertificate(atmId, options);
    cachedCertificates.set(key, certificate);
  }
  return certificate;
}

export function removeDir(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true });
}

export const nodeClock: Clock = { monotonicMs: () => performance.now(), wallMs: () => Date.now() };

/** Parsed JSON from the bank's app side, read field by field by the desk, the scenario runner and the tests. */
// biome-ignore lint/suspicious/noExplicitAny: a parsed reply's shape is what its reader checks, field by field
export type Json = any;

/** Where the bank's phone-app and admin side is and its token (a BankServer is one; so is a ChildBank with the CA). */
export interface AppEndpoint {
  readonly appUrl: string;
  readonly caPem: string;
  readonly appToken: string;
}

/** GET/POST on the bank's app port (server TLS, bearer token), JSON in and out. */
export function appRequest(
  app: AppEndpoint,
  method: 'GET' | 'POST',
  requestPath: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { authorization: `Bearer ${app.appToken}` };
    if (payload !== undefined)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    const request = https.request(
      new URL(requestPath, app.appUrl),
      { method, ca: app.caPem, agent: false, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, json: text === '' ? undefined : JSON.parse(text) });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export interface RigOptions {
  readonly baseUrl: string;
  readonly caPem: string;
  readonly device: DeviceCertificate;
  readonly atmId: string;
  /** Wraps the real HTTPS port (to duplicate or reorder requests). */
  readonly wrap?: (inner: NodeHttpsClient) => HttpsClient;
  readonly outbox?: OutboxOptions;
  readonly seed?: number;
}

/** The firmware's bank link (BankClient + Outbox) over real HTTPS, driven by a poll loop. */
export class SyncRig {
  readonly ledger = new MemoryLedger();
  readonly https: NodeHttpsClient;
  readonly client: BankClient;
  readonly outbox: Outbox;

  constructor(options: RigOptions) {
    this.https = new NodeHttpsClient({ baseUrl: options.baseUrl, caPem: options.caPem, ...options.device });
    const port = options.wrap === undefined ? this.https : options.wrap(this.https);
    this.client = new BankClient(port, nodeClock, options.atmId);
    this.outbox = new Outbox(
      this.ledger,
      this.client,
      new SeededRandom(options.seed ?? 1),
      options.atmId,
      options.outbox ?? { backoffBaseMs: 20, backoffMaxMs: 250 },
    );
  }

  /** The highest sequence that must reach the bank (bank-acks never travel). */
  lastRecordSequence(): number {
    for (let sequence = this.ledger.headSequence; sequence > 0; sequence--) {
      if (this.ledger.records[sequence - 1].kind !== 'bank-ack') return sequence;
    }
    return 0;
  }

  synced(): boolean {
    const last = this.lastRecordSequence();
    return this.outbox.bankHoldsSequence >= last && this.ledger.ackedSequence >= last;
  }

  /** Polls the bank client and the outbox every millisecond or so until everything is acknowledged. */
  async syncAll(limitMs: number): Promise<void> {
    const startMs = performance.now();
    while (!this.synced()) {
      const nowMs = performance.now();
      if (nowMs - startMs > limitMs)
        throw new Error(
          `not synced in ${limitMs} ms: holds ${this.outbox.bankHoldsSequence} of ${this.lastRecordSequence()}, last error ${this.outbox.lastError}`,
        );
      this.client.poll(nowMs);
      this.outbox.poll(nowMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  close(): void {
    this.https.close();
  }
}
