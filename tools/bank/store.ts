// The reference bank's books in SQLite (better-sqlite3, WAL, synchronous=FULL so a commit
// is on disk before the reply that names it). One transaction per deposits batch: the
// records, the credits, the receipts and the ATM's stored sequence move together or not at
// all, which is what makes "ackedSequence" a promise the ATM can forget its records on.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { allocatePayment } from '../../src/money/allocation';
import type { BillState } from '../../src/money/allocation';
import type { CustomerAccount } from '../../src/bank/wire';
import { maskIin } from './iin';
import { buildReceipt } from './receipt';
import type { Receipt } from './receipt';
import { DEMO_ATMS, DEMO_CUSTOMERS } from './seed';

/** A record of a deposits batch, validated by wire.recordProblem. */
export type WireRecord = { readonly sequence: number; readonly kind: string } & Readonly<Record<string, unknown>>;

export interface CustomerRow {
  customer_id: string;
  iin: string;
  card_token: string;
  palm_template: string;
  given_name: string;
  family_name: string;
  bill_tiyn: number;
  outstanding_tiyn: number;
  next_bill_tiyn: number;
  carried_tiyn: number;
  due_date: string;
  session_max_tiyn: number;
}

interface SessionRow {
  atm_id: string;
  session_id: number;
  opened_sequence: number;
  customer_id: string;
  method: string;
  bill_before_tiyn: number | null;
  due_date: string | null;
}

export type BatchOutcome =
  | { readonly kind: 'applied'; readonly ackedSequence: number; readonly appliedRecords: number }
  | { readonly kind: 'gap'; readonly ackedSequence: number };

