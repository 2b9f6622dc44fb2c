// CCNET (CashCode NET) framing: SYNC ADR LNG [CMD] DATA CRC16, CRC-16/KERMIT sent LSB first.
// Source: CCNET Protocol Description, Document 1 (MAN_CCNET_D1 Rev 2.6.0), condensed in
// docs/ccnet.md. Nothing here allocates after start-up: frames are encoded into the caller's
// buffer and decoded in place. The CRC comes from the Crc port (native on the board); the
// firmware's TypeScript one is the default.
import type { Crc } from '../../hal/ports';
import { assert } from '../assert';
import { SOFT_CRC } from '../crc';

export const SYNC = 0x02;
export const ADDRESS_BILL_VALIDATOR = 0x03;

// Bill-validator commands.
export const CMD_RESET = 0x30;
export const CMD_GET_STATUS = 0x31;
export const CMD_SET_SECURITY = 0x32;
export const CMD_POLL = 0x33;
export const CMD_ENABLE_BILL_TYPES = 0x34;
export const CMD_STACK = 0x35;
export const CMD_RETURN = 0x36;
export const CMD_IDENTIFICATION = 0x37;
export const CMD_HOLD = 0x38;
export const CMD_GET_BILL_TABLE = 0x41;
export const CMD_SET_OPTIONS = 0x68;
export const CMD_GET_OPTIONS = 0x69;

// One-byte control replies, in either direction.
export const REPLY_ACK = 0x00;
export const REPLY_NAK = 0xff;
export const REPLY_ILLEGAL_COMMAND = 0x30;

// POLL states (Z1), and the Z2 byte some carry.
export const STATE_POWER_UP = 0x10;
export const STATE_POWER_UP_BILL_IN_VALIDATOR = 0x11;
export const STATE_POWER_UP_BILL_IN_STACKER = 0x12;
export const STATE_INITIALIZE = 0x13;
export const STATE_IDLING = 0x14;
export const STATE_ACCEPTING = 0x15;
export const STATE_STACKING = 0x17;
export const STATE_RETURNING = 0x18;
export const STATE_UNIT_DISABLED = 0x19;
export const STATE_HOLDING = 0x1a;
export const STATE_BUSY = 0x1b; // Z2: busy time in 100 ms
export const STATE_REJECTING = 0x1c; // Z2: reject reason
export const STATE_CASSETTE_FULL = 0x41;
export const STATE_CASSETTE_OUT = 0x42;
export const STATE_VALIDATOR_JAMMED = 0x43;
export const STATE_CASSETTE_JAMMED = 0x44;
export const STATE_CHEATED = 0x45;
export const STATE_PAUSE = 0x46;
export const STATE_FAILURE = 0x47; // Z2: failure code
export const STATE_ESCROW = 0x80; // Z2: bill type
export const STATE_BILL_STACKED = 0x81; // Z2: bill type
export const STATE_BILL_RETURNED = 0x82; // Z2: bill type

/** Every POLL state the bill validator can report, for tests and the simulator. */
export const POLL_STATES: readonly number[] = Object.freeze([
  STATE_POWER_UP,
  STATE_POWER_UP_BILL_IN_VALIDATOR,
  STATE_POWER_UP_BILL_IN_STACKER,
  STATE_INITIALIZE,
  STATE_IDLING,
  STATE_ACCEPTING,
  STATE_STACKING,
  STATE_RETURNING,
  STATE_UNIT_DISABLED,
  STATE_HOLDING,
  STATE_BUSY,
  STATE_REJECTING,
  STATE_CASSETTE_FULL,
  STATE_CASSETTE_OUT,
  STATE_VALIDATOR_JAMMED,
  STATE_CASSETTE_JAMMED,
  STATE_CHEATED,
  STATE_PAUSE,
  STATE_FAILURE,
  STATE_ESCROW,
  STATE_BILL_STACKED,
  STATE_BILL_RETURNED,
]);

