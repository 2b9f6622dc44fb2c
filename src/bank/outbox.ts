// The outbox: everything in the ledger above the bank's acknowledgement goes to the bank,
// in batches keyed by (ATM id, sequence range), until the bank says it holds it durably;
// that acknowledgement is then written back to the ledger. Because the bank applies only
// sequences above what it already stored, a retried, duplicated or late batch can never
// credit twice — so the outbox may retry anything at any time, and does, with backoff.
//
// When (the sync policy). Every record is durable in flash before the step that depends on it,
// so when it travels is a matter of cost, not safety: each batch is a round trip (on the board
// a TLS handshake in JavaScript) and each acknowledgement a flash write. The session says what
// the customer needs (SyncDemand): while someone is at the machine the outbox holds what the
// ledger gains, so a cash session's records go in one batch when it closes — earlier only when
// a full batch waits (HOLD_RECORDS_MAX) or the oldest has waited HOLD_MS_MAX; when it closes
// the customer waits for "credited" and the batch goes at once; with nobody there (a quiet
// moment) whatever is left goes, a backlog in back-to-back batches. The bank's answer to a
// session's batch sent before its close is written to the ledger with the next one's
// (ACK_DEFER_BATCHES_MAX), so a session writes one bank-ack. Nothing is held while the ledger
// is short of room (HOLD_ROOM_BYTES_MIN), and nothing waits forever: the session's states all
// time out, and HOLD_MS_MAX bounds a hold whatever the session does.
//
// Clock skew: ordering is by ledger sequence only; backoff runs on the monotonic clock the
// scheduler passes in. The wall clock only travels inside records as data.
import type { HttpsResult, Random } from '../../hal/ports';
import { assert } from '../assert';
import { isCustomerId } from '../domain';
import type { Task } from '../loop/scheduler';
import type { DepositLane } from './bank-client';
import { parseDepositsReply, parseJson } from './wire';

/** The ledger as the outbox needs it (src/ledger/ledger.ts's Ledger satisfies it). */
export interface OutboxLedger {
  readonly headSequence: number;
  readonly ackedSequence: number;
  readFrom(fromSequence: number, countMax: number, visit: (sequence: number, record: OutboxRecord) => void): number;
  acknowledge(
    ackedSequence: number,
  ):
    | { readonly ok: true; readonly sequence: number }
    | { readonly ok: false; readonly error: 'full' | 'io' | 'invalid' };
  /** Bytes of ordinary records the ledger can still write (src/ledger/ledger.ts roomBytes). */
  roomBytes(): number;
}

/** Any ledger record; the outbox reads only its kind and sends its fields as they are. */
export interface OutboxRecord {
  readonly kind: string;
}

/**
 * Records per batch, at most; a batch is also cut to the link's body limit (the board's bank
 * worker sends 4 096 bytes: about 30 note records, or 16 short sessions' opened and closed
 * records). A busy day is a few hundred records, so a day's backlog clears in a few dozen round trips.
 */
export const BATCH_RECORDS_MAX = 32;
/**
 * The smallest body limit the outbox works with: the envelope (an ATM id of 24 characters and
 * two 10-digit sequences, about 90 bytes) and the largest record as JSON (a session-opened
 * with a 24-character customer id, about 200 bytes) fit with room to spare.
 */
export const BATCH_BODY_BYTES_MIN = 1_024;
/**
 * Retry delays: a second is nothing next to a deposit that is already safe in flash, and a
 * minute at most keeps a fleet that lost the bank together from hammering it on its return.
 */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/** Failures counted for the exponent; beyond it the delay stays at BACKOFF_MAX_MS. */
export const BACKOFF_DOUBLINGS_MAX = 6;
/**
 * While a customer is at the machine the outbox holds what the ledger gains, unless this many
 * records wait: a full batch, one round trip whenever it goes, so a session of any length costs
 * a batch per BATCH_RECORDS_MAX records and what is left at its close is one batch again.
 */
