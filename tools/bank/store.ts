// The reference bank's books in SQLite (better-sqlite3, WAL, synchronous=FULL so a commit
// is on disk before the reply that names it). One transaction per deposits batch: the
// records, the credits, the receipts and the ATM's stored sequence move together or not at
// all, which is what makes "ackedSequence" a promise the ATM can forget its records on.
// The same books can live in memory (':memory:') for the whole-machine simulation: the same
// SQL and transactions, no file and no fsync, so thousands of sessions cost milliseconds.
// Every statement is prepared once, at open.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { allocatePayment } from '../../src/money/allocation';
import type { BillState } from '../../src/money/allocation';
import type { CustomerAccount } from '../../src/bank/wire';
import { maskIin } from '../../src/log/mask';
import { buildReceipt } from './receipt';
import type { Receipt } from './receipt';
import { DEMO_ATMS, DEMO_CARDS_ISSUED, DEMO_CUSTOMERS } from './seed';

/** A record of a deposits batch, validated by wire.recordProblem. */
export type WireRecord = { readonly sequence: number; readonly kind: string } & Readonly<Record<string, unknown>>;

export interface CustomerRow {
  customer_id: string;
  iin: string;
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

/** Where the books live: a folder holding bank.sqlite (durable), or memory (the simulation). */
export type StoreLocation = { readonly dataDir: string } | { readonly inMemory: true };

/** A per-ATM card-token key: HMAC-SHA-256 keys of 32 bytes (src/config/identity.ts takes no other). */
export const CARD_TOKEN_KEY_BYTES = 32;
/** The card token is the first 16 bytes of HMAC-SHA-256(ATM's key, PAN digits), in hex (src/card/driver.ts). */
const CARD_TOKEN_HEX_CHARS = 32;

/** The card token an ATM with `keyHex` makes of `pan` (what its card reader sends as cardToken). */
export function cardTokenOf(keyHex: string, pan: string): string {
  return crypto
    .createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update(pan, 'ascii')
    .digest('hex')
    .slice(0, CARD_TOKEN_HEX_CHARS);
}

/** The receipts' address of an ATM provisioned without one. */
const ADDRESS_UNKNOWN = 'адрес не указан';

/** Rows one books query returns at most; page on with afterSequence / afterReceiptNumber. */
export const BOOKS_PAGE_MAX = 10_000;
/** Rows `books()` gathers at most per kind, over all its pages (a simulation run is far smaller). */
export const BOOKS_ROWS_MAX = 1_000_000;

/** One note the bank credited: the ATM's ledger sequence of its note-stacked record and whose it is. */
export interface CreditedNote {
  readonly sequence: number;
  readonly sessionId: number;
  /** The ledger sequence of the session's session-opened record (unique per ATM, unlike sessionId). */
  readonly openedSequence: number;
  readonly customerId: string;
  readonly denominationTenge: number;
  readonly toBillTiyn: number;
  readonly toNextTiyn: number;
}

/** A note stored "to reconcile": a doubt record, or a stacked note with no known customer. */
export interface Doubt {
  readonly sequence: number;
  readonly sessionId: number | null;
  /** The session's customer, or null when the bank does not know whose the note is. */
  readonly customerId: string | null;
  readonly denominationTenge: number;
  /** The device's reason (DOUBT_REASONS, src/domain.ts), or 'no-customer' when the bank found no owner. */
  readonly reason: string;
  readonly state: string;
}

/** A receipt with the keys the invariant checker joins on. */
export interface AtmReceipt {
  readonly receiptNumber: number;
  readonly sessionId: number;
  readonly openedSequence: number;
  readonly customerId: string;
  readonly receipt: Receipt;
}

/** A customer's bill as the bank holds it now. */
export interface CustomerBillState extends BillState {
  readonly customerId: string;
  readonly dueDate: string;
}

/** Everything the bank holds for one ATM, plus every customer's bill (customers are bank-wide). */
export interface AtmBooks {
  readonly atmId: string;
  readonly storedSequence: number;
  readonly notes: readonly CreditedNote[];
  readonly doubts: readonly Doubt[];
  readonly receipts: readonly AtmReceipt[];
  readonly anomalies: readonly string[];
  readonly bills: readonly CustomerBillState[];
}

type Statement = Database.Statement;
type CustomerKey = 'iin' | 'palm_template' | 'customer_id';
type QrRow = {
  qr_session_id: string;
  atm_id: string;
  token: string;
  expires_ms: number;
  state: string;
  customer_id: string | null;
};
type CreditRow = { denomination_tenge: number; to_bill_tiyn: number; to_next_tiyn: number };

function prepareAll(db: Database.Database) {
  const customerBy = (column: CustomerKey) => db.prepare(`SELECT * FROM customers WHERE ${column} = ?`);
  return {
    customerBy: {
      iin: customerBy('iin'),
      palm_template: customerBy('palm_template'),
      customer_id: customerBy('customer_id'),
    } as Record<CustomerKey, Statement>,
    customerByCardToken: db.prepare(`SELECT c.* FROM card_tokens t JOIN customers c ON c.customer_id = t.customer_id
      WHERE t.atm_id = ? AND t.card_token = ?`),
    customerCount: db.prepare('SELECT COUNT(*) AS n FROM customers'),
    insertCustomer:
      db.prepare(`INSERT INTO customers (customer_id, iin, palm_template, given_name, family_name, bill_tiyn,
      outstanding_tiyn, next_bill_tiyn, carried_tiyn, due_date, session_max_tiyn) VALUES (@customer_id, @iin, @palm_template,
      @given_name, @family_name, @bill_tiyn, @outstanding_tiyn, @next_bill_tiyn, @carried_tiyn, @due_date, @session_max_tiyn)`),
    cardCount: db.prepare('SELECT COUNT(*) AS n FROM cards'),
    insertCard: db.prepare('INSERT INTO cards (pan, customer_id) VALUES (?, ?)'),
    cards: db.prepare('SELECT pan, customer_id FROM cards ORDER BY pan'),
    atmsWithoutCardKey: db.prepare('SELECT atm_id FROM atms WHERE card_token_key IS NULL ORDER BY atm_id'),
    setCardKey: db.prepare('UPDATE atms SET card_token_key = ? WHERE atm_id = ? AND card_token_key IS NULL'),
    cardKey: db.prepare('SELECT card_token_key FROM atms WHERE atm_id = ?'),
    allAtms: db.prepare('SELECT atm_id, card_token_key FROM atms ORDER BY atm_id'),
    insertCardToken: db.prepare('INSERT OR IGNORE INTO card_tokens (atm_id, card_token, customer_id) VALUES (?, ?, ?)'),
    updateCustomerBill: db.prepare(
      'UPDATE customers SET bill_tiyn = ?, outstanding_tiyn = ?, next_bill_tiyn = ?, carried_tiyn = ? WHERE customer_id = ?',
    ),
    bills: db.prepare(
      'SELECT customer_id, bill_tiyn, outstanding_tiyn, next_bill_tiyn, carried_tiyn, due_date FROM customers ORDER BY customer_id',
    ),
    insertAtmIfMissing: db.prepare('INSERT OR IGNORE INTO atms (atm_id, address) VALUES (?, ?)'),
    upsertAtm: db.prepare(
      'INSERT INTO atms (atm_id, address) VALUES (?, ?) ON CONFLICT (atm_id) DO UPDATE SET address = excluded.address',
    ),
    atmAddress: db.prepare('SELECT address FROM atms WHERE atm_id = ?'),
    atmKnown: db.prepare('SELECT 1 AS known FROM atms WHERE atm_id = ?'),
    storedSequence: db.prepare('SELECT stored_sequence FROM atms WHERE atm_id = ?'),
    setStoredSequence: db.prepare('UPDATE atms SET stored_sequence = ? WHERE atm_id = ?'),
    insertRecord: db.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?)'),
    insertSession: db.prepare(
      'INSERT INTO sessions (atm_id, session_id, opened_sequence, customer_id, method) VALUES (?, ?, ?, ?, ?)',
    ),
    sessionBefore: db.prepare(`SELECT * FROM sessions WHERE atm_id = ? AND session_id = ? AND opened_sequence < ?
      ORDER BY opened_sequence DESC LIMIT 1`),
    setSessionBill: db.prepare(
      'UPDATE sessions SET bill_before_tiyn = ?, due_date = ? WHERE atm_id = ? AND opened_sequence = ?',
    ),
    closeSession: db.prepare(
      'UPDATE sessions SET closed_sequence = ?, outcome = ? WHERE atm_id = ? AND opened_sequence = ?',
    ),
    insertCredit: db.prepare('INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?, ?)'),
    creditsOfSession: db.prepare(
      'SELECT denomination_tenge, to_bill_tiyn, to_next_tiyn FROM credits WHERE atm_id = ? AND opened_sequence = ? ORDER BY sequence',
    ),
    insertDoubt: db.prepare(
      'INSERT INTO doubts (atm_id, sequence, session_id, customer_id, denomination_tenge, reason) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertAnomaly: db.prepare('INSERT OR IGNORE INTO anomalies VALUES (?, ?, ?)'),
    insertReceipt: db.prepare(
      'INSERT OR IGNORE INTO receipts (atm_id, session_id, opened_sequence, customer_id, body) VALUES (?, ?, ?, ?, ?)',
    ),
    setReceiptBody: db.prepare('UPDATE receipts SET body = ? WHERE receipt_number = ?'),
    receiptOfSession: db.prepare(
      'SELECT body FROM receipts WHERE atm_id = ? AND session_id = ? ORDER BY receipt_number DESC LIMIT 1',
    ),
    receiptsOfCustomer: db.prepare(
      'SELECT body FROM receipts WHERE customer_id = ? ORDER BY receipt_number DESC LIMIT ?',
    ),
    createQr: db.prepare("INSERT INTO qr_sessions VALUES (?, ?, ?, ?, ?, 'pending', NULL)"),
    qr: db.prepare('SELECT * FROM qr_sessions WHERE qr_session_id = ?'),
    settleQr: db.prepare(
      "UPDATE qr_sessions SET state = ?, customer_id = ? WHERE qr_session_id = ? AND state = 'pending' AND expires_ms > ?",
    ),
    useQr: db.prepare(
      "UPDATE qr_sessions SET state = 'used' WHERE qr_session_id = ? AND atm_id = ? AND state = 'confirmed'",
    ),
    notesByDenomination: db.prepare(
      'SELECT denomination_tenge AS d, COUNT(*) AS n FROM credits WHERE atm_id = ? GROUP BY d ORDER BY d',
    ),
    countRecords: db.prepare('SELECT COUNT(*) AS n FROM records WHERE atm_id = ?'),
    countDoubts: db.prepare('SELECT COUNT(*) AS n FROM doubts WHERE atm_id = ?'),
    countReceipts: db.prepare('SELECT COUNT(*) AS n FROM receipts WHERE atm_id = ?'),
    anomalies: db.prepare('SELECT sequence, what FROM anomalies WHERE atm_id = ? ORDER BY sequence, what LIMIT ?'),
    creditedNotes:
      db.prepare(`SELECT c.sequence, s.session_id, c.opened_sequence, c.customer_id, c.denomination_tenge, c.to_bill_tiyn, c.to_next_tiyn
      FROM credits c JOIN sessions s ON s.atm_id = c.atm_id AND s.opened_sequence = c.opened_sequence
      WHERE c.atm_id = ? AND c.sequence > ? ORDER BY c.sequence LIMIT ?`),
    doubts: db.prepare('SELECT * FROM doubts WHERE atm_id = ? AND sequence > ? ORDER BY sequence LIMIT ?'),
    receiptsOfAtm: db.prepare(
      'SELECT * FROM receipts WHERE atm_id = ? AND receipt_number > ? ORDER BY receipt_number LIMIT ?',
    ),
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, iin TEXT NOT NULL UNIQUE, palm_template TEXT NOT NULL UNIQUE,
  given_name TEXT NOT NULL, family_name TEXT NOT NULL,
  bill_tiyn INTEGER NOT NULL, outstanding_tiyn INTEGER NOT NULL, next_bill_tiyn INTEGER NOT NULL, carried_tiyn INTEGER NOT NULL,
  due_date TEXT NOT NULL, session_max_tiyn INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS atms (atm_id TEXT PRIMARY KEY, address TEXT NOT NULL, stored_sequence INTEGER NOT NULL DEFAULT 0,
  card_token_key TEXT);
CREATE TABLE IF NOT EXISTS cards (pan TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers (customer_id));
CREATE TABLE IF NOT EXISTS card_tokens (atm_id TEXT NOT NULL, card_token TEXT NOT NULL, customer_id TEXT NOT NULL,
  PRIMARY KEY (atm_id, card_token)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
  received_ms INTEGER NOT NULL, PRIMARY KEY (atm_id, sequence)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (atm_id TEXT NOT NULL, session_id INTEGER NOT NULL, opened_sequence INTEGER NOT NULL,
  customer_id TEXT NOT NULL, method TEXT NOT NULL, bill_before_tiyn INTEGER, due_date TEXT,
  closed_sequence INTEGER, outcome TEXT, PRIMARY KEY (atm_id, opened_sequence));
CREATE INDEX IF NOT EXISTS sessions_by_id ON sessions (atm_id, session_id, opened_sequence);
CREATE TABLE IF NOT EXISTS credits (atm_id TEXT NOT NULL, sequence INTEGER NOT NULL, opened_sequence INTEGER NOT NULL,
  customer_id TEXT NOT NULL, denomination_tenge INTEGER NOT NULL, to_bill_tiyn INTEGER NOT NULL, to_next_tiyn INTEGER NOT NULL,
  PRIMARY KEY (atm_id, sequence));
CREATE INDEX IF NOT EXISTS credits_by_session ON credits (atm_id, opened_sequence, sequence);
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

/** Books written before per-ATM card keys: the column is added, and keys are made at open. */
function migrate(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(atms)').all() as { name: string }[];
  if (!columns.some((column) => column.name === 'card_token_key'))
    db.exec('ALTER TABLE atms ADD COLUMN card_token_key TEXT');
}

export class BankStore {
  readonly #db: Database.Database;
  readonly #nowMs: () => number;
  readonly #sql: ReturnType<typeof prepareAll>;
  readonly #applyBatch: (
    atmId: string,
    fromSequence: number,
    toSequence: number,
    records: readonly WireRecord[],
    batchNumber: number,
  ) => BatchOutcome;
  #batchNumber = 0;
  beforeCommit: BeforeCommitHook | undefined = undefined;
  readonly inMemory: boolean;

  readonly #randomBytes: (byteCount: number) => Uint8Array;

  /** `randomBytes` makes the ATMs' card-token keys (node:crypto by default; the simulation seeds it). */
  constructor(location: StoreLocation, nowMs: () => number, randomBytes?: (byteCount: number) => Uint8Array) {
    this.#randomBytes = randomBytes ?? ((byteCount) => crypto.randomBytes(byteCount));
    if ('dataDir' in location) {
      fs.mkdirSync(location.dataDir, { recursive: true });
      this.#db = new Database(path.join(location.dataDir, 'bank.sqlite'));
      this.#db.pragma('journal_mode = WAL');
      // WAL with NORMAL could lose the last commits on power loss; the ack promises durability.
      this.#db.pragma('synchronous = FULL');
    } else {
      // Nothing to make durable: the books live and die with the simulation's process.
      this.#db = new Database(':memory:');
    }
    this.inMemory = !('dataDir' in location);
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
    migrate(this.#db);
    this.#nowMs = nowMs;
    this.#sql = prepareAll(this.#db);
    this.#applyBatch = this.#db.transaction(this.#applyInTransaction.bind(this));
    this.#seed();
    this.#db.transaction(() => this.#keyEveryAtm())();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #seed(): void {
    this.#db.transaction(() => {
      if ((this.#sql.customerCount.get() as { n: number }).n === 0) {
        for (const customer of DEMO_CUSTOMERS) this.#sql.insertCustomer.run(customer);
        for (const atm of DEMO_ATMS) this.#sql.insertAtmIfMissing.run(atm.atmId, atm.address);
      }
      // Books from before the card table get the demo cards too.
      if ((this.#sql.cardCount.get() as { n: number }).n === 0) {
        for (const card of DEMO_CARDS_ISSUED) this.#sql.insertCard.run(card.pan, card.customer_id);
      }
    })();
  }

  /**
   * Every ATM has its own card-token key, made when it is provisioned and kept for its life, and
   * the bank the token each of its cards gets at that ATM: a token read at one machine means
   * nothing at another, and no one key opens the fleet.
   */
  #keyEveryAtm(): void {
    for (const { atm_id: atmId } of this.#sql.atmsWithoutCardKey.all() as { atm_id: string }[]) {
      const key = this.#randomBytes(CARD_TOKEN_KEY_BYTES);
      assert.equal(key.length, CARD_TOKEN_KEY_BYTES, 'card-token key: short random source');
      this.#sql.setCardKey.run(Buffer.from(key).toString('hex'), atmId);
    }
    const cards = this.#sql.cards.all() as { pan: string; customer_id: string }[];
    for (const atm of this.#sql.allAtms.all() as { atm_id: string; card_token_key: string }[]) {
      for (const card of cards)
        this.#sql.insertCardToken.run(atm.atm_id, cardTokenOf(atm.card_token_key, card.pan), card.customer_id);
    }
  }

  /** The ATM's card-token key in hex (what provisioning hands its board), or undefined for an ATM the bank does not know. */
  cardTokenKeyHex(atmId: string): string | undefined {
    const row = this.#sql.cardKey.get(atmId) as { card_token_key: string | null } | undefined;
    return row?.card_token_key ?? undefined;
  }

  /** The customer whose card makes `cardToken` at this ATM; a token from another ATM finds nobody. */
  customerByCardToken(atmId: string, cardToken: string): CustomerRow | undefined {
    return this.#sql.customerByCardToken.get(atmId, cardToken) as CustomerRow | undefined;
  }

  // ---- customers ----

  customerBy(column: CustomerKey, value: string): CustomerRow | undefined {
    return this.#sql.customerBy[column].get(value) as CustomerRow | undefined;
  }

  account(customer: CustomerRow): CustomerAccount {
    return {
      customerId: customer.customer_id,
      displayName: displayName(customer),
      bill: {
        billTiyn: customer.bill_tiyn,
        dueDate: customer.bill_tiyn > 0 ? customer.due_date : '',
        nextBillTiyn: customer.next_bill_tiyn,
        outstandingTiyn: customer.outstanding_tiyn,
        carriedTiyn: customer.carried_tiyn,
      },
      sessionMaxTiyn: customer.session_max_tiyn,
    };
  }

  receiptsOf(customerId: string, countMax: number): Receipt[] {
    return (this.#sql.receiptsOfCustomer.all(customerId, countMax) as { body: string }[]).map(
      (row) => JSON.parse(row.body) as Receipt,
    );
  }

  receipt(atmId: string, sessionId: number): Receipt | undefined {
    const row = this.#sql.receiptOfSession.get(atmId, sessionId) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Receipt);
  }

  /**
   * Makes `atmId` a machine the bank knows (provisioning): only these may speak on the device
   * side. With an address, the receipts' address is set (or changed); without, an existing
   * ATM keeps its own and a new one gets a placeholder.
   */
  registerAtm(atmId: string, address?: string): void {
    this.#db.transaction(() => {
      if (address === undefined) this.#sql.insertAtmIfMissing.run(atmId, ADDRESS_UNKNOWN);
      else this.#sql.upsertAtm.run(atmId, address);
      this.#keyEveryAtm();
    })();
  }

  /** Whether the bank provisioned this ATM; a certificate from its CA alone does not make one. */
  atmKnown(atmId: string): boolean {
    return this.#sql.atmKnown.get(atmId) !== undefined;
  }

  // ---- QR sessions ----

  createQr(qrSessionId: string, atmId: string, token: string, expiresMs: number): void {
    this.#sql.createQr.run(qrSessionId, atmId, token, this.#nowMs(), expiresMs);
  }

  qr(qrSessionId: string): QrRow | undefined {
    const row = this.#sql.qr.get(qrSessionId) as QrRow | undefined;
    if (row !== undefined && row.state === 'pending' && this.#nowMs() >= row.expires_ms) row.state = 'expired';
    return row;
  }

  /**
   * Spends a confirmed QR session on one authorisation (confirmed → used), for the ATM that
   * created it; false if it was not confirmed, already used, or another ATM's. One row update,
   * so two authorisations racing for the same session cannot both win.
   */
  useQr(qrSessionId: string, atmId: string): boolean {
    return this.#sql.useQr.run(qrSessionId, atmId).changes === 1;
  }

  /** Moves a pending QR session on (confirmed by a customer, or cancelled); false if it was no longer pending. */
  settleQr(qrSessionId: string, state: 'confirmed' | 'cancelled', customerId: string | null): boolean {
    return this.#sql.settleQr.run(state, customerId, qrSessionId, this.#nowMs()).changes === 1;
  }

  // ---- deposits ----

  storedSequence(atmId: string): number {
    const row = this.#sql.storedSequence.get(atmId) as { stored_sequence: number } | undefined;
    return row?.stored_sequence ?? 0;
  }

  /**
   * Applies a validated batch exactly once: sequences at or below the ATM's stored sequence
   * are already here and skipped; a batch that starts beyond stored + 1 would leave a hole
   * and is refused whole. Returns the stored sequence after the commit.
   */
  applyBatch(atmId: string, fromSequence: number, toSequence: number, records: readonly WireRecord[]): BatchOutcome {
    assert.ok(
      Number.isSafeInteger(fromSequence) && fromSequence >= 1 && toSequence >= fromSequence,
      'applyBatch: range',
    );
    return this.#applyBatch(atmId, fromSequence, toSequence, records, ++this.#batchNumber);
  }

  #applyInTransaction(
    atmId: string,
    fromSequence: number,
    toSequence: number,
    records: readonly WireRecord[],
    batchNumber: number,
  ): BatchOutcome {
    // The API refuses an ATM the bank never provisioned; a batch for one here would be a bug.
    assert.ok(this.atmKnown(atmId), `applyBatch: unknown ATM ${atmId}`);
    const storedSequence = this.storedSequence(atmId);
    if (fromSequence > storedSequence + 1) return { kind: 'gap', ackedSequence: storedSequence };
    let appliedRecords = 0;
    let previousSequence = fromSequence - 1;
    for (const record of records) {
      // The API validated this; a batch out of order here would credit in the wrong order.
      assert.ok(
        record.sequence > previousSequence && record.sequence <= toSequence,
        'applyBatch: sequences rise within the range',
      );
      previousSequence = record.sequence;
      if (record.sequence <= storedSequence) continue;
      this.#apply(atmId, record);
      appliedRecords++;
    }
    const ackedSequence = Math.max(storedSequence, toSequence);
    this.#sql.setStoredSequence.run(ackedSequence, atmId);
    this.beforeCommit?.(batchNumber);
    return { kind: 'applied', ackedSequence, appliedRecords };
  }

  #apply(atmId: string, record: WireRecord): void {
    this.#sql.insertRecord.run(atmId, record.sequence, record.kind, JSON.stringify(record), this.#nowMs());
    switch (record.kind) {
      case 'session-opened':
        this.#sql.insertSession.run(atmId, record.sessionId, record.sequence, record.customerId, record.method);
        if (this.customerBy('customer_id', record.customerId as string) === undefined)
          this.#anomaly(atmId, record.sequence, 'unknown-customer');
        return;
      case 'note-stacked':
        return this.#credit(atmId, record);
      case 'session-closed':
        return this.#close(atmId, record);
      case 'doubt': {
        const session = this.#session(atmId, record.sessionId as number, record.sequence);
        this.#sql.insertDoubt.run(
          atmId,
          record.sequence,
          record.sessionId,
          session?.customer_id ?? null,
          record.denominationTenge,
          record.reason,
        );
        return;
      }
      default:
        return; // note-escrowed, note-returned, cassette-collected: kept in records only
    }
  }

  #session(atmId: string, sessionId: number, beforeSequence: number): SessionRow | undefined {
    return this.#sql.sessionBefore.get(atmId, sessionId, beforeSequence) as SessionRow | undefined;
  }

  /** One stacked note to its session's customer, by the allocation rule. */
  #credit(atmId: string, record: WireRecord): void {
    const session = this.#session(atmId, record.sessionId as number, record.sequence);
    const customer = session === undefined ? undefined : this.customerBy('customer_id', session.customer_id);
    if (session === undefined || customer === undefined) {
      // Cash is in the cassette but nobody to credit: never drop it, never guess — reconcile.
      this.#anomaly(atmId, record.sequence, 'stacked-without-customer');
      this.#sql.insertDoubt.run(
        atmId,
        record.sequence,
        record.sessionId,
        null,
        record.denominationTenge,
        'no-customer',
      );
      return;
    }
    const state: BillState = {
      billTiyn: customer.bill_tiyn,
      outstandingTiyn: customer.outstanding_tiyn,
      nextBillTiyn: customer.next_bill_tiyn,
      carriedTiyn: customer.carried_tiyn,
    };
    const paidTiyn = (record.denominationTenge as number) * 100;
    const allocation = allocatePayment(state, paidTiyn);
    // Every tiyn of the note lands somewhere, once.
    assert.equal(allocation.toBillTiyn + allocation.toNextTiyn, paidTiyn, 'credit: allocation conserves the note');
    this.#sql.updateCustomerBill.run(
      allocation.after.billTiyn,
      allocation.after.outstandingTiyn,
      allocation.after.nextBillTiyn,
      allocation.after.carriedTiyn,
      customer.customer_id,
    );
    if (session.bill_before_tiyn === null)
      this.#sql.setSessionBill.run(customer.bill_tiyn, customer.due_date, atmId, session.opened_sequence);
    this.#sql.insertCredit.run(
      atmId,
      record.sequence,
      session.opened_sequence,
      customer.customer_id,
      record.denominationTenge,
      allocation.toBillTiyn,
      allocation.toNextTiyn,
    );
  }

  /** Session closed: one receipt for what the bank credited (none when nothing was). */
  #close(atmId: string, record: WireRecord): void {
    const session = this.#session(atmId, record.sessionId as number, record.sequence);
    if (session === undefined) return this.#anomaly(atmId, record.sequence, 'closed-without-open');
    this.#sql.closeSession.run(record.sequence, record.outcome, atmId, session.opened_sequence);
    const credits = this.#sql.creditsOfSession.all(atmId, session.opened_sequence) as CreditRow[];
    const creditedTiyn = credits.reduce((sum, credit) => sum + credit.denomination_tenge * 100, 0);
    if (creditedTiyn !== record.depositedTiyn) this.#anomaly(atmId, record.sequence, 'deposited-differs-from-stacked');
    if (credits.length === 0) return;
    const customer = this.customerBy('customer_id', session.customer_id);
    const atm = this.#sql.atmAddress.get(atmId) as { address: string };
    const insert = this.#sql.insertReceipt.run(
      atmId,
      session.session_id,
      session.opened_sequence,
      session.customer_id,
      '{}',
    );
    const receiptNumber = Number(insert.lastInsertRowid);
    const receipt = buildReceipt({
      receiptNumber,
      atmId,
      atmAddress: atm.address,
      sessionId: session.session_id,
      openedSequence: session.opened_sequence,
      issuedMs: this.#nowMs(),
      method: session.method,
      outcome: record.outcome as string,
      customerName: customer === undefined ? '—' : displayName(customer),
      iinMasked: customer === undefined ? '—' : maskIin(customer.iin),
      billBeforeTiyn: session.bill_before_tiyn ?? 0,
      dueDate: session.due_date ?? '',
      notesTenge: credits.map((credit) => credit.denomination_tenge),
      toBillTiyn: credits.reduce((sum, credit) => sum + credit.to_bill_tiyn, 0),
      toNextTiyn: credits.reduce((sum, credit) => sum + credit.to_next_tiyn, 0),
      after:
        customer === undefined
          ? { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 0 }
          : {
              billTiyn: customer.bill_tiyn,
              outstandingTiyn: customer.outstanding_tiyn,
              nextBillTiyn: customer.next_bill_tiyn,
              carriedTiyn: customer.carried_tiyn,
            },
    });
    this.#sql.setReceiptBody.run(JSON.stringify(receipt), receiptNumber);
  }

  #anomaly(atmId: string, sequence: number, what: string): void {
    this.#sql.insertAnomaly.run(atmId, sequence, what);
  }

  // ---- for tests, the bench (/admin) and the simulation's invariant checker ----

  totals(atmId: string): AtmTotals {
    const byDenomination: Record<string, number> = {};
    let notes = 0;
    let tiyn = 0;
    for (const row of this.#sql.notesByDenomination.all(atmId) as { d: number; n: number }[]) {
      byDenomination[String(row.d)] = row.n;
      notes += row.n;
      tiyn += row.d * 100 * row.n;
    }
    const count = (statement: Statement) => (statement.get(atmId) as { n: number }).n;
    return {
      atmId,
      storedSequence: this.storedSequence(atmId),
      notes,
      tiyn,
      byDenomination,
      records: count(this.#sql.countRecords),
      doubts: count(this.#sql.countDoubts),
      receipts: count(this.#sql.countReceipts),
      anomalies: this.anomalies(atmId, 100),
    };
  }

  /** Credited notes as "sequence:sessionId:denomination", in sequence order (paged). */
  notes(atmId: string, afterSequence: number, countMax: number): string[] {
    return this.creditedNotes(atmId, afterSequence, countMax).map(
      (note) => `${note.sequence}:${note.sessionId}:${note.denominationTenge}`,
    );
  }

  /** Credited notes after `afterSequence`, in sequence order, at most countMax (≤ BOOKS_PAGE_MAX). */
  creditedNotes(atmId: string, afterSequence: number, countMax: number = BOOKS_PAGE_MAX): CreditedNote[] {
    assertPage(afterSequence, countMax);
    return (
      this.#sql.creditedNotes.all(atmId, afterSequence, countMax) as {
        sequence: number;
        session_id: number;
        opened_sequence: number;
        customer_id: string;
        denomination_tenge: number;
        to_bill_tiyn: number;
        to_next_tiyn: number;
      }[]
    ).map((row) => ({
      sequence: row.sequence,
      sessionId: row.session_id,
      openedSequence: row.opened_sequence,
      customerId: row.customer_id,
      denominationTenge: row.denomination_tenge,
      toBillTiyn: row.to_bill_tiyn,
      toNextTiyn: row.to_next_tiyn,
    }));
  }

  /** Notes stored "to reconcile" after `afterSequence`, in sequence order. */
  doubts(atmId: string, afterSequence = 0, countMax: number = BOOKS_PAGE_MAX): Doubt[] {
    assertPage(afterSequence, countMax);
    return (
      this.#sql.doubts.all(atmId, afterSequence, countMax) as {
        sequence: number;
        session_id: number | null;
        customer_id: string | null;
        denomination_tenge: number;
        reason: string;
        state: string;
      }[]
    ).map((row) => ({
      sequence: row.sequence,
      sessionId: row.session_id,
      customerId: row.customer_id,
      denominationTenge: row.denomination_tenge,
      reason: row.reason,
      state: row.state,
    }));
  }

  /** This ATM's receipts after `afterReceiptNumber`, oldest first: at most one per session-opened. */
  atmReceipts(atmId: string, afterReceiptNumber = 0, countMax: number = BOOKS_PAGE_MAX): AtmReceipt[] {
    assertPage(afterReceiptNumber, countMax);
    return (
      this.#sql.receiptsOfAtm.all(atmId, afterReceiptNumber, countMax) as {
        receipt_number: number;
        session_id: number;
        opened_sequence: number;
        customer_id: string;
        body: string;
      }[]
    ).map((row) => ({
      receiptNumber: row.receipt_number,
      sessionId: row.session_id,
      openedSequence: row.opened_sequence,
      customerId: row.customer_id,
      receipt: JSON.parse(row.body) as Receipt,
    }));
  }

  /** Anomalies as "sequence:what", in sequence order. */
  anomalies(atmId: string, countMax: number = BOOKS_PAGE_MAX): string[] {
    assertPage(0, countMax);
    return (this.#sql.anomalies.all(atmId, countMax) as { sequence: number; what: string }[]).map(
      (row) => `${row.sequence}:${row.what}`,
    );
  }

  /** Every customer's bill as it stands, by customer id. */
  bills(): CustomerBillState[] {
    return (
      this.#sql.bills.all() as {
        customer_id: string;
        bill_tiyn: number;
        outstanding_tiyn: number;
        next_bill_tiyn: number;
        carried_tiyn: number;
        due_date: string;
      }[]
    ).map((row) => ({
      customerId: row.customer_id,
      billTiyn: row.bill_tiyn,
      outstandingTiyn: row.outstanding_tiyn,
      nextBillTiyn: row.next_bill_tiyn,
      carriedTiyn: row.carried_tiyn,
      dueDate: row.due_date,
    }));
  }

  /** All of one ATM's books at once (every page): for the end of a run, or a small one. */
  books(atmId: string): AtmBooks {
    return {
      atmId,
      storedSequence: this.storedSequence(atmId),
      notes: allPages(
        (after) => this.creditedNotes(atmId, after),
        (note) => note.sequence,
      ),
      doubts: allPages(
        (after) => this.doubts(atmId, after),
        (doubt) => doubt.sequence,
      ),
      receipts: allPages(
        (after) => this.atmReceipts(atmId, after),
        (receipt) => receipt.receiptNumber,
      ),
      anomalies: this.anomalies(atmId),
      bills: this.bills(),
    };
  }
}

function assertPage(after: number, countMax: number): void {
  assert.ok(Number.isSafeInteger(after) && after >= 0, 'books: after must be a sequence');
  assert.ok(Number.isSafeInteger(countMax) && countMax >= 1 && countMax <= BOOKS_PAGE_MAX, 'books: page size');
}

/** Reads page after page (keyed by a rising number) until one comes back short. */
function allPages<T>(page: (after: number) => T[], keyOf: (row: T) => number): T[] {
  const rows: T[] = [];
  for (let after = 0; rows.length <= BOOKS_ROWS_MAX; ) {
    const next = page(after);
    rows.push(...next);
    if (next.length < BOOKS_PAGE_MAX) return rows;
    after = keyOf(next[next.length - 1]);
  }
  assert.fail(`books: more than ${BOOKS_ROWS_MAX} rows`);
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
