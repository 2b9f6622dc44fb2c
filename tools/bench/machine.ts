// The machine on the desk (npm start, the bench page, the scenario runner): the unchanged
// firmware with real parts where a desk has them — the bill validator's simulator on the far
// end of a real pty (or a real validator on a USB-serial adapter), real HTTPS with mutual TLS
// to the reference bank and its SQLite books, the ledger in a NOR image file — and simulated
// card reader, palm camera, keypad and screen on virtual time paced to the wall clock.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileNorFlash } from '../../hal/node/file-flash';
import { NodeHttpsClient } from '../../hal/node/https-client';
import { CertificateProvisioning } from '../../hal/node/provisioning';
import { openPtyPair, runValidatorOnPty, type SimulatorBridge } from '../../hal/node/pty-pair';
import { openSerialLine, type NodeSerialLine } from '../../hal/node/serial-port';
import type { Board, HttpsClient, HttpsRequest, HttpsResult, Key, Provisioning, SerialLine, Settings } from '../../hal/ports';
import { DEMO_CARDS } from '../../hal/sim/card-reader';
import { makeSimBoard } from '../../hal/sim/board';
import type { ValidatorTruth } from '../../hal/sim/ccnet-validator';
import { PATH_AUTHORISE, PATH_DEPOSITS, PATH_QR } from '../../src/bank/wire';
import { maskIin } from '../../src/log/mask';
import { formatTiyn } from '../../src/kz/tenge';
import type { LedgerRecord } from '../../src/ledger/records';
import { startFirmware, type Firmware } from '../../src/firmware';
import { DEMO_ATMS, DEMO_CUSTOMERS } from '../bank/seed';
import { startBankServer, type BankServer } from '../bank/server';
import { appRequest } from '../bank/test-kit';
import { provisionBenchSecrets } from '../console/bench-secrets';
import type { BenchAction, BenchBankView, BenchLedgerRow, BenchMachine, BenchSnapshot } from './machine-api';

export const BENCH_ATM = DEMO_ATMS[0];
const PACE_PERIOD_MS = 2;
const BANK_VIEW_PERIOD_MS = 1_000;
const LEDGER_ROWS_MAX = 50;
const CONSOLE_TEXT_CHARS_MAX = 16_384;
const OUTAGE_MS_DEFAULT = 1_500;
const VALIDATOR_BAUD = 9600;
/** Requests kept for the scenario runner's round-trip count; a scenario makes a few dozen. */
const REQUESTS_SEEN_MAX = 10_000;

export interface BenchMachineOptions {
  /** Where the ledger image and the bank's books live (data/ by default). */
  readonly dataDir?: string;
  /** A real validator's tty; by default the simulator on a pty pair. */
  readonly validatorPath?: string;
  /** The bank's device port (0: any free port). */
  readonly bankPort?: number;
  /** The console's other ends (terminal, pty); the bench page's console is always one of them. */
  readonly consoleLines?: readonly SerialLine[];
}

export interface RunningBench {
  readonly machine: BenchMachine;
  readonly bank: BankServer;
  readonly validatorPath: string;
  firmware(): Firmware | undefined;
  /** What the simulated validator really holds (undefined with a real validator): the oracle for checks. */
  validatorTruth(): ValidatorTruth | undefined;
  /** Every request the firmware started on the bank link since the machine started (the first REQUESTS_SEEN_MAX). */
  bankRequests(): readonly BankRequestSeen[];
}

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

export async function startBenchMachine(options: BenchMachineOptions = {}): Promise<RunningBench> {
  const dataDir = path.resolve(options.dataDir ?? 'data');
  fs.mkdirSync(path.join(dataDir, 'bench'), { recursive: true });
  const bank = await startBankServer({ dataDir: path.join(dataDir, 'bank'), port: options.bankPort ?? 0 });
  const device = bank.provisionAtm(BENCH_ATM.atmId, { address: BENCH_ATM.address });
  const https = new SwitchableHttps(new NodeHttpsClient({ baseUrl: bank.url, caPem: bank.caPem, ...device }));
  const validator = await openValidator(options.validatorPath);
  const machine = new NodeBenchMachine(dataDir, bank, https, new CertificateProvisioning(device.certPem, device.cardTokenKeyHex), validator, options.consoleLines ?? []);
  return {
    machine, bank, validatorPath: validator.path, firmware: () => machine.firmware, validatorTruth: () => validator.bridge?.sim.truth,
    bankRequests: () => https.seen,
  };
}

