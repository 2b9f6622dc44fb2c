// The firmware's side of the bank link: one HTTPS request in flight at a time over the
// HttpsClient port (the board has one TLS context: on an ESP32 a second handshake would
// not fit in the heap), customer requests ahead of the outbox's deposit batches (a person
// is waiting for the first; the second can wait a few seconds), and every request ends in
// exactly one callback with a value: the account, or one of the BankError values.
//
// Time is the monotonic clock only: a customer request's deadline counts from when it was
// asked, so waiting behind a deposit batch is part of its budget, not extra.
import type { Clock, HttpsClient, HttpsResult } from '../../hal/ports';
import { assert } from '../assert';
import { isCustomerId } from '../domain';
import type { Task } from '../loop/scheduler';
import {
  authoriseBody,
  credentialOf,
  parseAccount,
  parseJson,
  parseQrStart,
  parseQrState,
  PATH_AUTHORISE,
  PATH_DEPOSITS,
  PATH_QR,
  QR_SESSION_ID_CHARS_MAX,
  CREDENTIAL_CHARS_MAX,
} from './wire';
import type { AuthoriseRequest, CustomerAccount, QrStart, QrState } from './wire';

export type BankError = 'unknown-customer' | 'unreachable' | 'timeout' | 'rejected' | 'malformed';

export type AuthoriseResult =
  | { readonly ok: true; readonly account: CustomerAccount }
  | { readonly ok: false; readonly error: BankError };
export type QrStartResult = ({ readonly ok: true } & QrStart) | { readonly ok: false; readonly error: BankError };
export type QrPollResult =
  | { readonly ok: true; readonly state: QrState }
  | { readonly ok: false; readonly error: BankError };

/** The outbox's lane: a deposits batch is posted when the link is free of customer work. */
export interface DepositLane {
  /** The longest batch body the link sends, in bytes (the HTTPS port's requestBodyBytesMax). */
  readonly depositBodyBytesMax: number;
  /** Queues one batch; false (and no callback) while an earlier batch is still queued or in flight. */
  postDeposits(body: string, onDone: (result: HttpsResult) => void): boolean;
}

/** Budgets from the customer's side: the session gives up on authorising after 20 s. */
export const AUTHORISE_TIMEOUT_MS = 12_000;
export const QR_START_TIMEOUT_MS = 8_000;
/** A QR poll is repeated every few seconds anyway: a slow one is better abandoned. */
export const QR_POLL_TIMEOUT_MS = 5_000;
/** A batch is up to BATCH_RECORDS_MAX records; the bank commits it with one fsync. */
export const DEPOSIT_TIMEOUT_MS = 15_000;
/** If the port never calls back (a broken adapter), give up this long after its own timeout. */
export const PORT_GRACE_MS = 2_000;
/** At most this many customer requests wait; a session has one outstanding at a time. */
export const CUSTOMER_QUEUE_MAX = 2;

const BUSY = Object.freeze<HttpsResult>({ ok: true, status: 429, body: '{"error":"busy"}' });
const NOT_PROVISIONED = Object.freeze<HttpsResult>({
  ok: false,
  failure: 'connect',
  detail: 'not provisioned: no ATM id, nothing is sent',
});

type Kind = 'authorise' | 'qr-start' | 'qr-poll' | 'deposits';

interface Pending {
  readonly kind: Kind;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string | undefined;
  readonly deadlineMs: number;
  readonly finish: (result: HttpsResult) => void;
}

export class BankClientStats {
  /** HTTPS requests started on the port, by kind: the round trips a session costs. */
  authorise = 0;
  qrStart = 0;
  qrPoll = 0;
  deposits = 0;
  timeouts = 0;
  portBusy = 0;
}

