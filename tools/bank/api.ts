// The reference bank's API (tools/bank/API.md) without a transport: routing, validation and
// JSON for the device side (/v1/*) and the phone-app and admin side (/app/*, /admin/*). The
// HTTPS server (server.ts) feeds it a request it has read and an ATM id it has taken from a
// client certificate; the whole-machine simulation (in-process.ts) feeds it the firmware's
// request directly, on virtual time. Time and randomness come in as functions, so a
// simulation that seeds them gets the same QR ids and receipt times on every replay.
//
// Never throws: what a request can get wrong is a 4xx; anything else is a bug (or a fault a
// test injected inside a transaction, which then rolled back) and is a 500, counted.
import crypto from 'node:crypto';
import {
  recordProblem,
  CREDENTIAL_CHARS_MAX,
  PATH_AUTHORISE,
  PATH_DEPOSITS,
  PATH_QR,
  QR_SESSION_ID_CHARS_MAX,
} from '../../src/bank/wire';
import { isCustomerId } from '../../src/domain';
import { IIN_DIGITS, validateIin } from '../../src/kz/iin';
import { maskIin } from '../../src/log/mask';
import { ATM_ID_PATTERN } from './pki';
import { displayName } from './store';
import type { BankStore, BatchOutcome, CustomerRow, WireRecord } from './store';

/** Bodies beyond these are refused with 413 before they are parsed. */
export const DEPOSIT_BODY_BYTES_MAX = 256 * 1024;
export const SMALL_BODY_BYTES_MAX = 4 * 1024;
export const RECORDS_PER_BATCH_MAX = 1_024;
export const QR_LIFETIME_MS = 120_000;
/** A confirmed QR session authorises its ATM once, within this long after it was created. */
export const QR_AUTHORISE_WINDOW_MS = 600_000;
export const RECEIPTS_IN_APP_MAX = 20;
export const ADMIN_NOTES_PAGE_MAX = 5_000;
export const QR_PAYLOAD_PREFIX = 'https://kaspi.kz/atm-red/qr?';
/** 96 bits of QR session id, 128 bits of one-time token (API.md). */
const QR_SESSION_ID_BYTES = 12;
const QR_TOKEN_BYTES = 16;
const PATH_SCAN = '/app/qr/scan';

/** The device listener (mutual TLS, /v1/*) or the phone-app and admin one (/app/*, /admin/*). */
export type ApiSide = 'device' | 'app';

export interface ApiReply {
  readonly status: number;
  /** The JSON body, as an object (the transport stringifies it). */
  readonly body: object;
  /** A fault hook asked that the connection be dropped instead of answered (server only). */
  readonly drop?: true;
}

export interface BankApiOptions {
  readonly store: BankStore;
  /** The bank's clock (receipts, QR lifetimes): wall-clock ms since the epoch, UTC. */
  readonly nowMs: () => number;
  /** Random bytes for QR ids and tokens; default node:crypto. The simulation passes a seeded source. */
  readonly randomBytes?: (byteCount: number) => Uint8Array;
  /** After a deposits batch committed: 'drop' answers with `drop: true` (the server destroys the connection). */
  readonly afterCommit?: (batchNumber: number) => 'reply' | 'drop';
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const invalid = (field: string) => new HttpError(400, { error: 'invalid', field });
const NO_ROUTE: ApiReply = Object.freeze({ status: 404, body: Object.freeze({ error: 'no-route' }) });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(text: string | undefined): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new HttpError(400, { error: 'bad-json' });
  }
  if (!isObject(value)) throw new HttpError(400, { error: 'bad-json', detail: 'the body must be a JSON object' });
  return value;
}

function text(value: unknown, field: string, charsMax = CREDENTIAL_CHARS_MAX): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > charsMax) throw invalid(field);
  return value;
}

/** Path and query of a request target; undefined when it is not one. */
function parseTarget(target: string): URL | undefined {
  try {
    return new URL(target, 'https://bank');
  } catch {
    return undefined;
  }
}

/**
 * The body limit of a route in bytes, or undefined when the route takes no body (the
 * transport then reads none): POST /v1/deposits a large one; POST /v1/authorise, /v1/qr and
 * /app/qr/scan a small one.
 */
