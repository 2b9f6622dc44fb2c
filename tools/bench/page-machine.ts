// What the bench page sees of the machine on the desk and does to it (machine-api.ts), over the
// running desk machine (machine.ts, started by desk.ts): the screen as the firmware drew it, the
// customer's and the world's hands on the simulated board and its parts, the ledger as the
// firmware keeps it, the bank's books through its phone-app and admin side, and the console.

import type { Key, SerialLine } from '../../hal/ports';
import { DEMO_CARDS } from '../../hal/sim/card-reader';
import { maskIin } from '../../src/log/mask';
import { formatTiyn } from '../../src/kz/tenge';
import type { LedgerRecord } from '../../src/ledger/records';
import type { Firmware } from '../../src/firmware';
import type { Receipt } from '../bank/receipt';
import { DEMO_CUSTOMERS } from '../bank/seed';
import type { BankApp } from './desk';
import type { DeskMachine } from './machine';
import type { BenchAction, BenchBankView, BenchLedgerRow, BenchMachine, BenchSnapshot } from './machine-api';

const BANK_VIEW_PERIOD_MS = 1_000;
/** After a QR scan or a stack of notes the bank's books change soon: look again this much later. */
const BANK_VIEW_AFTER_ACTION_MS = 300;
const LEDGER_ROWS_MAX = 50;
const CONSOLE_TEXT_CHARS_MAX = 16_384;
/** Characters typed on the page and not yet read by the console: a few lines. */
const CONSOLE_TYPED_CHARS_MAX = 1_024;

type DemoCard = (typeof DEMO_CARDS)[keyof typeof DEMO_CARDS];

/** The console's line as the firmware sees it: its other ends (terminal, pty) and the page, and what it wrote for the page. */
export class ConsoleTap implements SerialLine {
  text = '';
  readonly #lines: readonly SerialLine[];
  readonly #typed: number[] = [];

  constructor(lines: readonly SerialLine[]) {
    this.#lines = lines;
  }