export class BankClient implements Task {
  readonly name = 'bank';
  readonly periodMs = 50;
  readonly deadlineMs = 2_000;
  readonly stats = new BankClientStats();
  readonly #https: HttpsClient;
  readonly #clock: Clock;
  /** Undefined on a machine with no provisioned ATM id: then nothing is ever sent (see `closed`). */
  readonly #atmId: string | undefined;
  readonly #customer: Pending[] = [];
  #deposit: Pending | undefined = undefined;
  #inFlight: Pending | undefined = undefined;
  /** Which port request is current: a late callback from an abandoned one is ignored. */
  #requestNumber = 0;
  #inFlightSinceMs = 0;
  #inFlightTimeoutMs = 0;
  /** Customer requests refused for a full queue, answered on the next poll (never re-entrantly). */
  readonly #refused: ((result: HttpsResult) => void)[] = [];

  constructor(https: HttpsClient, clock: Clock, atmId: string | undefined) {
    assert(atmId === undefined || isCustomerId(atmId), 'bank client: ATM id must be 1..24 printable ASCII');
    this.#https = https;
    this.#clock = clock;
    this.#atmId = atmId;
  }

  /**
   * A machine without an ATM id cannot speak to the bank: the bank would refuse any name but its
   * certificate's. Every request is then answered 'connect' on the next poll and none is sent.
   */
  get closed(): boolean {
    return this.#atmId === undefined;
  }

  authorise(request: AuthoriseRequest, onDone: (result: AuthoriseResult) => void): void {
    const credential = credentialOf(request);
    assert(credential.length > 0 && credential.length <= CREDENTIAL_CHARS_MAX, 'bank client: credential length');
    this.#enqueueCustomer(
      'authorise',
      'POST',
      PATH_AUTHORISE,
      authoriseBody(this.#atmId ?? '', request),
      AUTHORISE_TIMEOUT_MS,
      (result) => {
        const outcome = interpret(result);
        if (!outcome.ok) return onDone(outcome);
        const account = parseAccount(outcome.value);
        onDone(account === undefined ? { ok: false, error: 'malformed' } : { ok: true, account });
      },
    );
  }