export function bodyBytesMax(side: ApiSide, method: string, pathname: string): number | undefined {
  if (method !== 'POST') return undefined;
  if (side === 'device' && pathname === PATH_DEPOSITS) return DEPOSIT_BODY_BYTES_MAX;
  if (side === 'device' && (pathname === PATH_AUTHORISE || pathname === PATH_QR)) return SMALL_BODY_BYTES_MAX;
  if (side === 'app' && pathname === PATH_SCAN) return SMALL_BODY_BYTES_MAX;
  return undefined;
}

export class BankApi {
  readonly store: BankStore;
  /** 500s answered: a bug in the bank, or a fault hook that threw inside a transaction. */
  internalErrors = 0;
  lastInternalError: unknown = undefined;
  readonly #nowMs: () => number;
  readonly #randomBytes: (byteCount: number) => Uint8Array;
  readonly #afterCommit: ((batchNumber: number) => 'reply' | 'drop') | undefined;
  #batchNumber = 0;

  constructor(options: BankApiOptions) {
    this.store = options.store;
    this.#nowMs = options.nowMs;
    this.#randomBytes = options.randomBytes ?? ((byteCount) => crypto.randomBytes(byteCount));
    this.#afterCommit = options.afterCommit;
  }

  /**
   * One request on the device side (/v1/*) from the ATM `atmId` (the server takes it from the
   * client certificate's CN). `target` is the path and query; `bodyText` the body as read.
   */
  device(atmId: string, method: string, target: string, bodyText: string | undefined): ApiReply {
    return this.#guard(() => this.#device(atmId, method, target, bodyText));
  }

  /** One request on the phone-app and admin side (/app/*, /admin/*). */
  app(method: string, target: string, bodyText: string | undefined): ApiReply {
    return this.#guard(() => this.#app(method, target, bodyText));
  }

