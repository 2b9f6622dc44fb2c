// One command at a time to the card reader, with the protocol's transmission control
// (PROTOCOL.md §3): the reader ACKs a good command frame or NAKs a bad one; we NAK a bad answer
// and the reader sends it again. Every wait has a deadline and every retry a bound; a frame
// that fails its checks is never acted on.
import type { SerialLine } from '../../hal/ports';
import { assert } from '../assert';
import { ACK, FRAME_BYTES_MAX, FrameReceiver, NAK, TYPE_NEGATIVE, TYPE_POSITIVE, encodeCommand } from './frame';

/** The reader's line: 9600 baud 8N1, 10 bits a byte. */
export const READER_BAUD = 9600;
/** The reader ACKs within this after the last byte of a command (PROTOCOL.md §3). */
export const ACK_TIMEOUT_MS = 200;
/** Sends of one command (the first and the retries) after a NAK or a missing ACK or answer. */
export const COMMAND_ATTEMPTS_MAX = 3;
/** NAKs we send for bad answers to one attempt before we give the attempt up. */
export const ANSWER_NAKS_MAX = 3;
/** Bytes we take off the line in one poll; at 9600 baud 10 ms bring about 10. */
export const RX_BYTES_PER_POLL_MAX = 512;
const RX_CHUNK_BYTES = 64;

export function lineTimeMs(byteCount: number): number {
  return Math.ceil((byteCount * 10_000) / READER_BAUD);
}

export type LinkState = 'idle' | 'busy' | 'done' | 'failed';
export type LinkFailure = 'none' | 'no-ack' | 'nak' | 'no-answer' | 'bad-answer' | 'line-full';

export class ReaderLink {
  /** The last good answer (valid while state is 'done'). */
  readonly answer = new FrameReceiver();
  readonly #line: SerialLine;
  readonly #tx = new Uint8Array(FRAME_BYTES_MAX);
  readonly #rx = new Uint8Array(RX_CHUNK_BYTES);
  readonly #single = new Uint8Array(1);
  #txLength = 0;
  #cm = 0;
  #pm = 0;
  #operationMs = 0;
  #state: LinkState = 'idle';
  #awaitingAck = false;
  #deadlineMs = 0;
  #attempts = 0;
  #naksThisAttempt = 0;
  failure: LinkFailure = 'none';
  // Counters for the console's status: how noisy the line is.
  naksSent = 0;
  naksReceived = 0;
  timeouts = 0;
  retransmits = 0;

  constructor(line: SerialLine) {
    this.#line = line;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The command whose answer is in `answer`. */
  get cm(): number {
    return this.#cm;
  }
  get pm(): number {
    return this.#pm;
  }

  /** Sends a command; `operationMs` is how long the reader may take to carry it out. */
  send(cm: number, pm: number, data: Uint8Array, dataLength: number, operationMs: number, nowMs: number): void {
    assert(this.#state !== 'busy', 'a command is already in flight');
    this.#txLength = encodeCommand(cm, pm, data, dataLength, this.#tx);
    this.#cm = cm;
    this.#pm = pm;
    this.#operationMs = operationMs;
    this.#attempts = 0;
    this.failure = 'none';
    this.#state = 'busy';
    this.#transmit(nowMs);
  }

  /**
   * Zeroes every byte the reader sent that this link still holds (the last answer, the receive
   * chunk): a chip's answer carries the card number, which must not outlive its read.
   */
  wipe(): void {
    this.answer.bytes.fill(0);
    this.#rx.fill(0);
  }

  /** The link's own receive buffers, for a test to check they hold no card number after a read. */
  get receiveBuffers(): readonly Uint8Array[] {
    return [this.answer.bytes, this.#rx];
  }

  /** Back to idle after the caller has read a result. */
  consume(): void {
    assert(this.#state === 'done' || this.#state === 'failed', 'nothing to consume');
    this.#state = 'idle';
  }

  poll(nowMs: number): void {
    if (this.#state !== 'busy') return;
    let taken = 0;
    while (this.#state === 'busy' && taken < RX_BYTES_PER_POLL_MAX) {
      const count = this.#line.read(this.#rx);
      if (count === 0) break;
      taken += count;
      for (let index = 0; index < count && this.#state === 'busy'; index++) this.#onByte(this.#rx[index], nowMs);
    }
    if (this.#state === 'busy' && nowMs >= this.#deadlineMs) {
      this.timeouts++;
      this.#retry(this.#awaitingAck ? 'no-ack' : 'no-answer', nowMs);
    }
  }

  #transmit(nowMs: number): void {
    // Stale bytes (a late answer to an earlier attempt) must not be taken for this one's.
    while (this.#line.read(this.#rx) > 0) {
      /* drain */
    }
    this.answer.reset();
    this.#attempts++;
    this.#awaitingAck = true;
    this.#naksThisAttempt = 0;
    this.#deadlineMs = nowMs + lineTimeMs(this.#txLength) + ACK_TIMEOUT_MS;
    if (!this.#line.write(this.#tx, this.#txLength)) {
      this.failure = 'line-full';
      this.#deadlineMs = nowMs; // counts as a missed ACK on the next poll
    }
  }

  #retry(failure: LinkFailure, nowMs: number): void {
    this.failure = failure;
    if (this.#attempts >= COMMAND_ATTEMPTS_MAX) {
      this.#state = 'failed';
      return;
    }
    this.retransmits++;
    this.#transmit(nowMs);
  }

  #onByte(byte: number, nowMs: number): void {
    if (this.#awaitingAck) {
      if (byte === ACK) {
        this.#awaitingAck = false;
        this.#deadlineMs = nowMs + this.#operationMs + lineTimeMs(FRAME_BYTES_MAX) + ACK_TIMEOUT_MS;
      } else if (byte === NAK) {
        this.naksReceived++;
        this.#retry('nak', nowMs);
      }
      return; // anything else before the ACK is line noise
    }
    const progress = this.answer.push(byte);
    if (progress === 'none') return;
    if (progress === 'frame' && this.#answersCommand()) {
      this.#state = 'done';
      return;
    }
    // A bad frame, or a good frame that does not answer this command: ask again.
    if (++this.#naksThisAttempt > ANSWER_NAKS_MAX) {
      this.#retry('bad-answer', nowMs);
      return;
    }
    this.naksSent++;
    this.#single[0] = NAK;
    this.#line.write(this.#single, 1);
    this.#deadlineMs = nowMs + lineTimeMs(FRAME_BYTES_MAX) + ACK_TIMEOUT_MS;
  }

  #answersCommand(): boolean {
    const answer = this.answer;
    if (answer.cm !== this.#cm || answer.pm !== this.#pm) return false;
    if (answer.type === TYPE_POSITIVE) return answer.length >= 5;
    return answer.type === TYPE_NEGATIVE && answer.length === 5;
  }
}
