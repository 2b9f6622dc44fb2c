// A small in-memory BenchMachine for building and testing the bench page without the firmware.
// It plays the customer's path in the firmware's shape (screen ids, field names, keys) closely
// enough for the page's end-to-end tests: attract → method → palm | QR | card | IIN → bill →
// insert-notes → summary; notes stack one by one on real time so a power cut can land mid-stack.
// It is NOT the firmware and proves nothing about money handling: tools/bench/machine.ts does.

import type { Language, Screen } from '../../hal/ports';
import type { BenchAction, BenchLedgerRow, BenchMachine, BenchNote, BenchSnapshot } from './machine-api';
import { DENOMINATIONS_TENGE } from '../../src/domain';
import { IIN_DIGITS } from '../../src/kz/iin';
import { maskIin } from '../../src/log/mask';

/** The snapshot carries the newest rows only (machine-api.ts: at most 50). */
const LEDGER_ROWS_SHOWN_MAX = 50;
/** A bounded ring of ledger rows, like the real partition. */
const LEDGER_ROWS_MAX = 1024;
/** Console output kept, in characters; older output is dropped from the front. */
const CONSOLE_TEXT_CHARS_MAX = 16 * 1024;
const NOTES_PER_STACK_MAX = 200;
const ATTEMPTS_MAX = 3;
const CASSETTE_CAPACITY_NOTES = 2200;

interface FakeCustomer {
  readonly iin: string;
  readonly name: string;
  readonly palm: string;
  billTiyn: number;
  nextBillTiyn: number;
  carriedTiyn: number;
}

export interface FakeMachineOptions {
  /** Real milliseconds the fake takes to stack one note (a power cut can land in between). */
  readonly noteStackMs?: number;
  /** Real milliseconds before unsynced ledger rows reach the bank while the network is up. */
  readonly syncDelayMs?: number;
}

type Stage = 'attract' | 'method' | 'iin' | 'card' | 'palm' | 'qr' | 'bill' | 'cash-in' | 'stacking' | 'summary' | 'notice';