/** States whose response carries a second byte. */
export function stateHasZ2(state: number): boolean {
  return (
    state === STATE_BUSY ||
    state === STATE_REJECTING ||
    state === STATE_FAILURE ||
    state === STATE_ESCROW ||
    state === STATE_BILL_STACKED ||
    state === STATE_BILL_RETURNED
  );
}

/** Bill types a bill table can hold (3-byte masks, 24 bits). */
export const BILL_TYPES_MAX = 24;
export const BILL_TABLE_WORD_BYTES = 5;
export const BILL_TABLE_BYTES = BILL_TYPES_MAX * BILL_TABLE_WORD_BYTES;
/** IDENTIFICATION: 15 bytes part number, 12 bytes serial number, 7 bytes asset number. */
export const IDENTIFICATION_BYTES = 34;

/** SYNC ADR LNG CMD + CRC: a command frame without data. */
export const COMMAND_OVERHEAD_BYTES = 6;
/** SYNC ADR LNG + CRC: a response frame without data. */
export const RESPONSE_OVERHEAD_BYTES = 5;
/** Extended frames (LNG = 0) add two length bytes. */
export const EXTENDED_EXTRA_BYTES = 2;
/** The largest frame a normal LNG byte describes. */
export const SHORT_FRAME_BYTES_MAX = 255;
/** The largest frame we accept, extended or not; longer ones are garbage to us (no bill-validator reply comes near). */
export const FRAME_BYTES_MAX = 512;

/**
 * Writes a frame SYNC ADR LNG [CMD] DATA CRC into `out` from index 0 and returns its length.
 * `command` < 0 means a response (no CMD byte). Frames longer than 255 bytes use the
 * extended form: LNG = 0 followed by the length, MSB first. `forceExtended` writes the
 * extended form for any length (a simulator's option; a real device may do so).
 */
export function encodeFrame(
  out: Uint8Array,
  address: number,
  command: number,
  data: Uint8Array | undefined,
  dataLength: number,
  forceExtended = false,
  crc: Crc = SOFT_CRC,
): number {
  assert(
    dataLength >= 0 && (dataLength === 0 || (data !== undefined && dataLength <= data.length)),
    'encodeFrame: data length',
  );
  const commandBytes = command >= 0 ? 1 : 0;
  const shortLength = 3 + commandBytes + dataLength + 2;
  const extended = forceExtended || shortLength > SHORT_FRAME_BYTES_MAX;
  const frameLength = shortLength + (extended ? EXTENDED_EXTRA_BYTES : 0);
  assert(frameLength <= FRAME_BYTES_MAX && frameLength <= out.length, 'encodeFrame: frame too long');
  let at = 0;
  out[at++] = SYNC;
  out[at++] = address & 0xff;
  if (extended) {
    out[at++] = 0;
    out[at++] = frameLength >>> 8;
    out[at++] = frameLength & 0xff;
  } else {
    out[at++] = frameLength;
  }
  if (command >= 0) out[at++] = command & 0xff;
  for (let index = 0; index < dataLength; index++) out[at++] = data![index];
  const check = crc.crc16Kermit(out, 0, at);
  out[at++] = check & 0xff;
  out[at++] = check >>> 8;
  assert(at === frameLength, 'encodeFrame: length bookkeeping');
  return frameLength;
}

export type ScanResult = 'none' | 'partial' | 'frame' | 'bad-crc';

/**
 * Receive buffer and frame finder. Bytes go in with `push` (or `readFrom` a line); `scan`
 * skips garbage up to a plausible frame start (SYNC, our address, a sane length), and
 * reports a whole frame whose CRC holds, or a whole frame whose CRC does not. Several
 * frames in one read and a frame split over reads both work; an extended (LNG = 0) frame
 * is measured by its two length bytes. After 'frame' or 'bad-crc', `drop()` removes what
 * was found: the frame, or for a bad one only its SYNC byte (a true frame may start inside).
 */