export const HOLD_RECORDS_MAX = BATCH_RECORDS_MAX;
/**
 * ...or the oldest record waiting has waited this long. Longer than a session at a person's
 * pace (the session's 200 notes at a note a second take 200 s), so the pace never adds a round
 * trip; short enough that nothing a customer's long or stuck visit holds back waits for long.
 */
export const HOLD_MS_MAX = 300_000;
/**
 * While the customer's session still adds records, the bank's answer to one of its batches
 * waits to be written to the ledger together with the next one's (a session of up to about
 * fifteen notes is sent in one batch, up to thirty in two, and writes one bank-ack). One at most:
 * after a power cut the next boot sends again from the ledger's acknowledgement, and a bank
 * that holds more than that one batch beyond it answers beyond what it is sent, which the
 * outbox refuses as an anomaly ('bank-ahead') until it has sent that far again.
 */
export const ACK_DEFER_BATCHES_MAX = 1;
/**
 * Nothing is held while the ledger can write less than this: records go and the bank's answers
 * are written as they come, since the ring moves on only as far as the ledger's acknowledgement
 * (and a customer the ledger is too full to serve must not hold back what would free it). Far
 * above what a session may still write (src/session/room.ts SESSION_ROOM_BYTES, under 200
 * bytes), so a hold never costs a customer a note.
 */
export const HOLD_ROOM_BYTES_MIN = 1_024;

/**
 * What the customer's session needs of the sync now (src/session/session.ts syncDemand):
 * 'quiet' — nobody at the machine: send whatever there is;
 * 'hold'  — a customer signing in or paying: the link is theirs, the session's records wait
 *           for its close (or a bound);
 * 'now'   — a session closed and its customer waits for "credited": send at once.
 */
export type SyncDemand = 'quiet' | 'hold' | 'now';

export type OutboxError =
  | 'unreachable'
  | 'timeout'
  | 'rejected'
  | 'malformed'
  | 'too-large'
  /**
   * A bank anomaly: the bank acknowledged beyond the batch it was sent (records it never got
   * from this boot, perhaps never written). Nothing is acknowledged; the outbox sends on from
   * the batch's end, so an ack is believed only once every record up to it has been sent.
   */
  | 'bank-ahead'
  /** A bank anomaly: the reply acknowledges for another ATM. Nothing is acknowledged; the batch is sent again. */
  | 'wrong-atm'
  /** The bank holds less than the ledger's acknowledgement and the records it lacks are gone from flash. */
  | 'bank-behind'
  /** The ledger refused to record the bank's acknowledgement (it is retried; the batch is not resent). */
  | 'ack-write';

export type OutboxState = 'idle' | 'sending' | 'backoff';

export interface OutboxOptions {
  /** The first retry waits between half of this and this; tests shorten it. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /**
   * Whether a batch may start at all: the firmware says no on a machine with no ATM id, which
   * sends the bank nothing. (The board's TLS runs in a Worker, so a handshake never starves the
   * serial lines: docs/board.md.)
   */
  readonly mayStart?: () => boolean;
  /** Where bank anomalies are told (the event log the console's `log` reads). */
  readonly log?: { record(source: string, text: string): void };
  /** What the customer's session needs of the sync now; 'quiet' (send whatever there is) when not given. */
  readonly demand?: () => SyncDemand;
}

/** Characters kept of the last anomaly's description, for the console. */
const ANOMALY_TEXT_CHARS_MAX = 96;