  #guard(route: () => ApiReply): ApiReply {
    try {
      return route();
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: error.body };
      this.internalErrors++;
      this.lastInternalError = error;
      return { status: 500, body: { error: 'internal' } };
    }
  }

  /** The body as JSON, refused whole when the transport did not already cap it (in process). */
  #body(side: ApiSide, method: string, pathname: string, bodyText: string | undefined): Record<string, unknown> {
    const bytesMax = bodyBytesMax(side, method, pathname);
    if (bytesMax !== undefined && bodyText !== undefined && Buffer.byteLength(bodyText, 'utf8') > bytesMax) {
      throw new HttpError(413, { error: 'too-large', bytesMax });
    }
    return parseBody(bodyText);
  }

  #device(atmId: string, method: string, target: string, bodyText: string | undefined): ApiReply {
    const url = parseTarget(target);
    if (url === undefined) return NO_ROUTE;
    const route = `${method} ${url.pathname}`;
    if (route === `POST ${PATH_AUTHORISE}` || route === `POST ${PATH_QR}` || route === `POST ${PATH_DEPOSITS}`) {
      const body = this.#body('device', method, url.pathname, bodyText);
      this.#checkAtm(atmId, body);
      if (route === `POST ${PATH_AUTHORISE}`) return this.#authorise(atmId, body);
      if (route === `POST ${PATH_QR}`) return this.#startQr(atmId);
      return this.#deposits(atmId, body);
    }
    const qrPoll = /^\/v1\/qr\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (method === 'GET' && qrPoll !== null) {
      this.#checkAtm(atmId, undefined);
      const qr = this.store.qr(qrPoll[1]);
      if (qr === undefined || qr.atm_id !== atmId) return { status: 404, body: { error: 'unknown-qr' } };
      return { status: 200, body: { state: qr.state } };
    }
    const receipt = /^\/v1\/receipts\/([A-Za-z0-9._-]{1,24})\/(\d{1,10})$/.exec(url.pathname);
    if (method === 'GET' && receipt !== null) {
      this.#checkAtm(atmId, undefined);
      if (receipt[1] !== atmId) throw new HttpError(403, { error: 'atm-mismatch' });
      const found = this.store.receipt(receipt[1], Number(receipt[2]));
      return found === undefined ? { status: 404, body: { error: 'no-receipt' } } : { status: 200, body: found };
    }
    return NO_ROUTE;
  }

  #authorise(atmId: string, body: Record<string, unknown>): ApiReply {
    const unknown: ApiReply = { status: 404, body: { error: 'unknown-customer' } };
    let customer: CustomerRow | undefined;
    switch (body.method) {
      case 'iin': {
        const iin = text(body.iin, 'iin', IIN_DIGITS);
        if (!/^\d+$/.test(iin) || iin.length !== IIN_DIGITS) throw invalid('iin');
        if (!validateIin(iin).ok) return unknown; // never issued: nobody can have it
        customer = this.store.customerBy('iin', iin);
        break;
      }
      case 'card':
        customer = this.store.customerByCardToken(atmId, text(body.cardToken, 'cardToken'));
        break;
      case 'palm':
        customer = this.store.customerBy('palm_template', text(body.palmTemplate, 'palmTemplate'));
        break;
      case 'qr': {
        const qr = this.store.qr(text(body.qrSessionId, 'qrSessionId', QR_SESSION_ID_CHARS_MAX));
        if (qr === undefined || qr.atm_id !== atmId || qr.state !== 'confirmed' || qr.customer_id === null)
          return unknown;
        if (this.#nowMs() >= qr.expires_ms - QR_LIFETIME_MS + QR_AUTHORISE_WINDOW_MS) return unknown;
        // One scan, one authorisation: a confirmed session is spent here, never replayed.
        if (!this.store.useQr(qr.qr_session_id, atmId)) return unknown;
        customer = this.store.customerBy('customer_id', qr.customer_id);
        break;
      }
      default:
        throw invalid('method');
    }
    return customer === undefined ? unknown : { status: 200, body: this.store.account(customer) };
  }

  /**
   * The caller's identity: an ATM id of the certificate CN's shape, an ATM the bank provisioned
   * (a certificate from its CA alone creates nothing), and the body's atmId must be it (a device
   * speaks only for itself).
   */
  #checkAtm(atmId: string, body: Record<string, unknown> | undefined): void {
    if (!ATM_ID_PATTERN.test(atmId)) throw new HttpError(403, { error: 'no-device-identity' });
    if (!this.store.atmKnown(atmId)) throw new HttpError(403, { error: 'unknown-atm' });
    if (body !== undefined && body.atmId !== atmId) throw new HttpError(403, { error: 'atm-mismatch' });
  }

  #startQr(atmId: string): ApiReply {
    const qrSessionId = `q${this.#hex(QR_SESSION_ID_BYTES)}`;
    const token = this.#hex(QR_TOKEN_BYTES);
    this.store.createQr(qrSessionId, atmId, token, this.#nowMs() + QR_LIFETIME_MS);
    return {
      status: 200,
      body: { qrSessionId, payload: `${QR_PAYLOAD_PREFIX}s=${qrSessionId}&t=${token}`, expiresInMs: QR_LIFETIME_MS },
    };
  }

  #hex(byteCount: number): string {
    const bytes = this.#randomBytes(byteCount);
    // A short source would make guessable ids: refuse it loudly (a 500, counted).
    if (bytes.length !== byteCount) throw new Error(`randomBytes gave ${bytes.length} of ${byteCount} bytes`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  }

  #deposits(atmId: string, body: Record<string, unknown>): ApiReply {
    const { fromSequence, toSequence, records } = body;
    if (typeof fromSequence !== 'number' || !Number.isSafeInteger(fromSequence) || fromSequence < 1)
      throw invalid('fromSequence');
    if (typeof toSequence !== 'number' || !Number.isSafeInteger(toSequence) || toSequence < fromSequence)
      throw invalid('toSequence');
    if (!Array.isArray(records) || records.length > RECORDS_PER_BATCH_MAX) throw invalid('records');
    let previous = fromSequence - 1;
    records.forEach((record: unknown, index) => {
      const problem = recordProblem(record);
      if (problem !== undefined) throw invalid(`records[${index}].${problem}`);
      const sequence = (record as WireRecord).sequence;
      if (sequence <= previous || sequence > toSequence) throw invalid(`records[${index}].sequence`);
      previous = sequence;
    });
    const outcome: BatchOutcome = this.store.applyBatch(atmId, fromSequence, toSequence, records as WireRecord[]);
    this.#batchNumber++;
    const drop = this.#afterCommit?.(this.#batchNumber) === 'drop';
    const reply: ApiReply =
      outcome.kind === 'gap'
        ? { status: 409, body: { error: 'gap', ackedSequence: outcome.ackedSequence } }
        : { status: 200, body: { ackedSequence: outcome.ackedSequence } };
    return drop ? { ...reply, drop: true } : reply;
  }

  // ---- phone app and admin ----

  #app(method: string, target: string, bodyText: string | undefined): ApiReply {
    const url = parseTarget(target);
    if (url === undefined) return NO_ROUTE;
    if (method === 'POST' && url.pathname === PATH_SCAN)
      return this.#scanQr(this.#body('app', method, url.pathname, bodyText));
    // The app finds a customer by IIN; the bank's own tools (the scenario runner) by customer id.
    const customerPath = /^\/app\/customers\/(\d{12})$/.exec(url.pathname);
    if (method === 'GET' && customerPath !== null)
      return this.#customerView(this.store.customerBy('iin', customerPath[1]));
    const adminCustomerPath = /^\/admin\/customers\/([A-Za-z0-9._-]{1,24})$/.exec(url.pathname);
    if (method === 'GET' && adminCustomerPath !== null)
      return this.#customerView(this.store.customerBy('customer_id', adminCustomerPath[1]));
    const atmId = url.searchParams.get('atmId') ?? '';
    if (method === 'GET' && url.pathname === '/admin/totals') {
      if (!isCustomerId(atmId)) throw invalid('atmId');
      return { status: 200, body: this.store.totals(atmId) };
    }
    if (method === 'GET' && url.pathname === '/admin/notes') {
      const afterSequence = Number(url.searchParams.get('afterSequence') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? String(ADMIN_NOTES_PAGE_MAX));
      if (!isCustomerId(atmId)) throw invalid('atmId');
      if (!Number.isSafeInteger(afterSequence) || afterSequence < 0) throw invalid('afterSequence');
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > ADMIN_NOTES_PAGE_MAX) throw invalid('limit');
      return { status: 200, body: { notes: this.store.notes(atmId, afterSequence, limit) } };
    }
    return NO_ROUTE;
  }

  #customerView(customer: CustomerRow | undefined): ApiReply {
    if (customer === undefined) return { status: 404, body: { error: 'unknown-customer' } };
    const account = this.store.account(customer);
    return {
      status: 200,
      body: {
        customerId: customer.customer_id,
        displayName: displayName(customer),
        iin: maskIin(customer.iin),
        bill: account.bill,
        receipts: this.store.receiptsOf(customer.customer_id, RECEIPTS_IN_APP_MAX),
      },
    };
  }

  #scanQr(body: Record<string, unknown>): ApiReply {
    const payload = text(body.payload, 'payload', 512);
    const iin = text(body.iin, 'iin', 12);
    if (!payload.startsWith(QR_PAYLOAD_PREFIX)) throw invalid('payload');
    const parameters = new URLSearchParams(payload.slice(QR_PAYLOAD_PREFIX.length));
    const qr = this.store.qr(parameters.get('s') ?? '');
    const token = Buffer.from(parameters.get('t') ?? '');
    if (qr === undefined || token.length !== qr.token.length || !crypto.timingSafeEqual(token, Buffer.from(qr.token))) {
      return { status: 404, body: { error: 'unknown-qr' } };
    }
    const customer = validateIin(iin).ok ? this.store.customerBy('iin', iin) : undefined;
    if (customer === undefined) return { status: 404, body: { error: 'unknown-customer' } };
    const cancel = body.action === 'cancel';
    if (
      !this.store.settleQr(
        parameters.get('s')!,
        cancel ? 'cancelled' : 'confirmed',
        cancel ? null : customer.customer_id,
      )
    ) {
      return { status: 409, body: { error: qr.state === 'expired' ? 'expired' : 'already-used', state: qr.state } };
    }
    return { status: 200, body: { state: cancel ? 'cancelled' : 'confirmed', atmId: qr.atm_id } };
  }
}
