// The machine on the desk with real parts where a desk has them, paced to the wall clock: what
// `npm start`, the scenario runner and the bench page's tests start. The machine itself is
// tools/bench/machine.ts (DeskMachine, the same one the simulation and the core tests run on
// virtual time); this file makes its Node parts and moves its time:
//   validator  'pty': the CCNET simulator on the far end of a real pty pair, driven through the
//              real serial stack (serialport) | a tty path: a real validator | 'cable': the
//              board's own simulator on its simulated cable
//   flash      'file': the ledger in DIR/bench/ledger-flash.img | 'emulator': in memory
//   bank       'https': the reference bank server (tools/bank) over real HTTPS with mutual TLS and
//              its SQLite books in DIR/bank | 'in-process': the bank's logic and SQL in memory,
//              behind the simulated network
//   time       'wall': virtual time follows the wall clock | 'virtual': the caller moves it
// The card reader, palm camera, keypad and screen are the simulated board's. A pty, a real
// validator and HTTPS answer in real time: they go with wall time.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileNorFlash } from '../../hal/node/file-flash';
import { NodeHttpsClient } from '../../hal/node/https-client';
import { CertificateProvisioning } from '../../hal/node/provisioning';
import { openPtyPair, runValidatorOnPty } from '../../hal/node/pty-pair';
import { openSerialLine } from '../../hal/node/serial-port';
import type { HttpsClient, HttpsRequest, HttpsResult, Provisioning, SerialLine } from '../../hal/ports';
import type { BankHandler } from '../../hal/sim/bank-link';
import { CCNET_BAUD, type ValidatorTruth } from '../../hal/sim/ccnet-validator';
import type { SimProvisioningSpec } from '../../hal/sim/peripherals';
import { PATH_AUTHORISE, PATH_DEPOSITS, PATH_QR } from '../../src/bank/wire';
import { inProcessBank } from '../bank/in-process';
import { DEMO_ATMS } from '../bank/seed';
import { startBankServer, type BankServer } from '../bank/server';
import { appRequest, type Json } from '../bank/kit';
import { DeskMachine, type DeskBank, type DeskParts, type DeskValidator } from './machine';
import type { BenchMachine } from './machine-api';
import { ConsoleTap, PageMachine } from './page-machine';

/** The ATM the desk machine is: the first of the bank's demo ATMs (Almaty). */
export const BENCH_ATM = DEMO_ATMS[0];
/** How often the wall clock moves virtual time on (ms). */
const PACE_PERIOD_MS = 2;
/** Requests kept for the scenario runner's round-trip count; a scenario makes a few dozen. */
const REQUESTS_SEEN_MAX = 10_000;

export interface DeskOptions {
  /** 'pty' (default), 'cable', or the path of a real validator's tty. */
  readonly validator?: 'pty' | 'cable' | string;
  readonly flash?: 'file' | 'emulator';
  readonly bank?: 'https' | 'in-process';
  readonly time?: 'wall' | 'virtual';
  /** Where the ledger image and the bank's books live (data/ by default). */
  readonly dataDir?: string;
  /** The bank's device port (0: any free port). */
  readonly bankPort?: number;
  /** The console's other ends (terminal, pty); the bench page's console is always one of them. */
  readonly consoleLines?: readonly SerialLine[];
}

/** `npm start`'s machine: the validator's simulator on a pty, the ledger in a file, the bank over HTTPS, wall time. */
export const NPM_START_PARTS = Object.freeze({ validator: 'pty', flash: 'file', bank: 'https', time: 'wall' } as const);
/** The same machine with nothing real but the wall clock: the simulated cable, the NOR emulator, the bank in process. */
export const SIMULATED_PARTS = Object.freeze({
  validator: 'cable',
  flash: 'emulator',
  bank: 'in-process',
  time: 'wall',
} as const);

/** One request the firmware started on the bank link, as the scenario runner attributes it to a session. */
export interface BankRequestSeen {
  readonly kind: 'authorise' | 'qr-start' | 'qr-poll' | 'deposits' | 'other';
  /** The ledger's head when it was started: a sign-in belongs to the session opened after it. */
  readonly ledgerHead: number;
  /** A deposits batch's sequence range (0 for other requests). */
  readonly fromSequence: number;
  readonly toSequence: number;
  /** Whether the bench's network cable was in (with it pulled, the request failed at once). */
  readonly networkUp: boolean;
}

/** The bank's phone-app and admin side (tools/bank/API.md), whichever bank the desk has. */
export type BankApp = (
  method: 'GET' | 'POST',
  requestPath: string,
  body?: unknown,
) => Promise<{ status: number; json: Json }>;