export class FrameReader {
  readonly buffer: Uint8Array;
  readonly #address: number;
  readonly #hasCommand: boolean;
  readonly #crc: Crc;
  /** The shortest frame this reader accepts. */
  readonly #frameBytesMin: number;
  #count = 0;
  /** Set by `scan` on 'frame' and 'bad-crc'. */
  frameLength = 0;
  /** Where DATA starts in `buffer` (after CMD for a command frame), on 'frame'. */
  dataStart = 0;
  dataLength = 0;
  /** The CMD byte of a command frame, on 'frame'; -1 for responses. */
  command = -1;
  /** Bytes skipped as not belonging to any frame (a statistic). */
  garbageBytes = 0;
  /** Bytes lost because the buffer was full (a statistic; cannot happen with one frame in flight). */
  overflowBytes = 0;

  constructor(address: number, hasCommand: boolean, capacityBytes = 2 * FRAME_BYTES_MAX, crc: Crc = SOFT_CRC) {
    assert(capacityBytes >= FRAME_BYTES_MAX, 'FrameReader: buffer below one frame');
    this.buffer = new Uint8Array(capacityBytes);
    this.#address = address;
    this.#hasCommand = hasCommand;
    this.#crc = crc;
    this.#frameBytesMin = hasCommand ? COMMAND_OVERHEAD_BYTES : RESPONSE_OVERHEAD_BYTES + 1;
  }

  get count(): number {
    return this.#count;
  }