interface ValidatorConnection {
  readonly path: string;
  readonly line: NodeSerialLine;
  /** The simulator on the pty's far end; undefined for a real validator. */
  readonly bridge: SimulatorBridge | undefined;
  close(): Promise<void>;
}

async function openValidator(realPath: string | undefined): Promise<ValidatorConnection> {
  if (realPath !== undefined) {
    const line = await openSerialLine(realPath, VALIDATOR_BAUD);
    return { path: realPath, line, bridge: undefined, close: () => line.close() };
  }
  const pair = openPtyPair();
  const bridge = runValidatorOnPty(pair.master);
  const line = await openSerialLine(pair.path, VALIDATOR_BAUD);
  return {
    path: pair.path, line, bridge,
    close: async () => {
      bridge.stop();
      await line.close();
      pair.master.close();
    },
  };
}

/** The bank link with the bench's network switch in front of it. */
class SwitchableHttps implements HttpsClient {
  up = true;
  readonly inner: NodeHttpsClient;
  readonly requestBodyBytesMax: number;
  /** The requests the firmware started, for the scenario runner's round trips per session. */
  readonly seen: BankRequestSeen[] = [];
  /** The running firmware's ledger head (0 while the power is off). */
  ledgerHead: () => number = () => 0;

  constructor(inner: NodeHttpsClient) {
    this.inner = inner;
    this.requestBodyBytesMax = inner.requestBodyBytesMax;
  }

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.up && !this.inner.request(request, onDone)) return false;
    if (!this.up) setImmediate(() => onDone({ ok: false, failure: 'connect', detail: 'network cable pulled on the bench' }));
    if (this.seen.length < REQUESTS_SEEN_MAX) this.seen.push(seenRequest(request, this.ledgerHead(), this.up));
    return true;
  }
}

function seenRequest(request: HttpsRequest, ledgerHead: number, networkUp: boolean): BankRequestSeen {
  const kind = request.path === PATH_AUTHORISE ? 'authorise' : request.path === PATH_DEPOSITS ? 'deposits'
    : request.path === PATH_QR ? 'qr-start' : request.path.startsWith(`${PATH_QR}/`) ? 'qr-poll' : 'other';
  if (kind !== 'deposits') return { kind, ledgerHead, fromSequence: 0, toSequence: 0, networkUp };
  const batch = JSON.parse(request.body ?? '{}') as { fromSequence?: number; toSequence?: number };
  return { kind, ledgerHead, fromSequence: batch.fromSequence ?? 0, toSequence: batch.toSequence ?? 0, networkUp };
}

/** Keeps what the console wrote (the firmware masks it at its one write path) for the page. */
class ConsoleTap implements SerialLine {
  text = '';
  readonly #lines: readonly SerialLine[];
  readonly #typed: number[] = [];

  constructor(lines: readonly SerialLine[]) {
    this.#lines = lines;
  }

  type(line: string): void {
    for (const char of `${line}\r`) this.#typed.push(char.charCodeAt(0) & 0x7f);
  }