export class FakeBenchMachine implements BenchMachine {
  readonly #noteStackMs: number;
  readonly #syncDelayMs: number;
  readonly #listeners = new Set<() => void>();
  readonly #customers: FakeCustomer[] = [
    // Valid IINs (check digit per the reference) that belong to nobody real.
    { iin: '850312400128', name: 'Aigerim S.', palm: 'palm-aigerim', billTiyn: 1_500_000, nextBillTiyn: 1_500_000, carriedTiyn: 0 },
    { iin: '921119500341', name: 'Nurlan K.', palm: 'palm-nurlan', billTiyn: 0, nextBillTiyn: 800_000, carriedTiyn: 0 },
    { iin: '780702300562', name: 'Olga P.', palm: 'palm-olga', billTiyn: 4_235_000, nextBillTiyn: 4_235_000, carriedTiyn: 0 },
  ];
  readonly #cards: ReadonlyMap<string, string | undefined> = new Map([
    ['gold-aigerim', '850312400128'], ['gold-olga', '780702300562'], ['foreign-visa', undefined],
  ]);
  #power: 'on' | 'off' = 'on';
  #network: 'up' | 'down' = 'up';
  #jammed = false;
  #cassetteState: 'inserted' | 'removed' = 'inserted';
  #cassetteNotes = 0;
  #cassetteTiyn = 0;
  #ledger: BenchLedgerRow[] = [];
  #sequence = 0;
  #acked = 0;
  #receipts: { receiptId: string; text: string }[] = [];
  #console = '';
  #stage: Stage = 'attract';
  #language: Language = 'kk';
  #screen: Screen | undefined;
  #customer: FakeCustomer | undefined;
  #iinDigits = '';
  #attemptsLeft = ATTEMPTS_MAX;
  #qrNonce = 0;
  #cardInReader = false;
  #depositedTiyn = 0;
  #notesCounted = 0;
  #stackQueueTenge: number[] = [];
  #message = '';
  #powerEpoch = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(options: FakeMachineOptions = {}) {
    this.#noteStackMs = options.noteStackMs ?? 150;
    this.#syncDelayMs = options.syncDelayMs ?? 100;
    this.#print('Kaspi Red cash-in ATM (fake machine for the bench page)\r\natm> ');
    this.#go('attract');
  }

  snapshot(): BenchSnapshot {
    return {
      screen: this.#power === 'on' ? this.#screen : undefined,
      power: this.#power,
      network: this.#network,
      validator: this.#validatorText(),
      cassette: { notes: this.#cassetteNotes, amountTiyn: this.#cassetteTiyn, capacityNotes: CASSETTE_CAPACITY_NOTES },
      ledger: this.#ledger.slice(-LEDGER_ROWS_SHOWN_MAX),
      ledgerStats: { head: this.#sequence, acked: this.#acked, usedPercent: Math.round((100 * this.#ledger.length) / LEDGER_ROWS_MAX) },
      bank: {
        customers: this.#customers.map((customer) => ({
          iinMasked: maskIin(customer.iin), name: customer.name,
          billTiyn: customer.billTiyn, nextBillTiyn: customer.nextBillTiyn, carriedTiyn: customer.carriedTiyn,
        })),
        receipts: this.#receipts.slice(),
      },
      demo: {
        cards: [
          { id: 'gold-aigerim', label: 'Kaspi Gold ··4417 (Aigerim)' },
          { id: 'gold-olga', label: 'Kaspi Gold ··9021 (Olga)' },
          { id: 'foreign-visa', label: 'Foreign Visa' },
        ],
        customers: this.#customers.map((customer) => ({ iin: customer.iin, label: customer.name, palm: customer.palm })),
      },
    };
  }

  async act(action: BenchAction): Promise<string | undefined> {
    if (action.kind === 'power') return this.#setPower(action.on);
    if (this.#power === 'off') return 'the machine is off';
    const error = this.#apply(action);
    this.#changed();
    return error;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  consoleText(): string {
    return this.#console;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #apply(action: Exclude<BenchAction, { kind: 'power' }>): string | undefined {
    switch (action.kind) {
      case 'key': return this.#onKey(action.key);
      case 'insert-card': return this.#onCard(action.cardId, 'insert');
      case 'tap-card': return this.#onCard(action.cardId, 'tap');
      case 'take-card': this.#cardInReader = false; return undefined;
      case 'palm': return this.#onPalm(action.iin);
      case 'phone-scan-qr': return this.#onPhoneScan(action.iin);
      case 'notes': return this.#onNotes(action.notes);
      case 'network': this.#network = action.up ? 'up' : 'down'; this.#scheduleSync(); return undefined;
      case 'jam': return this.#onJam();
      case 'cassette': return this.#onCassette(action.state);
      case 'console': this.#onConsole(action.line); return undefined;
    }
  }

  #onKey(key: string): string | undefined {
    switch (this.#stage) {
      case 'attract': {
        const language: Language | undefined = key === 'F1' ? 'kk' : key === 'F2' ? 'ru' : key === 'F3' ? 'en' : undefined;
        if (language === undefined) return undefined;
        if (this.#cassetteState === 'removed') return this.#notice('outOfServiceCash');
        this.#language = language;
        this.#attemptsLeft = ATTEMPTS_MAX;
        return this.#go('method');
      }
      case 'method':
        if (key === 'F1') return this.#go('palm');
        if (key === 'F2') { this.#qrNonce += 1; return this.#go('qr'); }
        if (key === 'F3') return this.#go('card');
        if (key === 'F4') { this.#iinDigits = ''; return this.#go('iin'); }
        if (key === 'cancel') return this.#go('attract');
        return undefined;
      case 'iin': return this.#onIinKey(key);
      case 'bill':
        if (key === 'enter') { this.#depositedTiyn = 0; this.#notesCounted = 0; return this.#go('cash-in'); }
        if (key === 'cancel') return this.#go('attract');
        return undefined;
      case 'cash-in':
        if (key === 'enter' || key === 'cancel') return this.#finish();
        return undefined;
      case 'card': case 'palm': case 'qr':
        if (key === 'cancel') return this.#go('attract');
        return undefined;
      case 'summary': case 'notice':
        if (key === 'enter' || key === 'cancel') return this.#go('attract');
        return undefined;
      case 'stacking': return undefined;
    }
  }

  #onIinKey(key: string): string | undefined {
    if (key === 'cancel') return this.#go('attract');
    if (key === 'clear') this.#iinDigits = this.#iinDigits.slice(0, -1);
    else if (/^[0-9]$/.test(key) && this.#iinDigits.length < IIN_DIGITS) this.#iinDigits += key;
    else if (key === 'enter') {
      const customer = this.#customers.find((candidate) => candidate.iin === this.#iinDigits);
      this.#iinDigits = '';
      if (customer !== undefined) return this.#authorised(customer, 'iin');
      this.#attemptsLeft -= 1;
      if (this.#attemptsLeft === 0) return this.#notice('unknownCustomer');
      return this.#go('iin', 'unknown');
    }
    return this.#go('iin');
  }

  #onCard(cardId: string, how: 'insert' | 'tap'): string | undefined {
    if (!this.#cards.has(cardId)) return `no demo card "${cardId}"`;
    if (this.#stage !== 'card') return undefined; // the reader is closed outside the card step
    if (how === 'tap') return this.#go('card', 'contactlessOff');
    this.#cardInReader = true;
    const iin = this.#cards.get(cardId);
    const customer = this.#customers.find((candidate) => candidate.iin === iin);
    if (customer === undefined) return this.#notice('cardNotKaspi');
    return this.#authorised(customer, 'card');
  }

  #onPalm(iin: string): string | undefined {
    if (this.#stage !== 'palm') return undefined;
    const customer = this.#customers.find((candidate) => candidate.iin === iin);
    if (customer !== undefined) return this.#authorised(customer, 'palm');
    this.#attemptsLeft -= 1; // unknown palm and poor image both cost an attempt (3 allowed)
    if (this.#attemptsLeft === 0) return this.#notice('unknownCustomer');
    return this.#go('palm');
  }

  #onPhoneScan(iin: string): string | undefined {
    if (this.#stage !== 'qr') return 'there is no QR code on the screen to scan';
    const customer = this.#customers.find((candidate) => candidate.iin === iin);
    if (customer === undefined) return `no demo customer ${maskIin(iin)}`;
    return this.#authorised(customer, 'qr');
  }

  #onNotes(notes: readonly BenchNote[]): string | undefined {
    if (notes.length === 0 || notes.length > NOTES_PER_STACK_MAX) return `a stack holds 1..${NOTES_PER_STACK_MAX} notes`;
    if (this.#jammed) return 'the validator is jammed';
    if (this.#stage !== 'cash-in') return 'the acceptor is closed';
    const returned: string[] = [];
    for (const note of notes) {
      if (typeof note !== 'number' || !DENOMINATIONS_TENGE.includes(note)) { returned.push(String(note)); continue; }
      this.#stackQueueTenge.push(note);
    }
    this.#go('cash-in', returned.length > 0 ? `noteReturned:${returned.join(',')}` : '');
    this.#stackNext();
    return undefined;
  }

  /** Stacks the queued notes one at a time; each is written to the ledger once in the cassette. */
  #stackNext(): void {
    const denominationTenge = this.#stackQueueTenge[0];
    if (denominationTenge === undefined) return;
    const powerEpoch = this.#powerEpoch;
    this.#later(this.#noteStackMs, () => {
      if (powerEpoch !== this.#powerEpoch) return; // the power went: #boot decides about this note
      this.#stackQueueTenge.shift();
      this.#depositedTiyn += denominationTenge * 100;
      this.#notesCounted += 1;
      this.#cassetteNotes += 1;
      this.#cassetteTiyn += denominationTenge * 100;
      this.#append('note-stacked', `${denominationTenge} ₸ stacked for ${maskIin(this.#customer!.iin)}`);
      if (this.#stage === 'cash-in' || this.#stage === 'stacking') this.#show();
      if (this.#stackQueueTenge.length === 0 && this.#stage === 'stacking') this.#finish();
      this.#stackNext();
    });
  }

  #finish(): string | undefined {
    if (this.#stackQueueTenge.length > 0) { this.#stage = 'stacking'; return undefined; }
    if (this.#depositedTiyn === 0) return this.#go('attract');
    this.#credit(this.#customer!, this.#depositedTiyn, 'completed');
    return this.#go('summary', this.#network === 'up' ? 'credited' : 'savedForLater');
  }

  #credit(customer: FakeCustomer, depositedTiyn: number, outcome: string): void {
    const toBillTiyn = Math.min(customer.billTiyn, depositedTiyn);
    this.#append('session-closed', `${outcome}: ${formatTenge(depositedTiyn)} for ${maskIin(customer.iin)}, ${formatTenge(toBillTiyn)} to the bill`);
    this.#scheduleSync();
  }

  #setPower(on: boolean): string | undefined {
    if ((this.#power === 'on') === on) return undefined;
    this.#power = on ? 'on' : 'off';
    this.#powerEpoch += 1;
    this.#print(on ? '\r\n[boot]\r\natm> ' : '\r\n[power lost]\r\n');
    if (on) this.#boot();
    this.#changed();
    return undefined;
  }

  /** A cut mid-stack leaves one note in transport: it may or may not be in the cassette. */
  #boot(): void {
    const inTransportTenge = this.#stackQueueTenge[0];
    this.#stackQueueTenge = [];
    if (this.#customer !== undefined && (this.#stage === 'stacking' || this.#stage === 'cash-in') && (this.#depositedTiyn > 0 || inTransportTenge !== undefined)) {
      if (inTransportTenge !== undefined) this.#append('doubt', `${inTransportTenge} ₸ in transport at power loss: to reconcile`);
      if (this.#depositedTiyn > 0) this.#credit(this.#customer, this.#depositedTiyn, 'recovered');
      this.#go('summary', 'credited');
      return;
    }
    this.#scheduleSync();
    this.#go('attract');
  }

  #onJam(): string | undefined {
    this.#jammed = true;
    if (this.#stage === 'cash-in' || this.#stage === 'stacking') return this.#finish();
    return undefined;
  }

  #onCassette(state: 'removed' | 'inserted' | 'full'): string | undefined {
    if (state === 'removed') { this.#cassetteState = 'removed'; return undefined; }
    if (state === 'full') { this.#cassetteNotes = CASSETTE_CAPACITY_NOTES; return undefined; }
    if (this.#cassetteState === 'removed') { this.#cassetteNotes = 0; this.#cassetteTiyn = 0; this.#jammed = false; } // a collection
    this.#cassetteState = 'inserted';
    return undefined;
  }

  #onConsole(line: string): void {
    const command = line.trim();
    const answer = command === '' ? '' : command === 'help' ? 'help status version'
      : command === 'version' ? 'firmware 0.1.0 (fake)'
        : command === 'status' ? `screen ${this.#screen?.id ?? '-'} validator ${this.#validatorText()} ledger head ${this.#sequence} acked ${this.#acked}`
          : `unknown command "${command.slice(0, 32)}"; type help`;
    this.#print(`${line}\r\n${answer === '' ? '' : `${answer}\r\n`}atm> `);
  }

  #authorised(customer: FakeCustomer, method: string): string | undefined {
    this.#customer = customer;
    this.#append('session-opened', `${method} ${maskIin(customer.iin)}`);
    return this.#go('bill');
  }

  #notice(text: string): string | undefined {
    return this.#go('notice', text);
  }

  /** Enters a stage and draws it; `message` is the one line of news the stage shows, if any. */
  #go(stage: Stage, message = ''): undefined {
    this.#stage = stage;
    this.#message = message;
    if (stage === 'attract') this.#customer = undefined;
    this.#show();
    return undefined;
  }

  #show(): void {
    const language = this.#language;
    const customer = this.#customer;
    const view = () => {
      const billTiyn = customer?.billTiyn ?? 0;
      const toBillTiyn = Math.min(billTiyn, this.#depositedTiyn);
      const toNextTiyn = this.#depositedTiyn - toBillTiyn;
      return { billTiyn, depositedTiyn: this.#depositedTiyn, toBillTiyn, toNextTiyn, nextBillTiyn: Math.max(0, (customer?.nextBillTiyn ?? 0) - toNextTiyn), notes: this.#notesCounted };
    };
    const screen = (id: string, title: string, lines: string[], fields: Record<string, string | number>, qr?: string): Screen =>
      ({ id, language, title, lines, fields, qr });
    switch (this.#stage) {
      case 'attract': this.#screen = screen('attract', 'Kaspi Red төлеу', ['Тілді таңдаңыз', 'Выберите язык', 'F1 Қазақша · F2 Русский · F3 English'], {}); break;
      case 'method': this.#screen = screen('method', 'How would you like to sign in?', ['F1 Palm (Alaqan)', 'F2 Kaspi QR', 'F3 Kaspi Gold card', 'F4 Type your IIN'], { palmOffered: 1 }); break;
      case 'iin': this.#screen = screen('iin', 'Type your IIN', ['•'.repeat(this.#iinDigits.length)], { digitsTyped: this.#iinDigits.length, attemptsLeft: this.#attemptsLeft, error: this.#message }); break;
      case 'card': this.#screen = screen('card', 'Kaspi Gold card', [this.#message === 'contactlessOff' ? 'Contactless is temporarily unavailable — please insert the card' : 'Insert your Kaspi Gold card'], { message: this.#message || 'insertCard' }); break;
      case 'palm': this.#screen = screen('palm', 'Palm (Alaqan)', ['Hold your palm over the camera'], { attemptsLeft: this.#attemptsLeft }); break;
      case 'qr': this.#screen = screen('qr', 'Kaspi QR', ['Scan the QR code in the Kaspi.kz app'], {}, `https://kaspi.kz/pay/atm?atm=ATM-0001&session=${this.#qrNonce}`); break;
      case 'bill': this.#screen = screen('bill', 'Your Kaspi Red bill', [customer!.name, `Due: ${formatTenge(customer!.billTiyn)}`], { billTiyn: customer!.billTiyn, nextBillTiyn: customer!.nextBillTiyn, customer: customer!.name }); break;
      case 'cash-in': case 'stacking': this.#screen = screen('insert-notes', 'Insert your banknotes', [`Deposited: ${formatTenge(this.#depositedTiyn)}`], { ...view(), message: this.#message }); break;
      case 'summary': this.#screen = screen('summary', 'Summary', [`Deposited: ${formatTenge(this.#depositedTiyn)}`, this.#message], { ...view(), message: this.#message }); break;
      case 'notice': this.#screen = screen(this.#message, this.#message, [], { message: this.#message }); break;
    }
    this.#changed();
  }

  #append(kind: string, text: string): void {
    this.#sequence += 1;
    this.#ledger.push({ sequence: this.#sequence, kind, text, synced: false });
    if (this.#ledger.length > LEDGER_ROWS_MAX) this.#ledger.shift();
    this.#changed();
  }

  /** The outbox: while the network is up, every unsynced row reaches the bank, which applies closed sessions. */
  #scheduleSync(): void {
    this.#later(this.#syncDelayMs, () => {
      if (this.#network !== 'up' || this.#power === 'off') return;
      this.#ledger = this.#ledger.map((row) => {
        if (row.synced) return row;
        if (row.kind === 'session-closed') this.#bankApply(row);
        return { ...row, synced: true };
      });
      this.#acked = this.#sequence;
      this.#changed();
    });
  }

  /** The bank's allocation: the current bill first, the rest to next month (FAQ). */
  #bankApply(row: BenchLedgerRow): void {
    const match = /: ([\d ]+) ₸ for (\S+),/.exec(row.text);
    const customer = this.#customers.find((candidate) => maskIin(candidate.iin) === match?.[2]);
    if (match === null || customer === undefined) return;
    const depositedTiyn = Number(match[1]!.replace(/ /g, '')) * 100;
    const toBillTiyn = Math.min(customer.billTiyn, depositedTiyn);
    const toNextTiyn = depositedTiyn - toBillTiyn;
    customer.billTiyn -= toBillTiyn;
    const toNextBillTiyn = Math.min(customer.nextBillTiyn, toNextTiyn);
    customer.nextBillTiyn -= toNextBillTiyn;
    customer.carriedTiyn += toNextTiyn - toNextBillTiyn;
    this.#receipts.push({
      receiptId: `R-${row.sequence}`,
      text: `ATM-0001 · ${maskIin(customer.iin)} · deposited ${formatTenge(depositedTiyn)} · to bill ${formatTenge(toBillTiyn)} · to next month ${formatTenge(toNextTiyn)} · next bill ${formatTenge(customer.nextBillTiyn)}`,
    });
  }

  #validatorText(): string {
    if (this.#cassetteState === 'removed') return 'cassette removed';
    if (this.#jammed) return 'jammed';
    if (this.#stackQueueTenge[0] !== undefined) return `escrow ${this.#stackQueueTenge[0]}`;
    return this.#stage === 'cash-in' ? 'accepting' : 'idle';
  }

  #print(text: string): void {
    this.#console = (this.#console + text).slice(-CONSOLE_TEXT_CHARS_MAX);
  }

  #later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); run(); }, delayMs);
    this.#timers.add(timer);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

function formatTenge(amountTiyn: number): string {
  return `${String(Math.floor(amountTiyn / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} ₸`;
}

export function makeFakeMachine(options: FakeMachineOptions = {}): BenchMachine {
  return new FakeBenchMachine(options);
}