  startQr(onDone: (result: QrStartResult) => void): void {
    this.#enqueueCustomer(
      'qr-start',
      'POST',
      PATH_QR,
      JSON.stringify({ atmId: this.#atmId ?? '' }),
      QR_START_TIMEOUT_MS,
      (result) => {
        const outcome = interpret(result);
        if (!outcome.ok) return onDone(outcome);
        const start = parseQrStart(outcome.value);
        onDone(start === undefined ? { ok: false, error: 'malformed' } : { ok: true, ...start });
      },
    );
  }

  pollQr(qrSessionId: string, onDone: (result: QrPollResult) => void): void {
    assert(
      /^[A-Za-z0-9_-]+$/.test(qrSessionId) && qrSessionId.length <= QR_SESSION_ID_CHARS_MAX,
      'bank client: QR session id',
    );
    this.#enqueueCustomer('qr-poll', 'GET', `${PATH_QR}/${qrSessionId}`, undefined, QR_POLL_TIMEOUT_MS, (result) => {
      const outcome = interpret(result);
      if (!outcome.ok) return onDone(outcome);
      const state = parseQrState(outcome.value);
      onDone(state === undefined ? { ok: false, error: 'malformed' } : { ok: true, state });
    });
  }

  get depositBodyBytesMax(): number {
    return this.#https.requestBodyBytesMax;
  }

  postDeposits(body: string, onDone: (result: HttpsResult) => void): boolean {
    if (this.closed) {
      this.#refused.push(onDone);
      return true;
    }
    if (this.#deposit !== undefined || this.#inFlight?.kind === 'deposits') return false;
    this.#deposit = {
      kind: 'deposits',
      method: 'POST',
      path: PATH_DEPOSITS,
      body,
      deadlineMs: this.#clock.monotonicMs() + DEPOSIT_TIMEOUT_MS,
      finish: onDone,
    };
    this.#pump();
    return true;
  }

  /** Whether a request is on the wire or waiting (the console shows it). */
  get busy(): boolean {
    return this.#inFlight !== undefined || this.#customer.length > 0 || this.#deposit !== undefined;
  }

  poll(nowMs: number): void {
    while (this.#refused.length > 0) this.#refused.shift()!(this.closed ? NOT_PROVISIONED : BUSY);
    this.#expireWaiting(nowMs);
    if (this.#inFlight !== undefined && nowMs - this.#inFlightSinceMs > this.#inFlightTimeoutMs + PORT_GRACE_MS) {
      // The port broke its promise to call back; abandon the request (its late callback is ignored).
      const abandoned = this.#inFlight;
      this.#inFlight = undefined;
      this.#requestNumber++;
      this.stats.timeouts++;
      abandoned.finish({ ok: false, failure: 'timeout', detail: 'no reply from the HTTPS port' });
    }
    this.#pump();
  }

  #enqueueCustomer(
    kind: Kind,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    timeoutMs: number,
    finish: (result: HttpsResult) => void,
  ): void {
    if (this.closed || this.#customer.length >= CUSTOMER_QUEUE_MAX) {
      this.#refused.push(finish);
      return;
    }
    this.#customer.push({ kind, method, path, body, deadlineMs: this.#clock.monotonicMs() + timeoutMs, finish });
    this.#pump();
  }

  #expireWaiting(nowMs: number): void {
    for (let index = 0; index < this.#customer.length; ) {
      const pending = this.#customer[index];
      if (nowMs < pending.deadlineMs) {
        index++;
        continue;
      }
      this.#customer.splice(index, 1);
      this.stats.timeouts++;
      pending.finish({ ok: false, failure: 'timeout', detail: 'waited for the link past the deadline' });
    }
    if (this.#deposit !== undefined && nowMs >= this.#deposit.deadlineMs) {
      const pending = this.#deposit;
      this.#deposit = undefined;
      this.stats.timeouts++;
      pending.finish({ ok: false, failure: 'timeout', detail: 'waited for the link past the deadline' });
    }
  }

  /** Starts the next request if the link is free: customers first, then the outbox. */
  #pump(): void {
    if (this.#inFlight !== undefined) return;
    const next = this.#customer.length > 0 ? this.#customer[0] : this.#deposit;
    if (next === undefined) return;
    const nowMs = this.#clock.monotonicMs();
    const timeoutMs = next.deadlineMs - nowMs;
    if (timeoutMs <= 0) return; // the next poll answers it with a timeout
    const requestNumber = ++this.#requestNumber;
    const started = this.#https.request(
      { method: next.method, path: next.path, body: next.body, timeoutMs },
      (result) => {
        if (requestNumber !== this.#requestNumber || this.#inFlight !== next) return;
        this.#inFlight = undefined;
        next.finish(result);
        this.#pump();
      },
    );
    if (!started) {
      this.stats.portBusy++;
      return;
    }
    if (next === this.#deposit) this.#deposit = undefined;
    else this.#customer.shift();
    this.#inFlight = next;
    this.#inFlightSinceMs = nowMs;
    this.#inFlightTimeoutMs = timeoutMs;
    this.#count(next.kind);
  }

  #count(kind: Kind): void {
    if (kind === 'authorise') this.stats.authorise++;
    else if (kind === 'qr-start') this.stats.qrStart++;
    else if (kind === 'qr-poll') this.stats.qrPoll++;
    else this.stats.deposits++;
  }
}

type Interpreted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: BankError };

/** Maps a port result to a value or a BankError (a 200 with JSON is the only success). */
export function interpret(result: HttpsResult): Interpreted {
  if (!result.ok) {
    if (result.failure === 'timeout') return { ok: false, error: 'timeout' };
    if (result.failure === 'too-large') return { ok: false, error: 'malformed' };
    return { ok: false, error: 'unreachable' };
  }
  const value = parseJson(result.body);
  if (
    result.status === 404 &&
    typeof value === 'object' &&
    value !== null &&
    (value as { error?: unknown }).error === 'unknown-customer'
  ) {
    return { ok: false, error: 'unknown-customer' };
  }
  // 5xx and 429: the bank cannot serve now, as if it were down; other 4xx: it said no.
  if (result.status >= 500 || result.status === 429) return { ok: false, error: 'unreachable' };
  if (result.status !== 200) return { ok: false, error: 'rejected' };
  if (value === undefined) return { ok: false, error: 'malformed' };
  return { ok: true, value };
}