  /** The page types a line (and Enter); false when the console has not read what was typed before. */
  type(line: string): boolean {
    if (this.#typed.length + line.length + 1 > CONSOLE_TYPED_CHARS_MAX) return false;
    for (const char of `${line}\r`) this.#typed.push(char.charCodeAt(0) & 0x7f);
    return true;
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

export interface PageMachineOptions {
  /** The firmware's console line (desk.ts gives the machine this tap). */
  readonly console: ConsoleTap;
  readonly bankApp: BankApp;
  /** Called after each time the wall clock moved the machine on. */
  readonly onPaced: (listener: () => void) => () => void;
}

export class PageMachine implements BenchMachine {
  readonly #machine: DeskMachine;
  readonly #console: ConsoleTap;
  readonly #bankApp: BankApp;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: () => void;
  readonly #bankPoller: NodeJS.Timeout;
  readonly #timers = new Set<NodeJS.Timeout>();
  #bankView: BenchBankView = { customers: [], receipts: [] };
  /** The ledger's synced-through sequence when the bank view's last refresh began. */
  #bankViewSyncedThrough = 0;
  #refreshing = false;
  #closed = false;
  #lastScreenCount = -1;
  #lastPowered = false;

  constructor(machine: DeskMachine, options: PageMachineOptions) {
    this.#machine = machine;
    this.#console = options.console;
    this.#bankApp = options.bankApp;
    this.#unsubscribe = options.onPaced(() => this.#afterPace());
    this.#bankPoller = setInterval(() => void this.#refreshBankView(), BANK_VIEW_PERIOD_MS);
    void this.#refreshBankView();
  }

  snapshot(): BenchSnapshot {
    const firmware = this.#machine.firmware;
    const sim = this.#machine.sim;
    return {
      screen: firmware === undefined ? undefined : sim.display.current, // no power, a dark screen
      power: firmware === undefined ? 'off' : 'on',
      network: this.#machine.bank.networkUp ? 'up' : 'down',
      validator: this.#validatorText(),
      cassette: {
        notes: firmware?.session.cassette.notes ?? 0,
        amountTiyn: firmware?.session.cassette.amountTiyn ?? 0,
        capacityNotes: this.#machine.validator.sim?.cassetteCapacity ?? 0,
      },
      ledger: firmware === undefined ? [] : ledgerRows(firmware),
      ledgerStats:
        firmware === undefined
          ? { head: 0, acked: 0, usedPercent: 0 }
          : {
              head: firmware.ledger.headSequence,
              // What the bank view below already shows the bank holding: a page that sees head = acked
              // reads a bank panel with those credits in it.
              acked: Math.min(syncedThrough(firmware), this.#bankViewSyncedThrough),
              usedPercent: Math.round(
                (100 * firmware.ledger.stats().usedBytes) / firmware.ledger.stats().capacityBytes,
              ),
            },
      bank: this.#bankView,
      demo: {
        cards: Object.entries(DEMO_CARDS).map(([id, card]) => ({ id, label: card.name })),
        customers: DEMO_CUSTOMERS.map((customer) => ({
          iin: customer.iin,
          label: `${customer.given_name} ${customer.family_name[0]}.`,
          palm: customer.palm_template,
        })),
      },
    };
  }

  async act(action: BenchAction): Promise<string | undefined> {
    const error = await this.#apply(action);
    this.#changed();
    if (action.kind === 'phone-scan-qr' || action.kind === 'notes')
      this.#later(BANK_VIEW_AFTER_ACTION_MS, () => void this.#refreshBankView());
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
    this.#closed = true;
    this.#unsubscribe();
    clearInterval(this.#bankPoller);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  /** The customer's hands need the machine on; the world's (plug, cable, validator, cassette) do not. */
  async #apply(action: BenchAction): Promise<string | undefined> {
    switch (action.kind) {
      case 'power':
        action.on ? this.#machine.powerOn() : this.#machine.powerCut(Infinity);
        return undefined;
      case 'network':
        this.#machine.bank.networkUp = action.up;
        return undefined;
      case 'jam':
      case 'cassette':
        return this.#validatorHands(action);
      default:
        if (!this.#machine.poweredOn) return 'the machine is off';
        return this.#customerHands(action);
    }
  }

  async #customerHands(
    action: Exclude<BenchAction, { kind: 'power' | 'network' | 'jam' | 'cassette' }>,
  ): Promise<string | undefined> {
    const sim = this.#machine.sim;
    switch (action.kind) {
      case 'key':
        sim.keypad.press(action.key as Key);
        return undefined;
      case 'insert-card':
        return this.#card(action.cardId, (card) =>
          sim.cardReader.insertCard(card) ? undefined : 'a card is already in the reader',
        );
      case 'tap-card':
        return this.#card(action.cardId, (card) => void sim.cardReader.tap(card));
      case 'take-card':
        return sim.cardReader.takeCard() === undefined ? 'no card at the gate' : undefined;
      case 'palm': {
        const customer = DEMO_CUSTOMERS.find((candidate) => candidate.iin === action.iin);
        sim.palm.present(action.iin === 'poor-image' ? 'poor-image' : (customer?.palm_template ?? 'palm-nobody-knows'));
        return undefined;
      }
      case 'phone-scan-qr':
        return this.#scanQr(action.iin);
      case 'notes': {
        const validator = this.#machine.validator.sim;
        if (validator === undefined) return 'a real validator is connected: put real notes in';
        for (const note of action.notes) validator.insert(note);
        return undefined;
      }
      case 'console':
        return this.#console.type(action.line) ? undefined : 'the console has not read the last lines yet';
    }
  }

  #validatorHands(action: Extract<BenchAction, { kind: 'jam' | 'cassette' }>): string | undefined {
    const validator = this.#machine.validator.sim;
    if (validator === undefined) return 'a real validator is connected';
    if (action.kind === 'jam') validator.jamNextStack();
    else if (action.state === 'removed') validator.removeCassette();
    else if (action.state === 'inserted') validator.insertCassette();
    else validator.cassetteCapacity = validator.truth.cassetteTenge.length;
    return undefined;
  }

  #card(cardId: string, use: (card: DemoCard) => string | undefined): string | undefined {
    const card = (DEMO_CARDS as Record<string, DemoCard>)[cardId];
    return card === undefined ? `no demo card "${cardId}"` : use(card);
  }

  async #scanQr(iin: string): Promise<string | undefined> {
    const payload = this.#machine.sim.display.current?.qr;
    if (payload === undefined) return 'no QR code on the screen';
    const reply = await this.#bankApp('POST', '/app/qr/scan', { payload, iin });
    return reply.status === 200 ? undefined : `the app says: ${reply.json?.error ?? reply.status}`;
  }

  #validatorText(): string {
    const validator = this.#machine.validator;
    const status = this.#machine.firmware?.validator.status() ?? 'off';
    if (validator.sim === undefined) return `real validator on ${validator.where}: ${status}`;
    return `${status}; state 0x${validator.sim.state.toString(16)}; ${validator.sim.truth.cassetteTenge.length} notes in the cassette`;
  }

