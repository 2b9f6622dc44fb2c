// The bank sync's cost per customer session, for `npm run budget` (sync.mjs runs it):
// the unchanged firmware on the simulated machine (DeskMachine, virtual time), the reference
// bank's own logic in process (tools/bank/in-process.ts, the same SQL as the HTTPS server),
// and one customer per machine: IIN, card, palm or Kaspi QR, whose notes go in at a person's
// pace (a note a second) or all at once (a stack). Counted per session: the HTTPS round trips
// the firmware's bank client started, by kind; the bank-ack records its ledger wrote; and the
// virtual time from the customer's ENTER (finish) to the "credited" screen.
// Alone: node -r ts-node/register/transpile-only tools/budget/sync-sessions.ts
import type { Key } from '../../hal/ports';
import { DEMO_CARDS } from '../../hal/sim/card-reader';
import { AUTH_METHODS, type AuthMethod } from '../../src/domain';
import type { Firmware } from '../../src/firmware';
import { inProcessBank, type InProcessBank } from '../bank/in-process';
import { DeskMachine } from '../bench/machine';

export type SyncMethod = AuthMethod;
export type NotePace = 'second' | 'once';

const ATM_ID = 'ATM-SYNC-0001';
const BANK_EPOCH_MS = Date.UTC(2026, 10, 25, 7, 0, 0);
const IIN = '950614400011';
/** A note a second: the pace of a person putting notes in one by one. */
const PERSON_NOTE_PERIOD_MS = 1_000;
/** The FAQ's two notes, and the machine section's stack of 26 (every denomination, 59 800 ₸). */
export const FAQ_NOTES: readonly number[] = Object.freeze([10000, 10000]);
export const STACK_NOTES: readonly number[] = Object.freeze([
  20000, 10000, 5000, 2000, 1000, 500, 200, 1000, 1000, 1000, 2000, 2000, 5000, 1000, 1000, 1000, 1000, 1000, 1000,
  1000, 500, 500, 500, 200, 200, 200,
]);
const STEP_LIMIT_MS = 60_000;
/** After the session, the machine idles this long: a late batch or acknowledgement still counts. */
const AFTER_SESSION_MS = 120_000;
const LEDGER_PAGE = 64;

export interface SessionSync {
  readonly method: SyncMethod;
  readonly pace: NotePace;
  readonly notes: number;
  readonly authorise: number;
  readonly qrStart: number;
  readonly qrPoll: number;
  readonly deposits: number;
  /** Every round trip: authorise, QR start and polls, deposit batches. */
  readonly roundTrips: number;
  readonly bankAckRecords: number;
  /** Virtual ms from the customer's ENTER on the cash-in screen to "credited" on the screen. */
  readonly enterToCreditedMs: number;
}

class Customer {
  readonly machine: DeskMachine;
  readonly bank: InProcessBank;

  constructor() {
    let nowMs = () => 0;
    this.bank = inProcessBank({ atmId: ATM_ID, nowMs: () => BANK_EPOCH_MS + nowMs(), seed: 1 });
    this.machine = new DeskMachine({
      seed: 1,
      provisioning: { atmId: ATM_ID, cardTokenKeyHex: this.bank.cardTokenKeyHex },
      bank: this.bank.handler,
    });
    nowMs = () => this.machine.sim.clock.nowMs;
  }

  get firmware(): Firmware {
    const firmware = this.machine.firmware;
    if (firmware === undefined) throw new Error('sync budget: the machine is off');
    return firmware;
  }

  screen(): string {
    return this.machine.sim.display.current?.id ?? '';
  }

  waitFor(what: string, done: () => boolean): void {
    if (!this.machine.runUntil(done, STEP_LIMIT_MS))
      throw new Error(`sync budget: ${what} not reached; the screen is "${this.screen()}"`);
  }

  press(...keys: Key[]): void {
    for (const key of keys) {
      this.machine.sim.keypad.press(key);
      this.machine.runFor(150);
    }
  }