  read(into: Uint8Array): number {
    for (const line of this.#lines) {
      const count = line.read(into);
      if (count > 0) return count;
    }
    let count = 0;
    while (count < into.length && this.#typed.length > 0) into[count++] = this.#typed.shift()!;
    return count;
  }

  write(bytes: Uint8Array, length: number): boolean {
    for (const line of this.#lines) line.write(bytes, length);
    this.text = (this.text + String.fromCharCode(...bytes.subarray(0, length))).slice(-CONSOLE_TEXT_CHARS_MAX);
    return true;
  }
}

class NodeBenchMachine implements BenchMachine {
  firmware: Firmware | undefined;
  readonly #sim = makeSimBoard({ seed: Date.now() >>> 0, wallAtBootMs: Date.now() });
  readonly #board: Board;
  readonly #flash: FileNorFlash;
  readonly #bank: BankServer;
  readonly #https: SwitchableHttps;
  readonly #validator: ValidatorConnection;
  readonly #console: ConsoleTap;
  readonly #listeners = new Set<() => void>();
  readonly #pacer: NodeJS.Timeout;
  readonly #bankPoller: NodeJS.Timeout;
  #bankView: BenchBankView = { customers: [], receipts: [] };
  /** The ledger's synced-through sequence when the bank view's last refresh began. */
  #bankViewSyncedThrough = 0;
  #refreshing = false;
  #powerOnAtMs = Infinity;
  #lastScreenCount = 0;

  constructor(dataDir: string, bank: BankServer, https: SwitchableHttps, provisioning: Provisioning, validator: ValidatorConnection,
    consoleLines: readonly SerialLine[]) {
    this.#bank = bank;
    this.#https = https;
    https.ledgerHead = () => this.firmware?.ledger.headSequence ?? 0;
    this.#validator = validator;
    this.#flash = new FileNorFlash(path.join(dataDir, 'bench', 'ledger-flash.img'));
    this.#console = new ConsoleTap(consoleLines);
    provision(this.#sim.settings);
    this.#board = {
      ...this.#sim.board,
      name: 'node-bench',
      validatorLine: validator.line,
      consoleLine: this.#console,
      ledgerFlash: this.#flash,
      bank: https,
      system: { restart: () => this.#powerCycle(0), heapUsedBytes: () => process.memoryUsage().heapUsed },
      provisioning,
    };
    this.firmware = startFirmware(this.#board);
    const startMs = performance.now();
    const clock = this.#sim.clock;
    // Virtual time follows the wall clock: the firmware's loop and the simulated devices run in real time.
    this.#pacer = setInterval(() => {
      this.#sim.world.runFor(Math.max(0, performance.now() - startMs - clock.nowMs));
      if (this.firmware === undefined && clock.nowMs >= this.#powerOnAtMs) this.#powerOn();
      if (this.firmware !== undefined && syncedThrough(this.firmware) > this.#bankViewSyncedThrough) void this.#refreshBankView();
      if (this.#sim.display.shows !== this.#lastScreenCount) {
        this.#lastScreenCount = this.#sim.display.shows;
        this.#changed();
      }
    }, PACE_PERIOD_MS);
    this.#bankPoller = setInterval(() => void this.#refreshBankView(), BANK_VIEW_PERIOD_MS);
    void this.#refreshBankView();
  }

  snapshot(): BenchSnapshot {
    const firmware = this.firmware;
    return {
      screen: firmware === undefined ? undefined : this.#sim.display.current, // no power, a dark screen
      power: firmware === undefined ? 'off' : 'on',
      network: this.#https.up ? 'up' : 'down',
      validator: this.#validatorText(),
      cassette: {
        notes: firmware?.session.cassette.notes ?? 0,
        amountTiyn: firmware?.session.cassette.amountTiyn ?? 0,
        capacityNotes: this.#validator.bridge?.sim.cassetteCapacity ?? 0,
      },
      ledger: firmware === undefined ? [] : ledgerRows(firmware),
      ledgerStats: firmware === undefined ? { head: 0, acked: 0, usedPercent: 0 } : {
        head: firmware.ledger.headSequence,
        // What the bank view below already shows the bank holding: a page that sees head = acked
        // reads a bank panel with those credits in it.
        acked: Math.min(syncedThrough(firmware), this.#bankViewSyncedThrough),
        usedPercent: Math.round((100 * firmware.ledger.stats().usedBytes) / firmware.ledger.stats().capacityBytes),
      },
      bank: this.#bankView,
      demo: {
        cards: Object.entries(DEMO_CARDS).map(([id, card]) => ({ id, label: card.name })),
        customers: DEMO_CUSTOMERS.map((customer) => ({
          iin: customer.iin, label: `${customer.given_name} ${customer.family_name[0]}.`, palm: customer.palm_template,
        })),
      },
    };
  }

  async act(action: BenchAction): Promise<string | undefined> {
    const error = await this.#apply(action);
    this.#changed();
    if (action.kind === 'phone-scan-qr' || action.kind === 'notes') setTimeout(() => void this.#refreshBankView(), 300);
    return error;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  consoleText(): string {
    return this.#console.text;
  }

  async close(): Promise<void> {
    clearInterval(this.#pacer);
    clearInterval(this.#bankPoller);
    this.firmware?.stop();
    this.#https.inner.close();
    await this.#validator.close();
    this.#flash.close();
    await this.#bank.close();
  }

  async #apply(action: BenchAction): Promise<string | undefined> {
    const sim = this.#sim;
    const validator = this.#validator.bridge?.sim;
    switch (action.kind) {
      case 'key': sim.keypad.press(action.key as Key); return undefined;
      case 'insert-card': return this.#card(action.cardId, (card) => (sim.cardReader.insertCard(card) ? undefined : 'a card is already in the reader'));
      case 'tap-card': return this.#card(action.cardId, (card) => void sim.cardReader.tap(card));
      case 'take-card': return sim.cardReader.takeCard() === undefined ? 'no card at the gate' : undefined;
      case 'palm': {
        const customer = DEMO_CUSTOMERS.find((candidate) => candidate.iin === action.iin);
        sim.palm.present(action.iin === 'poor-image' ? 'poor-image' : customer?.palm_template ?? 'palm-nobody-knows');
        return undefined;
      }
      case 'phone-scan-qr': return this.#scanQr(action.iin);
      case 'notes':
        if (validator === undefined) return 'a real validator is connected: put real notes in';
        for (const note of action.notes) validator.insert(note);
        return undefined;
      case 'power': action.on ? this.#powerOn() : this.#powerCycle(Infinity); return undefined;
      case 'network': this.#https.up = action.up; return undefined;
      case 'jam':
        if (validator === undefined) return 'a real validator is connected';
        validator.jamNextStack();
        return undefined;
      case 'cassette':
        if (validator === undefined) return 'a real validator is connected';
        if (action.state === 'removed') validator.removeCassette();
        else if (action.state === 'inserted') validator.insertCassette();
        else validator.cassetteCapacity = validator.truth.cassetteTenge.length;
        return undefined;
      case 'console': this.#console.type(action.line); return undefined;
    }
  }

  #card(cardId: string, use: (card: (typeof DEMO_CARDS)[keyof typeof DEMO_CARDS]) => string | undefined): string | undefined {
    const card = (DEMO_CARDS as Record<string, (typeof DEMO_CARDS)[keyof typeof DEMO_CARDS]>)[cardId];
    return card === undefined ? `no demo card "${cardId}"` : use(card);
  }

  async #scanQr(iin: string): Promise<string | undefined> {
    const payload = this.#sim.display.current?.qr;
    if (payload === undefined) return 'no QR code on the screen';
    const reply = await appRequest(this.#bank, 'POST', '/app/qr/scan', { payload, iin });
    return reply.status === 200 ? undefined : `the app says: ${reply.json?.error ?? reply.status}`;
  }

  /** Pulls the plug: the firmware's RAM is gone, the validator loses power too; the flash keeps what it had. */
  #powerCycle(outageMs: number): void {
    this.firmware?.stop();
    this.firmware = undefined;
    this.#validator.bridge?.sim.powerCut(Number.isFinite(outageMs) ? outageMs : 365 * 86_400_000);
    this.#powerOnAtMs = this.#sim.clock.nowMs + outageMs;
    this.#changed();
  }

  #powerOn(): void {
    if (this.firmware !== undefined) return;
    this.#powerOnAtMs = Infinity;
    this.#validator.bridge?.sim.powerCut(0);
    this.firmware = startFirmware(this.#board);
    this.#changed();
  }

  #validatorText(): string {
    const sim = this.#validator.bridge?.sim;
    const status = this.firmware?.validator.status() ?? 'off';
    if (sim === undefined) return `real validator on ${this.#validator.path}: ${status}`;
    return `${status}; state 0x${sim.state.toString(16)}; ${sim.truth.cassetteTenge.length} notes in the cassette`;
  }

  async #refreshBankView(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const syncedAtStart = this.firmware === undefined ? 0 : syncedThrough(this.firmware);
    try {
      const customers = [];
      const receipts = [];
      for (const customer of DEMO_CUSTOMERS) {
        const reply = await appRequest(this.#bank, 'GET', `/app/customers/${customer.iin}`);
        if (reply.status !== 200) continue;
        const bill = reply.json.bill;
        customers.push({
          iinMasked: maskIin(customer.iin), name: reply.json.displayName, billTiyn: bill.billTiyn, nextBillTiyn: bill.nextBillTiyn, carriedTiyn: bill.carriedTiyn,
        });
        for (const receipt of reply.json.receipts ?? []) receipts.push({ receiptId: String(receipt.transactionId), text: receiptText(receipt) });
      }
      this.#bankView = { customers, receipts };
      this.#bankViewSyncedThrough = syncedAtStart;
      this.#changed();
    } catch {
      // The bank's app port is down with the bank; the view keeps its last state.
    } finally {
      this.#refreshing = false;
    }
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The ledger's sequence up to which the bank holds everything that needs sending (bank-acks are bookkeeping). */
function syncedThrough(firmware: Firmware): number {
  return firmware.ledger.stats().unsyncedRecords === 0 ? firmware.ledger.headSequence : firmware.ledger.ackedSequence;
}

function provision(settings: Settings): void {
  provisionBenchSecrets(settings);
  if (settings.get('cfg.alaqan') === undefined) settings.set('cfg.alaqan', 'on'); // Almaty is in the Alaqan rollout
}

function ledgerRows(firmware: Firmware): BenchLedgerRow[] {
  const ledger = firmware.ledger;
  const rows: BenchLedgerRow[] = [];
  ledger.readFrom(Math.max(ledger.tailSequence, ledger.headSequence - LEDGER_ROWS_MAX + 1), LEDGER_ROWS_MAX, (sequence, record) => {
    rows.push({ sequence, kind: record.kind, text: recordText(record), synced: sequence <= ledger.ackedSequence || record.kind === 'bank-ack' });
  });
  return rows.reverse();
}

function recordText(record: LedgerRecord): string {
  switch (record.kind) {
    case 'session-opened': return `session ${record.sessionId} by ${record.method}, bill ${formatTiyn(record.billTiyn)}`;
    case 'note-escrowed': return `session ${record.sessionId}: ${record.denominationTenge} ₸ about to be stacked`;
    case 'note-stacked': return `session ${record.sessionId}: ${record.denominationTenge} ₸ stacked`;
    case 'note-returned': return `session ${record.sessionId}: ${record.denominationTenge} ₸ returned`;
    case 'session-closed':
      return `session ${record.sessionId} ${record.outcome}: ${formatTiyn(record.depositedTiyn)} (bill ${formatTiyn(record.toBillTiyn)}, next month ${formatTiyn(record.toNextTiyn)})`;
    case 'doubt': return `session ${record.sessionId}: ${record.denominationTenge} ₸ to reconcile (${record.reason})`;
    case 'cassette-collected': return `cassette collected: ${record.notes} notes, ${formatTiyn(record.amountTiyn)}`;
    case 'bank-ack': return `bank holds everything up to ${record.ackedSequence}`;
  }
}

function receiptText(receipt: Record<string, any>): string {
  return [
    `${receipt.transactionId} ${receipt.issuedAt}`, `${receipt.customer?.name} ${receipt.customer?.iin}`,
    `deposited ${formatTiyn(receipt.depositedTiyn)}: to the bill ${formatTiyn(receipt.toBillTiyn)}, to next month ${formatTiyn(receipt.toNextTiyn)}`,
    `next bill ${formatTiyn(receipt.nextBillTiyn)}`,
  ].join(' · ');
}