export class Outbox implements Task {
  readonly name = 'outbox';
  readonly periodMs = 100;
  readonly deadlineMs = 2_000;
  readonly #ledger: OutboxLedger;
  readonly #lane: DepositLane;
  readonly #random: Random;
  readonly #atmId: string;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #mayStart: () => boolean;
  readonly #demand: () => SyncDemand;
  readonly #randomBytes = new Uint8Array(4);
  readonly #batch = new BatchBody();
  /** The highest sequence the bank said it holds durably (this boot), or the ledger's ack. */
  #bankHoldsSequence: number;
  /** Nothing to send up to here: only bank-ack records were found after the bank's hold. */
  #quietThroughSequence = 0;
  /**
   * After the bank acknowledged beyond a batch: the next batch starts here, past the bank's
   * believed hold, so every record up to its claim is sent before the claim is believed.
   * 0 when the next batch starts after the bank's hold.
   */
  #walkFromSequence = 0;
  readonly #log: { record(source: string, text: string): void } | undefined;
  #state: OutboxState = 'idle';
  #nextAttemptMs = 0;
  #failures = 0;
  /** Replies arrive between polls; their backoff counts from the last poll's time. */
  #lastPollMs = 0;
  /** When the outbox first saw the oldest record the bank does not hold (monotonic ms; NaN when none waits). */
  #unsentSinceMs = Number.NaN;
  /** The last sequence of the batch in flight, and when a record past it was first seen (NaN: none yet). */
  #inFlightToSequence = 0;
  #pastInFlightSinceMs = Number.NaN;
  /** The console's "sync now": the next batch goes whatever the session holds. */
  #forced = false;
  /** Batches the bank acknowledged whose answer is not yet written to the ledger. */
  #batchesUnwritten = 0;
  lastError: OutboxError | undefined = undefined;
  /** Replies refused as bank anomalies (an ack beyond what was sent, or for another ATM) since boot. */
  bankAnomalies = 0;
  /** The last of them, said plainly ('' when none). */
  lastAnomaly = '';
  batchesAcked = 0;
  /** Batches that stopped short of BATCH_RECORDS_MAX because the next record would have passed the link's body limit. */
  batchesCutAtBodyLimit = 0;
  recordsAcked = 0;
  attempts = 0;