/** Called inside the batch's transaction, just before it commits (tests kill the process here). */
export type BeforeCommitHook = (batchNumber: number) => void;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, iin TEXT NOT NULL UNIQUE, card_token TEXT NOT NULL UNIQUE, palm_template TEXT NOT NULL UNIQUE,
  given_name TEXT NOT NULL, family_name TEXT NOT NULL,
  bill_tiyn INTEGER NOT NULL, outstanding_tiyn INTEGER NOT NULL, next_bill_tiyn INTEGER NOT NULL, carried_tiyn INTEGER NOT NULL,
  due_date TEXT NOT NULL, session_max_tiyn INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS atms (atm_id TEXT PRIMARY KEY, address TEXT NOT NULL, stored_sequence INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS records (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
  received_ms INTEGER NOT NULL, PRIMARY KEY (atm_id, sequence)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (atm_id TEXT NOT NULL, session_id INTEGER NOT NULL, opened_sequence INTEGER NOT NULL,
  customer_id TEXT NOT NULL, method TEXT NOT NULL, bill_before_tiyn INTEGER, due_date TEXT,
  closed_sequence INTEGER, outcome TEXT, PRIMARY KEY (atm_id, opened_sequence));
CREATE INDEX IF NOT EXISTS sessions_by_id ON sessions (atm_id, session_id, opened_sequence);
CREATE TABLE IF NOT EXISTS credits (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, opened_sequence INTEGER NOT NULL,
  customer_id TEXT NOT NULL, denomination_tenge INTEGER NOT NULL, to_bill_tiyn INTEGER NOT NULL, to_next_tiyn INTEGER NOT NULL,
  PRIMARY KEY (atm_id, sequence));
CREATE TABLE IF NOT EXISTS doubts (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, session_id INTEGER, customer_id TEXT,
  denomination_tenge INTEGER NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'to-reconcile', PRIMARY KEY (atm_id, sequence));
CREATE TABLE IF NOT EXISTS anomalies (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, what TEXT NOT NULL, PRIMARY KEY (atm_id, sequence, what));
CREATE TABLE IF NOT EXISTS receipts (receipt_number INTEGER PRIMARY KEY AUTOINCREMENT, atm_id TEXT NOT NULL, session_id INTEGER NOT NULL,
  opened_sequence INTEGER NOT NULL, customer_id TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (atm_id, opened_sequence));
CREATE INDEX IF NOT EXISTS receipts_by_session ON receipts (atm_id, session_id);
CREATE INDEX IF NOT EXISTS receipts_by_customer ON receipts (customer_id, receipt_number);
CREATE TABLE IF NOT EXISTS qr_sessions (qr_session_id TEXT PRIMARY KEY, atm_id TEXT NOT NULL, token TEXT NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, state TEXT NOT NULL, customer_id TEXT);
`;

export class BankStore {
  readonly #db: Database.Database;
  readonly #nowMs: () => number;
  #batchNumber = 0;
  beforeCommit: BeforeCommitHook | undefined = undefined;

  constructor(dataDir: string, nowMs: () => number) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.#db = new Database(path.join(dataDir, 'bank.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    // WAL with NORMAL could lose the last commits on power loss; the ack promises durability.
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
    this.#nowMs = nowMs;
    this.#seed();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #seed(): void {
    const count = (this.#db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n;
    if (count > 0) return;
    const insert = this.#db.prepare(`INSERT INTO customers VALUES (@customer_id, @iin, @card_token, @palm_template, @given_name,
      @family_name, @bill_tiyn, @outstanding_tiyn, @next_bill_tiyn, @carried_tiyn, @due_date, @session_max_tiyn)`);
    const insertAtm = this.#db.prepare('INSERT OR IGNORE INTO atms (atm_id, address) VALUES (?, ?)');
    this.#db.transaction(() => {
      for (const customer of DEMO_CUSTOMERS) insert.run(customer);
      for (const atm of DEMO_ATMS) insertAtm.run(atm.atmId, atm.address);
    })();
  }

  // ---- customers ----

  customerBy(column: 'iin' | 'card_token' | 'palm_template' | 'customer_id', value: string): CustomerRow | undefined {
    return this.#db.prepare(`SELECT * FROM customers WHERE ${column} = ?`).get(value) as CustomerRow | undefined;
  }

  account(customer: CustomerRow): CustomerAccount {
    return {
      customerId: customer.customer_id,
      displayName: displayName(customer),
      bill: {
        billTiyn: customer.bill_tiyn, dueDate: customer.bill_tiyn > 0 ? customer.due_date : '',
        nextBillTiyn: customer.next_bill_tiyn, outstandingTiyn: customer.outstanding_tiyn, carriedTiyn: customer.carried_tiyn,
      },
      sessionMaxTiyn: customer.session_max_tiyn,
    };
  }

  receiptsOf(customerId: string, countMax: number): Receipt[] {
    return (this.#db.prepare('SELECT body FROM receipts WHERE customer_id = ? ORDER BY receipt_number DESC LIMIT ?')
      .all(customerId, countMax) as { body: string }[]).map((row) => JSON.parse(row.body) as Receipt);
  }

  receipt(atmId: string, sessionId: number): Receipt | undefined {
    const row = this.#db.prepare('SELECT body FROM receipts WHERE atm_id = ? AND session_id = ? ORDER BY receipt_number DESC LIMIT 1')
      .get(atmId, sessionId) as { body: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.body) as Receipt;
  }

  registerAtm(atmId: string, address: string): void {
    this.#db.prepare('INSERT INTO atms (atm_id, address) VALUES (?, ?) ON CONFLICT (atm_id) DO UPDATE SET address = excluded.address').run(atmId, address);
  }

  // ---- QR sessions ----

  createQr(qrSessionId: string, atmId: string, token: string, expiresMs: number): void {
    this.#db.prepare("INSERT INTO qr_sessions VALUES (?, ?, ?, ?, ?, 'pending', NULL)").run(qrSessionId, atmId, token, this.#nowMs(), expiresMs);
  }

  qr(qrSessionId: string): { atm_id: string; token: string; expires_ms: number; state: string; customer_id: string | null } | undefined {
    const row = this.#db.prepare('SELECT * FROM qr_sessions WHERE qr_session_id = ?').get(qrSessionId) as
      { atm_id: string; token: string; expires_ms: number; state: string; customer_id: string | null } | undefined;
    if (row !== undefined && row.state === 'pending' && this.#nowMs() >= row.expires_ms) row.state = 'expired';
    return row;
  }

  /** Moves a pending QR session on (confirmed by a customer, or cancelled); false if it was no longer pending. */
  settleQr(qrSessionId: string, state: 'confirmed' | 'cancelled', customerId: string | null): boolean {
    return this.#db.prepare("UPDATE qr_sessions SET state = ?, customer_id = ? WHERE qr_session_id = ? AND state = 'pending' AND expires_ms > ?")
      .run(state, customerId, qrSessionId, this.#nowMs()).changes === 1;
  }

  // ---- deposits ----

  storedSequence(atmId: string): number {
    const row = this.#db.prepare('SELECT stored_sequence FROM atms WHERE atm_id = ?').get(atmId) as { stored_sequence: number } | undefined;
    return row?.stored_sequence ?? 0;
  }

  /**
   * Applies a validated batch exactly once: sequences at or below the ATM's stored sequence
   * are already here and skipped; a batch that starts beyond stored + 1 would leave a hole
   * and is refused whole. Returns the stored sequence after the commit.
   */
  applyBatch(atmId: string, fromSequence: number, toSequence: number, records: readonly WireRecord[]): BatchOutcome {
    const batchNumber = ++this.#batchNumber;
    const run = this.#db.transaction((): BatchOutcome => {
      this.#db.prepare("INSERT OR IGNORE INTO atms (atm_id, address) VALUES (?, 'адрес не указан')").run(atmId);
      const storedSequence = this.storedSequence(atmId);
      if (fromSequence > storedSequence + 1) return { kind: 'gap', ackedSequence: storedSequence };
      let appliedRecords = 0;
      for (const record of records) {
        if (record.sequence <= storedSequence) continue;
        this.#apply(atmId, record);
        appliedRecords++;
      }
      const ackedSequence = Math.max(storedSequence, toSequence);
      this.#db.prepare('UPDATE atms SET stored_sequence = ? WHERE atm_id = ?').run(ackedSequence, atmId);
      this.beforeCommit?.(batchNumber);
      return { kind: 'applied', ackedSequence, appliedRecords };
    });
    return run();
  }

  #apply(atmId: string, record: WireRecord): void {
    this.#db.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?)').run(atmId, record.sequence, record.kind, JSON.stringify(record), this.#nowMs());
    switch (record.kind) {
      case 'session-opened':
        this.#db.prepare('INSERT INTO sessions (atm_id, session_id, opened_sequence, customer_id, method) VALUES (?, ?, ?, ?, ?)')
          .run(atmId, record.sessionId, record.sequence, record.customerId, record.method);
        if (this.customerBy('customer_id', record.customerId as string) === undefined) this.#anomaly(atmId, record.sequence, 'unknown-customer');
        return;
      case 'note-stacked': return this.#credit(atmId, record);
      case 'session-closed': return this.#close(atmId, record);
      case 'doubt': {
        const session = this.#session(atmId, record.sessionId as number, record.sequence);
        this.#db.prepare('INSERT INTO doubts (atm_id, sequence, session_id, customer_id, denomination_tenge, reason) VALUES (?, ?, ?, ?, ?, ?)')
          .run(atmId, record.sequence, record.sessionId, session?.customer_id ?? null, record.denominationTenge, record.reason);
        return;
      }
      default: return; // note-escrowed, note-returned, cassette-collected: kept in records only
    }
  }

  #session(atmId: string, sessionId: number, beforeSequence: number): SessionRow | undefined {
    return this.#db.prepare(`SELECT * FROM sessions WHERE atm_id = ? AND session_id = ? AND opened_sequence < ?
      ORDER BY opened_sequence DESC LIMIT 1`).get(atmId, sessionId, beforeSequence) as SessionRow | undefined;
  }

  /** One stacked note to its session's customer, by the allocation rule. */
  #credit(atmId: string, record: WireRecord): void {
    const session = this.#session(atmId, record.sessionId as number, record.sequence);
    const customer = session === undefined ? undefined : this.customerBy('customer_id', session.customer_id);
    if (session === undefined || customer === undefined) {
      // Cash is in the cassette but nobody to credit: never drop it, never guess — reconcile.
      this.#anomaly(atmId, record.sequence, 'stacked-without-customer');
      this.#db.prepare("INSERT INTO doubts (atm_id, sequence, session_id, customer_id, denomination_tenge, reason) VALUES (?, ?, ?, NULL, ?, 'no-customer')")
        .run(atmId, record.sequence, record.sessionId, record.denominationTenge);
      return;
    }
    const state: BillState = {
      billTiyn: customer.bill_tiyn, outstandingTiyn: customer.outstanding_tiyn,
      nextBillTiyn: customer.next_bill_tiyn, carriedTiyn: customer.carried_tiyn,
    };
    const allocation = allocatePayment(state, (record.denominationTenge as number) * 100);
    this.#db.prepare('UPDATE customers SET bill_tiyn = ?, outstanding_tiyn = ?, next_bill_tiyn = ?, carried_tiyn = ? WHERE customer_id = ?')
      .run(allocation.after.billTiyn, allocation.after.outstandingTiyn, allocation.after.nextBillTiyn, allocation.after.carriedTiyn, customer.customer_id);
    if (session.bill_before_tiyn === null) {
      this.#db.prepare('UPDATE sessions SET bill_before_tiyn = ?, due_date = ? WHERE atm_id = ? AND opened_sequence = ?')
        .run(customer.bill_tiyn, customer.due_date, atmId, session.opened_sequence);
    }
    this.#db.prepare('INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(atmId, record.sequence, session.opened_sequence, customer.customer_id, record.denominationTenge, allocation.toBillTiyn, allocation.toNextTiyn);
  }

  /** Session closed: one receipt for what the bank credited (none when nothing was). */
  #close(atmId: string, record: WireRecord): void {
    const session = this.#session(atmId, record.sessionId as number, record.sequence);
    if (session === undefined) return this.#anomaly(atmId, record.sequence, 'closed-without-open');
    this.#db.prepare('UPDATE sessions SET closed_sequence = ?, outcome = ? WHERE atm_id = ? AND opened_sequence = ?')
      .run(record.sequence, record.outcome, atmId, session.opened_sequence);
    const credits = this.#db.prepare('SELECT denomination_tenge, to_bill_tiyn, to_next_tiyn FROM credits WHERE atm_id = ? AND opened_sequence = ? ORDER BY sequence')
      .all(atmId, session.opened_sequence) as { denomination_tenge: number; to_bill_tiyn: number; to_next_tiyn: number }[];
    const creditedTiyn = credits.reduce((sum, credit) => sum + credit.denomination_tenge * 100, 0);
    if (creditedTiyn !== record.depositedTiyn) this.#anomaly(atmId, record.sequence, 'deposited-differs-from-stacked');
    if (credits.length === 0) return;
    const customer = this.customerBy('customer_id', session.customer_id);
    const atm = this.#db.prepare('SELECT address FROM atms WHERE atm_id = ?').get(atmId) as { address: string };
    const insert = this.#db.prepare('INSERT OR IGNORE INTO receipts (atm_id, session_id, opened_sequence, customer_id, body) VALUES (?, ?, ?, ?, ?)')
      .run(atmId, session.session_id, session.opened_sequence, session.customer_id, '{}');
    const receiptNumber = Number(insert.lastInsertRowid);
    const receipt = buildReceipt({
      receiptNumber, atmId, atmAddress: atm.address, sessionId: session.session_id, openedSequence: session.opened_sequence,
      issuedMs: this.#nowMs(), method: session.method, outcome: record.outcome as string,
      customerName: customer === undefined ? '—' : displayName(customer), iinMasked: customer === undefined ? '—' : maskIin(customer.iin),
      billBeforeTiyn: session.bill_before_tiyn ?? 0, dueDate: session.due_date ?? '',
      notesTenge: credits.map((credit) => credit.denomination_tenge),
      toBillTiyn: credits.reduce((sum, credit) => sum + credit.to_bill_tiyn, 0),
      toNextTiyn: credits.reduce((sum, credit) => sum + credit.to_next_tiyn, 0),
      after: customer === undefined ? { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 0 } : {
        billTiyn: customer.bill_tiyn, outstandingTiyn: customer.outstanding_tiyn, nextBillTiyn: customer.next_bill_tiyn, carriedTiyn: customer.carried_tiyn,
      },
    });
    this.#db.prepare('UPDATE receipts SET body = ? WHERE receipt_number = ?').run(JSON.stringify(receipt), receiptNumber);
  }

  #anomaly(atmId: string, sequence: number, what: string): void {
    this.#db.prepare('INSERT OR IGNORE INTO anomalies VALUES (?, ?, ?)').run(atmId, sequence, what);
  }

  // ---- for tests and the bench (/admin) ----

  totals(atmId: string): AtmTotals {
    const byDenomination: Record<string, number> = {};
    let notes = 0;
    let tiyn = 0;
    for (const row of this.#db.prepare('SELECT denomination_tenge AS d, COUNT(*) AS n FROM credits WHERE atm_id = ? GROUP BY d ORDER BY d').all(atmId) as { d: number; n: number }[]) {
      byDenomination[String(row.d)] = row.n;
      notes += row.n;
      tiyn += row.d * 100 * row.n;
    }
    const count = (sql: string) => (this.#db.prepare(sql).get(atmId) as { n: number }).n;
    return {
      atmId, storedSequence: this.storedSequence(atmId), notes, tiyn, byDenomination,
      records: count('SELECT COUNT(*) AS n FROM records WHERE atm_id = ?'),
      doubts: count('SELECT COUNT(*) AS n FROM doubts WHERE atm_id = ?'),
      receipts: count('SELECT COUNT(*) AS n FROM receipts WHERE atm_id = ?'),
      anomalies: (this.#db.prepare('SELECT sequence, what FROM anomalies WHERE atm_id = ? ORDER BY sequence LIMIT 100').all(atmId) as { sequence: number; what: string }[])
        .map((row) => `${row.sequence}:${row.what}`),
    };
  }

  /** Credited notes as "sequence:sessionId:denomination", in sequence order (paged). */
  notes(atmId: string, afterSequence: number, countMax: number): string[] {
    return (this.#db.prepare(`SELECT c.sequence AS q, s.session_id AS s, c.denomination_tenge AS d FROM credits c
      JOIN sessions s ON s.atm_id = c.atm_id AND s.opened_sequence = c.opened_sequence
      WHERE c.atm_id = ? AND c.sequence > ? ORDER BY c.sequence LIMIT ?`).all(atmId, afterSequence, countMax) as { q: number; s: number; d: number }[])
      .map((row) => `${row.q}:${row.s}:${row.d}`);
  }
}

export interface AtmTotals {
  readonly atmId: string;
  readonly storedSequence: number;
  readonly notes: number;
  readonly tiyn: number;
  readonly byDenomination: Readonly<Record<string, number>>;
  readonly records: number;
  readonly doubts: number;
  readonly receipts: number;
  readonly anomalies: readonly string[];
}

/** "Айгерим Б.": given name and the family name's initial, never more. */
export function displayName(customer: { given_name: string; family_name: string }): string {
  return `${customer.given_name} ${customer.family_name.slice(0, 1)}.`;
}
