// The bank link on virtual time: an HttpsClient whose far end is a request handler in the
// same process (the reference bank's logic, or a test's), with the network's faults drawn
// from a seed. The bank commits when the request arrives, halfway through the round trip; a
// reply lost after that is the case that exactly-once delivery exists for.

import type { HttpsClient, HttpsRequest, HttpsResult } from '../ports';
import type { SeededRandom } from './peripherals';
import type { SimActor, VirtualClock } from './world';

export interface BankReply {
  readonly status: number;
  readonly body: string;
}

export type BankHandler = (request: HttpsRequest) => BankReply;

/** Per-request fault probabilities (0..1) and delays; the sim draws them from its seed. */
export interface BankLinkFaults {
  down: boolean;
  latencyMs: number;
  /** Extra latency drawn uniformly in [0, slowMs) for some requests. */
  slowMs: number;
  slowProbability: number;
  /** The bank commits, the reply is lost: the client sees a timeout. */
  lostReplyProbability: number;
  /** The network delivers the request twice; the client sees one reply. */
  duplicateProbability: number;
  /** A 503 from a proxy in front of the bank, before it reaches the bank. */
  serverErrorProbability: number;
}

/**
 * The board's cap on a request body (hal/moddable/bank-protocol.ts REQUEST_BODY_BYTES_MAX: the
 * bank worker's buffer), the simulated link's default so that the desk sees what the board would.
 */
export const BOARD_REQUEST_BODY_BYTES_MAX = 4096;

export const NO_BANK_FAULTS: Readonly<BankLinkFaults> = Object.freeze({
  down: false,
  latencyMs: 40,
  slowMs: 0,
  slowProbability: 0,
  lostReplyProbability: 0,
  duplicateProbability: 0,
  serverErrorProbability: 0,
});

interface InFlight {
  readonly request: HttpsRequest;
  readonly onDone: (result: HttpsResult) => void;
  readonly arriveMs: number;
  readonly replyMs: number;
  readonly deadlineMs: number;
  arrived: boolean;
  reply: HttpsResult | undefined;
}

export class SimBankLink implements HttpsClient, SimActor {
  faults: BankLinkFaults = { ...NO_BANK_FAULTS };
  /** Bodies longer than this fail with 'too-large' and never reach the bank, as on the board. */
  requestBodyBytesMax = BOARD_REQUEST_BODY_BYTES_MAX;
  /** Counters for the sim's summary. */
  readonly counts = {
    requests: 0,
    lostReplies: 0,
    duplicates: 0,
    serverErrors: 0,
    refused: 0,
    timeouts: 0,
    tooLarge: 0,
  };
  readonly #clock: VirtualClock;
  readonly #random: SeededRandom;
  #handler: BankHandler;
  #inFlight: InFlight | undefined = undefined;

  constructor(clock: VirtualClock, random: SeededRandom, handler: BankHandler) {
    this.#clock = clock;
    this.#random = random;
    this.#handler = handler;
  }

  /**
   * The board went down (power cut, controller restart): the request in flight dies with it and
   * is never answered; one that had not reached the bank yet never will.
   */
  reset(): void {
    this.#inFlight = undefined;
  }

  /** Puts a different bank behind the link (a restarted one, a broken one in a test). */
  setHandler(handler: BankHandler): void {
    this.#handler = handler;
  }

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.#inFlight !== undefined) return false;
    this.counts.requests += 1;
    const nowMs = this.#clock.nowMs;
    if (request.body !== undefined && utf8Bytes(request.body) > this.requestBodyBytesMax) {
      // Refused before the wire, answered on the next step (the port never calls back inside request()).
      this.counts.tooLarge += 1;
      this.#inFlight = {
        request,
        onDone,
        arriveMs: nowMs,
        replyMs: nowMs,
        deadlineMs: Infinity,
        arrived: true,
        reply: { ok: false, failure: 'too-large', detail: `request body over ${this.requestBodyBytesMax} bytes` },
      };
      return true;
    }
    const slow = this.#chance(this.faults.slowProbability) ? this.#uniform(this.faults.slowMs) : 0;
    const roundTripMs = this.faults.latencyMs + slow;
    this.#inFlight = {
      request,
      onDone,
      arriveMs: nowMs + roundTripMs / 2,
      replyMs: nowMs + roundTripMs,
      deadlineMs: nowMs + request.timeoutMs,
      arrived: false,
      reply: undefined,
    };
    return true;
  }

  nextEventMs(): number {
    const flight = this.#inFlight;
    if (flight === undefined) return Infinity;
    if (this.faults.down) return this.#clock.nowMs;
    if (flight.arrived && flight.reply === undefined) return flight.deadlineMs; // the reply was lost: only the timeout is left
    return Math.min(flight.arrived ? flight.replyMs : flight.arriveMs, flight.deadlineMs);
  }

  step(nowMs: number): void {
    const flight = this.#inFlight;
    if (flight === undefined) return;
    if (this.faults.down) {
      this.counts.refused += 1;
      return this.#finish({ ok: false, failure: 'connect', detail: 'connection refused (simulated outage)' });
    }
    if (!flight.arrived && nowMs >= flight.arriveMs && nowMs < flight.deadlineMs) this.#arrive(flight);
    if (nowMs >= flight.deadlineMs && (flight.reply === undefined || nowMs < flight.replyMs)) {
      this.counts.timeouts += 1;
      return this.#finish({ ok: false, failure: 'timeout', detail: `no reply in ${flight.request.timeoutMs} ms` });
    }
    if (flight.arrived && nowMs >= flight.replyMs && flight.reply !== undefined) this.#finish(flight.reply);
  }

  #arrive(flight: InFlight): void {
    flight.arrived = true;
    if (this.#chance(this.faults.serverErrorProbability)) {
      this.counts.serverErrors += 1;
      flight.reply = { ok: true, status: 503, body: '<html>503 Service Unavailable</html>' };
      return;
    }
    const reply = this.#handler(flight.request);
    if (this.#chance(this.faults.duplicateProbability)) {
      this.counts.duplicates += 1;
      this.#handler(flight.request);
    }
    if (this.#chance(this.faults.lostReplyProbability)) {
      this.counts.lostReplies += 1;
      return; // committed at the bank; the reply never comes back, the client times out
    }
    flight.reply = { ok: true, status: reply.status, body: reply.body };
  }

  #finish(result: HttpsResult): void {
    const flight = this.#inFlight!;
    this.#inFlight = undefined;
    flight.onDone(result);
  }

  #chance(probability: number): boolean {
    return probability > 0 && this.#random.nextUint32() / 0x1_0000_0000 < probability;
  }

  #uniform(rangeMs: number): number {
    return rangeMs <= 0 ? 0 : Math.floor((this.#random.nextUint32() / 0x1_0000_0000) * rangeMs);
  }
}

/** The UTF-8 length of a string (no TextEncoder: this runs inside XS too). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair: one four-byte character
      index++;
    } else bytes += 3;
  }
  return bytes;
}