  constructor(ledger: OutboxLedger, lane: DepositLane, random: Random, atmId: string, options: OutboxOptions = {}) {
    assert(isCustomerId(atmId), 'outbox: ATM id must be 1..24 printable ASCII');
    this.#backoffBaseMs = options.backoffBaseMs ?? BACKOFF_BASE_MS;
    this.#backoffMaxMs = options.backoffMaxMs ?? BACKOFF_MAX_MS;
    this.#mayStart = options.mayStart ?? (() => true);
    this.#demand = options.demand ?? (() => 'quiet');
    this.#log = options.log;
    assert(this.#backoffBaseMs > 0 && this.#backoffMaxMs >= this.#backoffBaseMs, 'outbox: backoff bounds');
    assert(lane.depositBodyBytesMax >= BATCH_BODY_BYTES_MIN, "outbox: the link's body limit is too small for a batch");
    this.#ledger = ledger;
    this.#lane = lane;
    this.#random = random;
    this.#atmId = atmId;
    this.#bankHoldsSequence = ledger.ackedSequence;
  }

  get state(): OutboxState {
    return this.#state;
  }

  /** The highest sequence the bank has confirmed holding (may be ahead of the ledger's ack while that write is retried). */
  get bankHoldsSequence(): number {
    return this.#bankHoldsSequence;
  }

  /** Records (bank-acks included) above the bank's hold: the sync queue the console shows. */
  get unsentRecords(): number {
    return Math.max(0, this.#ledger.headSequence - this.#bankHoldsSequence);
  }

  /** Records wait for the customer's session to close (or a bound): the console says so. */
  get holding(): boolean {
    return this.#state === 'idle' && this.#pending() && !this.#due(this.#lastPollMs);
  }

  /** The console's "sync now": ends a backoff wait and any hold; false when a batch is already in flight. */
  retryNow(): boolean {
    if (this.#state === 'sending') return false;
    this.#nextAttemptMs = 0;
    this.#forced = true;
    return true;
  }

  /**
   * The session closed and its customer waits for "credited": the batch starts in this tick
   * rather than at the outbox's next poll (the session calls it once its demand is 'now').
   */
  creditNow(nowMs: number): void {
    this.poll(nowMs);
  }

  /** Milliseconds until the next attempt while backing off, NaN otherwise. */
  nextAttemptInMs(nowMs: number): number {
    return this.#state === 'backoff' ? Math.max(0, this.#nextAttemptMs - nowMs) : Number.NaN;
  }

  poll(nowMs: number): void {
    this.#lastPollMs = nowMs;
    this.#watchUnsent(nowMs);
    if (this.#state === 'sending' || (this.#state === 'backoff' && nowMs < this.#nextAttemptMs)) {
      if (this.#ackDue()) this.#writeAck();
      return;
    }
    this.#state = 'idle';
    // Walked past the head without the claim coming true: send again from what the bank is believed to hold.
    if (this.#ledger.headSequence < this.#walkFromSequence) this.#walkFromSequence = 0;
    if (this.#pending() && this.#mayStart() && this.#due(nowMs)) {
      this.#send(nowMs);
      if (this.#state !== 'idle') return; // its reply brings a newer hold: one ledger write for both
    }
    if (this.#ackDue()) this.#writeAck();
  }

  /** Records above the bank's hold that may travel (not only bank-ack records already found). */
  #pending(): boolean {
    const headSequence = this.#ledger.headSequence;
    return headSequence > this.#bankHoldsSequence && headSequence > this.#quietThroughSequence;
  }

  /** Whether the policy sends what is pending now (see "When" above). */
  #due(nowMs: number): boolean {
    if (this.#forced || this.#demand() !== 'hold' || this.#shortOfRoom()) return true;
    return this.unsentRecords >= HOLD_RECORDS_MAX || nowMs - this.#unsentSinceMs >= HOLD_MS_MAX;
  }

  #shortOfRoom(): boolean {
    return this.#ledger.roomBytes() < HOLD_ROOM_BYTES_MIN;
  }

  /** Keeps the time the oldest unsent record was first seen, for HOLD_MS_MAX (bounded: a few reads). */
  #watchUnsent(nowMs: number): void {
    if (!this.#pending()) this.#unsentSinceMs = Number.NaN;
    else if (Number.isNaN(this.#unsentSinceMs)) this.#unsentSinceMs = nowMs;
    if (
      this.#state === 'sending' &&
      this.#ledger.headSequence > this.#inFlightToSequence &&
      Number.isNaN(this.#pastInFlightSinceMs)
    ) {
      this.#pastInFlightSinceMs = nowMs;
    }
  }

  /**
   * Whether the bank's hold is written to the ledger now. Not while a batch is in flight (its
   * reply brings a newer one), nor while the customer's session is still adding records and
   * only one batch's answer waits (ACK_DEFER_BATCHES_MAX) — unless the ledger is short of
   * room, when the ring may need it.
   */
  #ackDue(): boolean {
    if (this.#bankHoldsSequence <= this.#ledger.ackedSequence) return false;
    if (this.#shortOfRoom()) return true;
    if (this.#state === 'sending') return false;
    return this.#demand() !== 'hold' || this.#batchesUnwritten > ACK_DEFER_BATCHES_MAX;
  }

  /** Brings the ledger's acknowledgement up to what the bank confirmed (bounded: one write). */
  #writeAck(): void {
    assert(this.#bankHoldsSequence <= this.#ledger.headSequence, 'outbox: acknowledging beyond the ledger head');
    const written = this.#ledger.acknowledge(this.#bankHoldsSequence);
    if (!written.ok) {
      this.lastError = 'ack-write';
      return;
    }
    this.#batchesUnwritten = 0;
    // The record just written is the only one past the bank's hold: nothing waits to be sent.
    if (written.sequence === this.#bankHoldsSequence + 1) this.#quietThroughSequence = written.sequence;
  }

  #send(nowMs: number): void {
    const fromSequence = Math.max(this.#bankHoldsSequence + 1, this.#walkFromSequence);
    const batch = this.#batch;
    batch.begin(this.#atmId, fromSequence, this.#lane.depositBodyBytesMax);
    let firstSequence = 0;
    this.#ledger.readFrom(fromSequence, BATCH_RECORDS_MAX, (sequence, record) => {
      assert(sequence > batch.toSequence && sequence >= fromSequence, 'outbox: ledger read out of order');
      if (firstSequence === 0) firstSequence = sequence;
      batch.add(sequence, record);
    });
    if (firstSequence !== fromSequence) {
      // The ledger no longer has what the bank lacks (wrapped or never there): stop and say so.
      return this.#fail(nowMs, 'bank-behind');
    }
    assert(batch.toSequence >= fromSequence, 'outbox: the first record of a batch always fits');
    if (batch.records === 0) {
      this.#quietThroughSequence = batch.toSequence;
      return;
    }
    const toSequence = batch.toSequence;
    const body = batch.body();
    const accepted = this.#lane.postDeposits(body, (result) => this.#onReply(result, fromSequence, toSequence));
    if (!accepted) return; // the lane is busy with an earlier batch: try on a later poll
    this.#state = 'sending';
    this.#forced = false;
    this.#inFlightToSequence = toSequence;
    this.#pastInFlightSinceMs = Number.NaN;
    this.attempts++;
    if (batch.cutAtLimit) this.batchesCutAtBodyLimit++;
  }

  #onReply(result: HttpsResult, fromSequence: number, toSequence: number): void {
    assert(this.#state === 'sending', 'outbox: a reply with no batch in flight');
    const error = this.#judge(result, fromSequence, toSequence);
    if (error !== undefined) return this.#fail(this.#lastPollMs, error);
    this.#failures = 0;
    this.lastError = undefined;
    this.#state = 'idle';
    // What came after the batch has waited since it was first seen; nothing, and the clock stops.
    this.#unsentSinceMs = this.#pending() ? this.#pastInFlightSinceMs : Number.NaN;
    // Written here, not at the next poll: the customer may be waiting for "credited".
    if (this.#ackDue()) this.#writeAck();
  }

  /** Reads the bank's reply; returns an error, or undefined after taking a valid ack. */
  #judge(result: HttpsResult, fromSequence: number, toSequence: number): OutboxError | undefined {
    if (!result.ok)
      return result.failure === 'timeout' ? 'timeout' : result.failure === 'too-large' ? 'too-large' : 'unreachable';
    if (result.status >= 500 || result.status === 429) return 'unreachable';
    if (result.status !== 200 && result.status !== 409) return 'rejected';
    const reply = parseDepositsReply(parseJson(result.body));
    if (reply === undefined) return 'malformed';
    const ackedSequence = reply.ackedSequence;
    if (reply.atmId !== undefined && reply.atmId !== this.#atmId) {
      return this.#anomaly(
        'wrong-atm',
        `bank acknowledged ${ackedSequence} for ATM ${reply.atmId}, not this one: not recorded`,
      );
    }
    if (result.status === 409) {
      // A gap: the bank holds less than this batch assumed (restored from a backup, or a
      // stale reply raced a newer one). Resend from what it holds; readFrom tells if we can.
      if (ackedSequence >= fromSequence - 1) return 'malformed';
      this.#bankHoldsSequence = ackedSequence;
      this.#quietThroughSequence = 0;
      this.#walkFromSequence = 0;
      return undefined;
    }
    if (ackedSequence > toSequence) {
      // Records above the batch were never sent to it (this boot): its word on them is not
      // evidence. Send on from here; the claim is believed once a batch reaches it.
      this.#walkFromSequence = toSequence + 1;
      return this.#anomaly(
        'bank-ahead',
        `bank acknowledged ${ackedSequence} for batch ${fromSequence}..${toSequence}: not recorded`,
      );
    }
    if (ackedSequence < toSequence) return 'malformed';
    this.batchesAcked++;
    this.#batchesUnwritten++;
    this.recordsAcked += ackedSequence - Math.max(this.#bankHoldsSequence, fromSequence - 1);
    if (ackedSequence > this.#bankHoldsSequence) this.#bankHoldsSequence = ackedSequence;
    this.#walkFromSequence = 0;
    return undefined;
  }

  /** A reply the outbox will not believe: counted, told to the log and the console, never written to the ledger. */
  #anomaly(error: 'bank-ahead' | 'wrong-atm', text: string): OutboxError {
    this.bankAnomalies++;
    this.lastAnomaly = text.length > ANOMALY_TEXT_CHARS_MAX ? text.slice(0, ANOMALY_TEXT_CHARS_MAX) : text;
    this.#log?.record('bank', `anomaly: ${this.lastAnomaly}`);
    return error;
  }

  #fail(nowMs: number, error: OutboxError): void {
    this.lastError = error;
    this.#failures = Math.min(this.#failures + 1, BACKOFF_DOUBLINGS_MAX + 1);
    this.#state = 'backoff';
    this.#nextAttemptMs = nowMs + this.backoffDelayMs();
  }

  /** Equal jitter: half the doubled delay fixed, half random, so ATMs that lost the bank together do not return together. */
  backoffDelayMs(): number {
    const doublings = Math.max(0, Math.min(this.#failures - 1, BACKOFF_DOUBLINGS_MAX));
    const delayMs = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** doublings);
    this.#random.fill(this.#randomBytes);
    const bytes = this.#randomBytes;
    const unit = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    return Math.floor(delayMs / 2 + (delayMs / 2) * (unit / 0x1_0000_0000));
  }
}

/**
 * One deposits batch as the bank takes it (tools/bank/API.md), grown record by record until the
 * next one would pass the body limit: {"atmId":…,"fromSequence":F,"toSequence":T,"records":[…]}.
 * Every character is ASCII (ids are printable ASCII, the rest is JSON numbers and names), so
 * the length in characters is the length in bytes.
 */
class BatchBody {
  #prefix = '';
  readonly #parts: string[] = [];
  /** Characters of the parts and the commas between them. */
  #partsChars = 0;
  #bodyBytesMax = 0;
  #closed = false;
  toSequence = 0;
  records = 0;

  /** The body limit stopped this batch: a record was left for the next one. */
  get cutAtLimit(): boolean {
    return this.#closed;
  }

  begin(atmId: string, fromSequence: number, bodyBytesMax: number): void {
    this.#prefix = `{"atmId":${JSON.stringify(atmId)},"fromSequence":${fromSequence},"toSequence":`;
    this.#parts.length = 0;
    this.#partsChars = 0;
    this.#bodyBytesMax = bodyBytesMax;
    this.#closed = false;
    this.toSequence = 0;
    this.records = 0;
  }

  /** Takes the record if the body stays within its limit with it; once one is refused, all later ones are. */
  add(sequence: number, record: OutboxRecord): void {
    if (this.#closed) return;
    // {"sequence":n, ...the record's own fields}; NaN (unset wall clock) becomes null. A bank-ack
    // record never travels: it only widens the range.
    const part = record.kind === 'bank-ack' ? '' : `{"sequence":${sequence},${JSON.stringify(record).slice(1)}`;
    const partsChars = part === '' ? this.#partsChars : this.#partsChars + (this.records > 0 ? 1 : 0) + part.length;
    if (this.#bytesWith(sequence, partsChars) > this.#bodyBytesMax) {
      this.#closed = true;
      return;
    }
    this.toSequence = sequence;
    if (part === '') return;
    this.#parts.push(part);
    this.#partsChars = partsChars;
    this.records++;
  }

  body(): string {
    const body = `${this.#prefix}${this.toSequence},"records":[${this.#parts.join(',')}]}`;
    assert(
      body.length === this.#bytesWith(this.toSequence, this.#partsChars) && body.length <= this.#bodyBytesMax,
      'outbox: batch body over its bound',
    );
    return body;
  }

  #bytesWith(toSequence: number, partsChars: number): number {
    return this.#prefix.length + String(toSequence).length + ',"records":['.length + partsChars + ']}'.length;
  }
}