  /** Appends bytes; what does not fit is counted and dropped. */
  push(bytes: Uint8Array, length: number): void {
    const room = this.buffer.length - this.#count;
    const taken = Math.min(length, room);
    for (let index = 0; index < taken; index++) this.buffer[this.#count + index] = bytes[index];
    this.#count += taken;
    this.overflowBytes += length - taken;
  }

  /** Reads whatever the line has waiting, straight into the buffer; returns the count. */
  readFrom(line: { read(into: Uint8Array): number }, scratch: Uint8Array): number {
    let total = 0;
    // An empty buffer takes the bytes straight in (an answer's first read): no copy from the
    // scratch. A line gives all it holds up to the room it is offered (SerialLine.read).
    if (this.#count === 0) {
      total = line.read(this.buffer);
      this.#count = total;
      return total;
    }
    for (let reads = 0; reads < 8; reads++) {
      const room = this.buffer.length - this.#count;
      if (room === 0) break;
      const view = room >= scratch.length ? scratch : scratch.subarray(0, room);
      const got = line.read(view);
      if (got === 0) break;
      this.push(view, got);
      total += got;
    }
    return total;
  }

  clear(): void {
    this.#count = 0;
  }

  scan(): ScanResult {
    for (;;) {
      let start = 0;
      while (start < this.#count && this.buffer[start] !== SYNC) start++;
      this.garbageBytes += start;
      this.#discard(start);
      if (this.#count === 0) return 'none';
      const frameLength = this.#frameLengthAt(0);
      if (frameLength === 0) {
        this.garbageBytes++;
        this.#discard(1);
        continue;
      }
      if (frameLength < 0) {
        // A corrupted length may promise bytes that never come: if a whole, sound frame
        // already waits behind this start, the start was garbage (no stall on it). Fewer bytes
        // than the shortest frame behind it (a frame still arriving) cannot hold one.
        const later = this.#count - 1 >= this.#frameBytesMin ? this.#soundFrameAfter(1) : -1;
        if (later < 0) return 'partial';
        this.garbageBytes += later;
        this.#discard(later);
        continue;
      }
      return this.#judge(frameLength);
    }
  }

  /** At `at` (a SYNC): the frame's length; -1 if more bytes are needed to tell or to hold it; 0 if no frame starts here. */
  #frameLengthAt(at: number): number {
    const buffer = this.buffer;
    const available = this.#count - at;
    if (available < 3) return -1;
    if (buffer[at + 1] !== this.#address) return 0;
    const minimum = this.#frameBytesMin;
    let frameLength = buffer[at + 2];
    if (frameLength === 0) {
      if (available < 5) return -1;
      frameLength = (buffer[at + 3] << 8) | buffer[at + 4];
      if (frameLength < minimum + EXTENDED_EXTRA_BYTES || frameLength > FRAME_BYTES_MAX) return 0;
    } else if (frameLength < minimum) {
      return 0;
    }
    return available < frameLength ? -1 : frameLength;
  }

  /** The offset of the first whole frame with a sound CRC at or after `from`, or -1. */
  #soundFrameAfter(from: number): number {
    for (let at = from; at < this.#count; at++) {
      if (this.buffer[at] !== SYNC) continue;
      const frameLength = this.#frameLengthAt(at);
      if (frameLength > 0 && this.#crc.crc16Kermit(this.buffer, at, at + frameLength) === 0) return at;
    }
    return -1;
  }

  #judge(frameLength: number): ScanResult {
    const buffer = this.buffer;
    this.frameLength = frameLength;
    // The CRC over a whole frame, its own two bytes included, is zero exactly when it holds.
    if (this.#crc.crc16Kermit(buffer, 0, frameLength) !== 0) return 'bad-crc';
    const headerBytes = buffer[2] === 0 ? 5 : 3;
    this.command = this.#hasCommand ? buffer[headerBytes] : -1;
    this.dataStart = headerBytes + (this.#hasCommand ? 1 : 0);
    this.dataLength = frameLength - this.dataStart - 2;
    return 'frame';
  }

  /** Removes the frame `scan` found ('frame'), or only the first byte of a bad one ('bad-crc'). */
  drop(result: ScanResult): void {
    if (result === 'frame') this.#discard(this.frameLength);
    else if (result === 'bad-crc') {
      this.garbageBytes++;
      this.#discard(1);
    }
  }

  #discard(byteCount: number): void {
    if (byteCount === 0) return;
    assert(byteCount <= this.#count, 'FrameReader: discard beyond buffer');
    this.buffer.copyWithin(0, byteCount, this.#count);
    this.#count -= byteCount;
  }
}

/**
 * Reads one bill-table word: denomination digits, 3-letter country, exponent byte. Bit 7 of
 * the exponent set means divide by 10^n (coins, sub-units), clear means multiply. Returns
 * the value in whole units of that country's currency, or 0 for an empty word, a currency
 * other than `country`, or a value that is not a whole number.
 */
export function billTableValue(table: Uint8Array, tableStart: number, billType: number, country: string): number {
  assert(billType >= 0 && billType < BILL_TYPES_MAX, 'billTableValue: bill type');
  assert(country.length === 3, 'billTableValue: country code');
  const at = tableStart + billType * BILL_TABLE_WORD_BYTES;
  const digits = table[at];
  if (digits === 0) return 0;
  for (let index = 0; index < 3; index++) {
    if (table[at + 1 + index] !== country.charCodeAt(index)) return 0;
  }
  const exponentByte = table[at + 4];
  const exponent = exponentByte & 0x7f;
  // Ten to the 9th is the largest power a real table carries; anything beyond is nonsense.
  if (exponent > 9) return 0;
  let power = 1;
  for (let index = 0; index < exponent; index++) power *= 10;
  if ((exponentByte & 0x80) !== 0) return digits % power === 0 ? digits / power : 0;
  return digits * power;
}

/** Sets bill type `billType` in a 3-byte CCNET mask: byte 0 bit 7 = type 23 ... byte 2 bit 0 = type 0. */
export function maskSet(mask: Uint8Array, maskStart: number, billType: number): void {
  assert(billType >= 0 && billType < BILL_TYPES_MAX, 'maskSet: bill type');
  mask[maskStart + 2 - (billType >>> 3)] |= 1 << (billType & 7);
}

export function maskHas(mask: Uint8Array, maskStart: number, billType: number): boolean {
  assert(billType >= 0 && billType < BILL_TYPES_MAX, 'maskHas: bill type');
  return (mask[maskStart + 2 - (billType >>> 3)] & (1 << (billType & 7))) !== 0;
}