  /** After the wall clock moved the machine: a new screen, a boot or a cut, a sync the bank view has not seen. */
  #afterPace(): void {
    const firmware = this.#machine.firmware;
    if (firmware !== undefined && syncedThrough(firmware) > this.#bankViewSyncedThrough) void this.#refreshBankView();
    const shows = this.#machine.sim.display.shows;
    if (shows !== this.#lastScreenCount || this.#machine.poweredOn !== this.#lastPowered) {
      this.#lastScreenCount = shows;
      this.#lastPowered = this.#machine.poweredOn;
      this.#changed();
    }
  }

  async #refreshBankView(): Promise<void> {
    if (this.#refreshing || this.#closed) return;
    this.#refreshing = true;
    const firmware = this.#machine.firmware;
    const syncedAtStart = firmware === undefined ? 0 : syncedThrough(firmware);
    try {
      const customers = [];
      const receipts = [];
      for (const customer of DEMO_CUSTOMERS) {
        const reply = await this.#bankApp('GET', `/app/customers/${customer.iin}`);
        if (reply.status !== 200) continue;
        const bill = reply.json.bill;
        customers.push({
          iinMasked: maskIin(customer.iin),
          name: reply.json.displayName,
          billTiyn: bill.billTiyn,
          nextBillTiyn: bill.nextBillTiyn,
          carriedTiyn: bill.carriedTiyn,
        });
        for (const receipt of reply.json.receipts ?? [])
          receipts.push({ receiptId: String(receipt.transactionId), text: receiptText(receipt) });
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

  #later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The ledger's sequence up to which the bank holds everything that needs sending (bank-acks are bookkeeping). */
function syncedThrough(firmware: Firmware): number {
  return firmware.ledger.stats().unsyncedRecords === 0 ? firmware.ledger.headSequence : firmware.ledger.ackedSequence;
}

function ledgerRows(firmware: Firmware): BenchLedgerRow[] {
  const ledger = firmware.ledger;
  const rows: BenchLedgerRow[] = [];
  ledger.readFrom(
    Math.max(ledger.tailSequence, ledger.headSequence - LEDGER_ROWS_MAX + 1),
    LEDGER_ROWS_MAX,
    (sequence, record) => {
      rows.push({
        sequence,
        kind: record.kind,
        text: recordText(record),
        synced: sequence <= ledger.ackedSequence || record.kind === 'bank-ack',
      });
    },
  );
  return rows.reverse();
}

function recordText(record: LedgerRecord): string {
  switch (record.kind) {
    case 'session-opened':
      return `session ${record.sessionId} by ${record.method}, bill ${formatTiyn(record.billTiyn)}`;
    case 'note-escrowed':
      return `session ${record.sessionId}: ${record.denominationTenge} ₸ about to be stacked`;
    case 'note-stacked':
      return `session ${record.sessionId}: ${record.denominationTenge} ₸ stacked`;
    case 'note-returned':
      return `session ${record.sessionId}: ${record.denominationTenge} ₸ returned`;
    case 'session-closed':
      return `session ${record.sessionId} ${record.outcome}: ${formatTiyn(record.depositedTiyn)} (bill ${formatTiyn(record.toBillTiyn)}, next month ${formatTiyn(record.toNextTiyn)})`;
    case 'doubt':
      return `session ${record.sessionId}: ${record.denominationTenge} ₸ to reconcile (${record.reason})`;
    case 'cassette-collected':
      return `cassette collected: ${record.notes} notes, ${formatTiyn(record.amountTiyn)}`;
    case 'bank-ack':
      return `bank holds everything up to ${record.ackedSequence}`;
  }
}

function receiptText(receipt: Receipt): string {
  return [
    `${receipt.transactionId} ${receipt.issuedAt}`,
    `${receipt.customer.name} ${receipt.customer.iin}`,
    `deposited ${formatTiyn(receipt.depositedTiyn)}: to the bill ${formatTiyn(receipt.toBillTiyn)}, to next month ${formatTiyn(receipt.toNextTiyn)}`,
    `next bill ${formatTiyn(receipt.nextBillTiyn)}`,
  ].join(' · ');
}