export interface RunningDesk {
  readonly machine: DeskMachine;
  /** What the bench page sees of the machine and does to it. */
  readonly page: BenchMachine;
  /** The phone app and the bank's admin side. */
  readonly bankApp: BankApp;
  /** The reference bank server, with the 'https' bank. */
  readonly bankServer: BankServer | undefined;
  readonly atmId: string;
  /** What the simulated validator really holds (undefined with a real validator): the oracle for checks. */
  validatorTruth(): ValidatorTruth | undefined;
  /** Every request the firmware started on the bank link since the machine started (the first REQUESTS_SEEN_MAX). */
  bankRequests(): readonly BankRequestSeen[];
  /** Called after each time the wall clock moved the machine on. */
  onPaced(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Starts the machine on the desk with the parts asked for (npm start's by default). */
export async function startDesk(options: DeskOptions = {}): Promise<RunningDesk> {
  const choice = { ...NPM_START_PARTS, ...options };
  const closers: (() => Promise<void> | void)[] = [];
  const nowMs = Date.now();
  try {
    const validator = await openValidator(choice.validator, closers);
    const bank = await openBank(choice.bank, choice.dataDir, choice.bankPort, closers);
    const flash =
      choice.flash === 'file'
        ? new FileNorFlash(path.join(dataDirOf(choice.dataDir), 'bench', 'ledger-flash.img'))
        : undefined;
    if (flash !== undefined) closers.push(() => flash.close());
    const tap = new ConsoleTap(choice.consoleLines ?? []);
    let machine: DeskMachine | undefined;
    const link =
      bank.client === undefined
        ? undefined
        : new BenchLink(bank.client, () => machine?.firmware?.ledger.headSequence ?? 0);
    const parts: DeskParts = {
      validator,
      flash,
      bank: link,
      console: tap,
      provisioning: bank.provisioning,
      heapUsedBytes: () => process.memoryUsage().heapUsed,
    };
    machine = new DeskMachine({
      seed: nowMs >>> 0,
      wallAtBootMs: nowMs,
      parts,
      bank: bank.handler,
      provisioning: bank.simProvisioning,
    });
    bank.clockOf(machine);
    const paced = new Set<() => void>();
    const pacer = choice.time === 'wall' ? paceToWallClock(machine, paced) : undefined;
    const page = new PageMachine(machine, {
      console: tap,
      bankApp: bank.app,
      onPaced: (listener) => subscribe(paced, listener),
    });
    return {
      machine,
      page,
      bankApp: bank.app,
      bankServer: bank.server,
      atmId: bank.atmId,
      validatorTruth: () => machine!.validator.sim?.truth,
      bankRequests: () => link?.seen ?? [],
      onPaced: (listener) => subscribe(paced, listener),
      close: async () => {
        if (pacer !== undefined) clearInterval(pacer);
        await page.close();
        machine!.stop();
        await closeAll(closers);
      },
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

function dataDirOf(dataDir: string | undefined): string {
  return path.resolve(dataDir ?? 'data');
}

function subscribe(listeners: Set<() => void>, listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  for (const close of closers.reverse()) await close();
}

/** Virtual time follows the wall clock: the firmware's loop and the simulated devices run in real time. */
function paceToWallClock(machine: DeskMachine, listeners: ReadonlySet<() => void>): NodeJS.Timeout {
  const startMs = performance.now();
  const clock = machine.sim.clock;
  return setInterval(() => {
    machine.runFor(Math.max(0, performance.now() - startMs - clock.nowMs));
    for (const listener of listeners) listener();
  }, PACE_PERIOD_MS);
}

// ----- the validator -----

async function openValidator(
  choice: string,
  closers: (() => Promise<void> | void)[],
): Promise<DeskValidator | undefined> {
  if (choice === 'cable') return undefined; // the simulated board's own
  if (choice !== 'pty') {
    const line = await openSerialLine(choice, CCNET_BAUD);
    closers.push(() => line.close());
    // A real validator has its own supply on the desk: the bench's plug does not reach it.
    return { line, sim: undefined, where: choice, powerCut: () => undefined, clear: () => undefined };
  }
  const pair = openPtyPair();
  closers.push(() => pair.master.close());
  const bridge = runValidatorOnPty(pair.master);
  closers.push(() => bridge.stop());
  const line = await openSerialLine(pair.path, CCNET_BAUD);
  closers.push(() => line.close());
  return {
    line,
    sim: bridge.sim,
    where: pair.path,
    powerCut: (outageMs) => bridge.sim.powerCut(outageMs),
    clear: () => bridge.link.clear(),
  };
}

// ----- the bank -----

interface OpenBank {
  readonly atmId: string;
  readonly server: BankServer | undefined;
  readonly app: BankApp;
  /** HTTPS: the board's link, and the machine's provisioning (its device certificate). */
  readonly client?: HttpsClient;
  readonly provisioning?: Provisioning;
  /** In process: the bank's device side, behind the simulated board's own network, and what the bank provisioned. */
  readonly handler?: BankHandler;
  readonly simProvisioning?: SimProvisioningSpec;
  /** The bank's clock is the machine's wall clock (receipts, QR lifetimes). */
  clockOf(machine: DeskMachine): void;
}

async function openBank(
  choice: 'https' | 'in-process',
  dataDir: string | undefined,
  port: number | undefined,
  closers: (() => Promise<void> | void)[],
): Promise<OpenBank> {
  const atmId = BENCH_ATM.atmId;
  if (choice === 'in-process') {
    let clockMs = () => Date.now();
    const bank = inProcessBank({ atmId, nowMs: () => clockMs(), seed: Date.now() >>> 0 });
    closers.push(() => bank.close());
    return {
      atmId,
      server: undefined,
      handler: bank.handler,
      simProvisioning: { atmId, cardTokenKeyHex: bank.cardTokenKeyHex },
      app: async (method, requestPath, body) => {
        const reply = bank.api.app(method, requestPath, body === undefined ? undefined : JSON.stringify(body));
        return { status: reply.status, json: JSON.parse(JSON.stringify(reply.body)) };
      },
      clockOf: (machine) => {
        clockMs = () => machine.sim.clock.wallMs();
      },
    };
  }
  fs.mkdirSync(path.join(dataDirOf(dataDir), 'bench'), { recursive: true });
  const server = await startBankServer({ dataDir: path.join(dataDirOf(dataDir), 'bank'), port: port ?? 0 });
  closers.push(() => server.close());
  const device = server.provisionAtm(atmId, { address: BENCH_ATM.address });
  const https = new NodeHttpsClient({ baseUrl: server.url, caPem: server.caPem, ...device });
  closers.push(() => https.close());
  return {
    atmId,
    server,
    provisioning: new CertificateProvisioning(device.certPem, device.cardTokenKeyHex),
    app: (method, requestPath, body) => appRequest(server, method, requestPath, body),
    client: https,
    clockOf: () => undefined,
  };
}

/**
 * The board's bank link on the desk: the bench's network cable in front of it, the requests the
 * firmware started (for the scenario runner), and a connection that dies with the board — a
 * reply to a request made before a power cut or a restart never reaches the next boot's ledger.
 */
class BenchLink implements DeskBank {
  networkUp = true;
  readonly requestBodyBytesMax: number;
  readonly seen: BankRequestSeen[] = [];
  readonly #inner: HttpsClient;
  readonly #ledgerHead: () => number;
  /** Counts the board's boots as the link sees them: a reply from an older one is dropped. */
  #connection = 0;

  constructor(inner: HttpsClient, ledgerHead: () => number) {
    this.#inner = inner;
    this.#ledgerHead = ledgerHead;
    this.requestBodyBytesMax = inner.requestBodyBytesMax;
  }

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    const connection = this.#connection;
    const deliver = (result: HttpsResult) => {
      if (connection === this.#connection) onDone(result);
    };
    if (this.networkUp && !this.#inner.request(request, deliver)) return false;
    if (!this.networkUp)
      setImmediate(() => deliver({ ok: false, failure: 'connect', detail: 'network cable pulled on the bench' }));
    if (this.seen.length < REQUESTS_SEEN_MAX) this.seen.push(seenRequest(request, this.#ledgerHead(), this.networkUp));
    return true;
  }

  reset(): void {
    this.#connection += 1;
  }
}

function seenRequest(request: HttpsRequest, ledgerHead: number, networkUp: boolean): BankRequestSeen {
  const kind =
    request.path === PATH_AUTHORISE
      ? 'authorise'
      : request.path === PATH_DEPOSITS
        ? 'deposits'
        : request.path === PATH_QR
          ? 'qr-start'
          : request.path.startsWith(`${PATH_QR}/`)
            ? 'qr-poll'
            : 'other';
  if (kind !== 'deposits') return { kind, ledgerHead, fromSequence: 0, toSequence: 0, networkUp };
  const batch = JSON.parse(request.body ?? '{}') as { fromSequence?: number; toSequence?: number };
  return { kind, ledgerHead, fromSequence: batch.fromSequence ?? 0, toSequence: batch.toSequence ?? 0, networkUp };
}