  signIn(method: SyncMethod): void {
    this.waitFor('attract', () => this.screen() === 'attract');
    this.press('F2');
    const sim = this.machine.sim;
    if (method === 'iin') this.press('F4', ...(IIN.split('') as Key[]), 'enter');
    if (method === 'card') {
      this.press('F3');
      this.waitFor(
        'card screen',
        () => this.screen() === 'card' && sim.cardReader.insertCard(DEMO_CARDS.kaspiGoldVisa),
      );
    }
    if (method === 'palm') {
      this.press('F1');
      sim.palm.present('palm-aigerim');
    }
    if (method === 'qr') {
      this.press('F2');
      this.waitFor('a QR code', () => sim.display.current?.qr !== undefined);
      this.machine.runFor(3_000); // the phone takes a moment to scan
      this.bank.api.app('POST', '/app/qr/scan', JSON.stringify({ payload: sim.display.current?.qr, iin: IIN }));
    }
    this.waitFor('the bill', () => this.screen() === 'bill');
    this.machine.sim.keypad.press('enter');
    this.waitFor('cash-in', () => this.screen() === 'insert-notes' && sim.validator.enabled);
  }

  feed(notes: readonly number[], pace: NotePace): void {
    const session = this.firmware.session;
    const before = session.cassette.notes;
    if (pace === 'once') {
      for (const note of notes) this.machine.sim.validator.insert(note);
    } else {
      for (const [index, note] of notes.entries()) {
        const insertedAtMs = this.machine.sim.clock.nowMs;
        this.machine.sim.validator.insert(note);
        this.waitFor(`note ${index + 1} stacked`, () => session.cassette.notes === before + index + 1);
        const leftMs = insertedAtMs + PERSON_NOTE_PERIOD_MS - this.machine.sim.clock.nowMs;
        if (leftMs > 0) this.machine.runFor(leftMs);
      }
    }
    this.waitFor('every note stacked', () => session.cassette.notes === before + notes.length);
  }

  /** ENTER on the cash-in screen; returns the virtual ms until "credited" is on the screen. */
  finish(): number {
    const pressedAtMs = this.machine.sim.clock.nowMs;
    this.machine.sim.keypad.press('enter');
    this.waitFor('"credited"', () => this.machine.sim.display.current?.fields.message === 'credited');
    return this.machine.sim.clock.nowMs - pressedAtMs;
  }

  bankAckRecordsAfter(sequence: number): number {
    const ledger = this.firmware.ledger;
    let count = 0;
    for (let from = sequence + 1; from <= ledger.headSequence; ) {
      let last = 0;
      ledger.readFrom(from, LEDGER_PAGE, (found, record) => {
        if (record.kind === 'bank-ack') count += 1;
        last = found;
      });
      if (last === 0) break;
      from = last + 1;
    }
    return count;
  }
}

/** One customer on a fresh machine: sign in, notes at the pace, ENTER, credited, then idle a while. */
export function measureSession(method: SyncMethod, pace: NotePace, notes: readonly number[]): SessionSync {
  const customer = new Customer();
  try {
    customer.waitFor('attract', () => customer.screen() === 'attract');
    const firmware = customer.firmware;
    const before = { ...firmware.bank.stats };
    const headBefore = firmware.ledger.headSequence;
    customer.signIn(method);
    customer.feed(notes, pace);
    const enterToCreditedMs = customer.finish();
    customer.machine.runFor(AFTER_SESSION_MS);
    if (customer.machine.firmware !== firmware) throw new Error('sync budget: the machine restarted');
    if (firmware.ledger.stats().unsyncedRecords !== 0) throw new Error('sync budget: the ledger did not sync');
    const stats = firmware.bank.stats;
    const authorise = stats.authorise - before.authorise;
    const qrStart = stats.qrStart - before.qrStart;
    const qrPoll = stats.qrPoll - before.qrPoll;
    const deposits = stats.deposits - before.deposits;
    return {
      method,
      pace,
      notes: notes.length,
      authorise,
      qrStart,
      qrPoll,
      deposits,
      roundTrips: authorise + qrStart + qrPoll + deposits,
      bankAckRecords: customer.bankAckRecordsAfter(headBefore),
      enterToCreditedMs,
    };
  } finally {
    customer.bank.close();
  }
}

/** Every method at both paces, with the FAQ's two notes and the 26-note stack. */
export function measureSync(): SessionSync[] {
  const results: SessionSync[] = [];
  for (const notes of [FAQ_NOTES, STACK_NOTES]) {
    for (const pace of ['second', 'once'] as const) {
      for (const method of AUTH_METHODS) results.push(measureSession(method, pace, notes));
    }
  }
  return results;
}

if (require.main === module) {
  for (const result of measureSync()) process.stdout.write(`${JSON.stringify(result)}\n`);
}
