// The ledger's record types (the contract shared with the bank outbox and the customer
// session) and their compact binary encoding on flash.
//
// A record on flash (all integers little-endian):
//   [0]      state: 0xFF while being written, COMMIT_MARK once whole (programmed last),
//            0x00 in a zapped region (a tail abandoned at mount)
//   [1]      kind (1..8)
//   [2..3]   sequence, low 16 bits (the high bits come from the sector header's first sequence)
//   [4..n-4) the fields of the kind, below
//   [n-4..n) CRC-32 over kind, the FULL 32-bit sequence and the fields
// Fields: u32 sessionId; denomination as one byte (index into DENOMINATIONS_TENGE; in a doubt,
// DENOMINATION_UNKNOWN_CODE for a note whose value the validator's table does not give as a
// tenge note — denominationTenge 0); amounts
// and counts as unsigned LEB128 (an amount of 15 000 ₸ = 1 500 000 tiyn takes 3 bytes);
// wall times as float64 (NaN = clock not set); customerId as a length byte and ASCII.
// The CRC comes from the Crc port (native on the board); the firmware's TypeScript one is the default.
import type { Crc } from '../../hal/ports';
import { crc32ByteAndUint32, SOFT_CRC } from '../crc';

export type AuthMethod = 'palm' | 'qr' | 'card' | 'iin';
export type SessionOutcome = 'completed' | 'cancelled' | 'timeout' | 'recovered';
export type DoubtReason = 'power-cut-in-validator' | 'power-cut-in-stacker' | 'jam' | 'unknown';
export type LedgerRecord =
  | { kind: 'session-opened'; sessionId: number /*u32*/; method: AuthMethod; customerId: string /*bank's opaque id, 1..24 printable ASCII*/; billTiyn: number; wallMs: number /*NaN allowed = clock unset*/ }
  | { kind: 'note-escrowed'; sessionId: number; denominationTenge: number } // "note about to be stacked", written BEFORE the STACK command
  | { kind: 'note-stacked'; sessionId: number; denominationTenge: number }
  | { kind: 'note-returned'; sessionId: number; denominationTenge: number }
  | { kind: 'session-closed'; sessionId: number; outcome: SessionOutcome; depositedTiyn: number; toBillTiyn: number; toNextTiyn: number }
  | { kind: 'doubt'; sessionId: number; denominationTenge: number /*0 = not a tenge note the validator knew*/; reason: DoubtReason } // to reconcile: may or may not be in the cassette
  | { kind: 'cassette-collected'; notes: number; amountTiyn: number; wallMs: number }
  | { kind: 'bank-ack'; ackedSequence: number }; // local bookkeeping: the bank durably holds everything up to ackedSequence

export type LedgerRecordKind = LedgerRecord['kind'];

/** Kazakhstan's tenge notes in circulation (National Bank of Kazakhstan). */
export const DENOMINATIONS_TENGE: readonly number[] = Object.freeze([200, 500, 1000, 2000, 5000, 10000, 20000]);
export const AUTH_METHODS: readonly AuthMethod[] = Object.freeze(['palm', 'qr', 'card', 'iin'] as AuthMethod[]);
export const SESSION_OUTCOMES: readonly SessionOutcome[] = Object.freeze(['completed', 'cancelled', 'timeout', 'recovered'] as SessionOutcome[]);
export const DOUBT_REASONS: readonly DoubtReason[] = Object.freeze(['power-cut-in-validator', 'power-cut-in-stacker', 'jam', 'unknown'] as DoubtReason[]);
/** Kind codes on flash; index 0 is never used (a zeroed byte is not a kind). Frozen: changing one is a layout change. */
export const KIND_CODES: readonly LedgerRecordKind[] = Object.freeze([
  'session-opened', 'note-escrowed', 'note-stacked', 'note-returned', 'session-closed', 'doubt', 'cassette-collected', 'bank-ack',
] as LedgerRecordKind[]);
export const KIND_BANK_ACK = 8;
/** A doubt's denomination byte for a note of unknown value (denominationTenge 0). */
export const DENOMINATION_UNKNOWN_CODE = 0xff;

export const COMMIT_MARK = 0x3c;
export const STATE_OPEN = 0xff;
export const STATE_ZAPPED = 0x00;
export const RECORD_FRAME_BYTES = 8; // state, kind, sequence low 16, CRC-32
export const CUSTOMER_ID_CHARS_MAX = 24;
export const VARINT_BYTES_MAX = 8; // 8 × 7 bits covers every safe integer (2^53)
export const SEQUENCE_MAX = 0xffffffff;
/** session-opened with a 24-character id and an 8-byte bill amount is the largest record. */
export const RECORD_SIZE_MAX = RECORD_FRAME_BYTES + 4 + 1 + 1 + CUSTOMER_ID_CHARS_MAX + VARINT_BYTES_MAX + 8;
export const RECORD_SIZE_MIN = RECORD_FRAME_BYTES + 4;


function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function isAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isCustomerId(text: string): boolean {
  if (typeof text !== 'string' || text.length < 1 || text.length > CUSTOMER_ID_CHARS_MAX) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

function isWallMs(value: number): boolean {
  return typeof value === 'number' && (Number.isNaN(value) || Number.isFinite(value));
}

/** Whether a record may be written: every field in range (amounts are safe integers, ids u32). */
export function validateRecord(record: LedgerRecord): boolean {
  if (typeof record !== 'object' || record === null) return false;
  switch (record.kind) {
    case 'session-opened':
      return isU32(record.sessionId) && AUTH_METHODS.includes(record.method) && isCustomerId(record.customerId) &&
        isAmount(record.billTiyn) && isWallMs(record.wallMs);
    case 'note-escrowed':
    case 'note-stacked':
    case 'note-returned':
      return isU32(record.sessionId) && DENOMINATIONS_TENGE.includes(record.denominationTenge);
    case 'session-closed':
      // The allocation must account for every tiyn deposited: bill first, the rest to next month.
      return isU32(record.sessionId) && SESSION_OUTCOMES.includes(record.outcome) && isAmount(record.depositedTiyn) &&
        isAmount(record.toBillTiyn) && isAmount(record.toNextTiyn) && record.toBillTiyn + record.toNextTiyn === record.depositedTiyn;
    case 'doubt':
      return isU32(record.sessionId) && (DENOMINATIONS_TENGE.includes(record.denominationTenge) || record.denominationTenge === 0) &&
        DOUBT_REASONS.includes(record.reason);
    case 'cassette-collected':
      return isAmount(record.notes) && isAmount(record.amountTiyn) && isWallMs(record.wallMs);
    case 'bank-ack':
      return isU32(record.ackedSequence);
    default:
      return false;
  }
}

// ---- encoding -------------------------------------------------------------------------

function putU32(into: Uint8Array, at: number, value: number): number {
  into[at] = value & 0xff;
  into[at + 1] = (value >>> 8) & 0xff;
  into[at + 2] = (value >>> 16) & 0xff;
  into[at + 3] = (value >>> 24) & 0xff;
  return at + 4;
}

function putVarint(into: Uint8Array, at: number, value: number): number {
  let rest = value;
  let position = at;
  // Division, not shifts: amounts may exceed 32 bits.
  while (rest >= 0x80) {
    into[position++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  into[position++] = rest;
  return position;
}

// Little-endian IEEE 754 through a DataView: no module-level scratch buffer, so the module can
// be preloaded into flash (frozen) on the board. Only wall times use it: two rare record kinds.
function putFloat64(into: Uint8Array, at: number, value: number): number {
  new DataView(into.buffer, into.byteOffset, into.byteLength).setFloat64(at, value, true);
  return at + 8;
}

function putFields(record: LedgerRecord, into: Uint8Array, at: number): number {
  switch (record.kind) {
    case 'session-opened': {
      let position = putU32(into, at, record.sessionId);
      into[position++] = AUTH_METHODS.indexOf(record.method);
      into[position++] = record.customerId.length;
      for (let index = 0; index < record.customerId.length; index++) into[position++] = record.customerId.charCodeAt(index);
      position = putVarint(into, position, record.billTiyn);
      return putFloat64(into, position, record.wallMs);
    }
    case 'note-escrowed':
    case 'note-stacked':
    case 'note-returned': {
      const position = putU32(into, at, record.sessionId);
      into[position] = DENOMINATIONS_TENGE.indexOf(record.denominationTenge);
      return position + 1;
    }
    case 'session-closed': {
      let position = putU32(into, at, record.sessionId);
      into[position++] = SESSION_OUTCOMES.indexOf(record.outcome);
      position = putVarint(into, position, record.depositedTiyn);
      position = putVarint(into, position, record.toBillTiyn);
      return putVarint(into, position, record.toNextTiyn);
    }
    case 'doubt': {
      const position = putU32(into, at, record.sessionId);
      into[position] = record.denominationTenge === 0 ? DENOMINATION_UNKNOWN_CODE : DENOMINATIONS_TENGE.indexOf(record.denominationTenge);
      into[position + 1] = DOUBT_REASONS.indexOf(record.reason);
      return position + 2;
    }
    case 'cassette-collected': {
      const position = putVarint(into, putVarint(into, at, record.notes), record.amountTiyn);
      return putFloat64(into, position, record.wallMs);
    }
    case 'bank-ack':
      return putU32(into, at, record.ackedSequence);
  }
}

/** The kind and the full sequence are not on flash as such (only its low 16 bits are): five bytes in TypeScript, then the fields in one port call. */
function recordCrc(bytes: Uint8Array, start: number, kindCode: number, sequence: number, fieldsEnd: number, crc: Crc): number {
  return crc.crc32(crc32ByteAndUint32(0, kindCode, sequence), bytes, start + 4, fieldsEnd);
}

/**
 * Encodes a validated record with its sequence into `into` from index 0, the state byte set to
 * COMMIT_MARK (the caller programs it last). Returns the record's size in bytes.
 */
export function encodeRecord(record: LedgerRecord, sequence: number, into: Uint8Array, crc: Crc = SOFT_CRC): number {
  const kindCode = KIND_CODES.indexOf(record.kind) + 1;
  into[0] = COMMIT_MARK;
  into[1] = kindCode;
  into[2] = sequence & 0xff;
  into[3] = (sequence >>> 8) & 0xff;
  const fieldsEnd = putFields(record, into, 4);
  putU32(into, fieldsEnd, recordCrc(into, 0, kindCode, sequence, fieldsEnd, crc));
  const size = fieldsEnd + 4;
  if (size > RECORD_SIZE_MAX) throw new RangeError('record larger than RECORD_SIZE_MAX'); // cannot happen for a validated record
  return size;
}

// ---- parsing (no allocation) -------------------------------------------------------------

/** Where parsing a candidate record stopped, when it is not a whole record. */
export type ParseFailure = 'short' | 'kind' | 'fields' | 'crc';

/** The result of `parseRecord`, reused between calls so a mount scan allocates nothing. */
export class ParsedRecord {
  sizeBytes = 0;
  kindCode = 0;
  sequence = 0;
  /** For a bank-ack record: the sequence it acknowledges. */
  ackedSequence = 0;
  failure: ParseFailure | undefined = undefined;
}

function getU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** The end of a canonical varint starting at `at`, or -1 (too long, unsafe, not minimal, past `end`). */
function varintEnd(bytes: Uint8Array, at: number, end: number): number {
  for (let index = 0; index < VARINT_BYTES_MAX; index++) {
    if (at + index >= end) return -1;
    const byte = bytes[at + index];
    if ((byte & 0x80) === 0) {
      if (index > 0 && byte === 0) return -1;
      if (index === VARINT_BYTES_MAX - 1 && byte > 0x1f) return -1; // beyond 2^53
      return at + index + 1;
    }
  }
  return -1;
}

function getVarint(bytes: Uint8Array, at: number): number {
  let value = 0;
  let scale = 1;
  for (let position = at; ; position++) {
    value += (bytes[position] & 0x7f) * scale;
    if ((bytes[position] & 0x80) === 0) return value;
    scale *= 0x80;
  }
}

/** The end of the fields of `kindCode` starting at `at` (record start + 4), each checked for range, or -1. */
function denominationOk(bytes: Uint8Array, position: number, end: number): boolean {
  return position < end && bytes[position] < DENOMINATIONS_TENGE.length;
}

function fieldsEnd(bytes: Uint8Array, at: number, kindCode: number, end: number): number {
  switch (kindCode) {
    case 1: {
      const methodAt = at + 4;
      if (methodAt + 2 > end || bytes[methodAt] >= AUTH_METHODS.length) return -1;
      const idLength = bytes[methodAt + 1];
      if (idLength < 1 || idLength > CUSTOMER_ID_CHARS_MAX || methodAt + 2 + idLength > end) return -1;
      for (let index = 0; index < idLength; index++) {
        const code = bytes[methodAt + 2 + index];
        if (code < 0x20 || code > 0x7e) return -1;
      }
      const billEnd = varintEnd(bytes, methodAt + 2 + idLength, end);
      if (billEnd < 0 || billEnd + 8 > end) return -1;
      return billEnd + 8;
    }
    case 2: case 3: case 4:
      return denominationOk(bytes, at + 4, end) ? at + 5 : -1;
    case 5: {
      if (at + 5 > end || bytes[at + 4] >= SESSION_OUTCOMES.length) return -1;
      const depositedEnd = varintEnd(bytes, at + 5, end);
      const billEnd = depositedEnd < 0 ? -1 : varintEnd(bytes, depositedEnd, end);
      const nextEnd = billEnd < 0 ? -1 : varintEnd(bytes, billEnd, end);
      if (nextEnd < 0) return -1;
      const deposited = getVarint(bytes, at + 5);
      if (getVarint(bytes, depositedEnd) + getVarint(bytes, billEnd) !== deposited) return -1;
      return nextEnd;
    }
    case 6:
      return (denominationOk(bytes, at + 4, end) || (at + 4 < end && bytes[at + 4] === DENOMINATION_UNKNOWN_CODE)) && at + 6 <= end &&
        bytes[at + 5] < DOUBT_REASONS.length ? at + 6 : -1;
    case 7: {
      const notesEnd = varintEnd(bytes, at, end);
      const amountEnd = notesEnd < 0 ? -1 : varintEnd(bytes, notesEnd, end);
      return amountEnd < 0 || amountEnd + 8 > end ? -1 : amountEnd + 8;
    }
    case KIND_BANK_ACK:
      return at + 4 <= end ? at + 4 : -1;
    default:
      return -1;
  }
}

/**
 * Parses the candidate record at bytes[at..end) whose state byte reads COMMIT_MARK. The full
 * sequence is rebuilt from its low 16 bits and `firstSequence` (the sector's first). Never
 * throws; on failure `out.failure` says why and `out.sizeBytes` is 0.
 */
export function parseRecord(bytes: Uint8Array, at: number, end: number, firstSequence: number, out: ParsedRecord, crc: Crc = SOFT_CRC): boolean {
  out.sizeBytes = 0;
  out.failure = 'short';
  if (at + RECORD_SIZE_MIN > end) return false;
  const kindCode = bytes[at + 1];
  out.failure = 'kind';
  if (kindCode < 1 || kindCode > KIND_CODES.length) return false;
  const low = bytes[at + 2] | (bytes[at + 3] << 8);
  const sequence = firstSequence + ((low - firstSequence) & 0xffff);
  out.failure = 'fields';
  const fieldsStop = fieldsEnd(bytes, at + 4, kindCode, end);
  if (fieldsStop < 0 || fieldsStop + 4 > end || sequence > SEQUENCE_MAX) return false;
  out.failure = 'crc';
  if (getU32(bytes, fieldsStop) !== recordCrc(bytes, at, kindCode, sequence, fieldsStop, crc)) return false;
  const acked = kindCode === KIND_BANK_ACK ? getU32(bytes, at + 4) : 0;
  out.failure = 'fields';
  // An acknowledgement can only name records written before it.
  if (kindCode === KIND_BANK_ACK && acked >= sequence) return false;
  out.failure = undefined;
  out.kindCode = kindCode;
  out.sequence = sequence;
  out.ackedSequence = acked;
  out.sizeBytes = fieldsStop + 4 - at;
  return true;
}

function getFloat64(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(at, true);
}

/** Builds the record object of a record that `parseRecord` accepted at `at`. */
export function decodeRecord(bytes: Uint8Array, at: number): LedgerRecord {
  const kindCode = bytes[at + 1];
  const fields = at + 4;
  switch (kindCode) {
    case 1: {
      const idLength = bytes[fields + 5];
      let customerId = '';
      for (let index = 0; index < idLength; index++) customerId += String.fromCharCode(bytes[fields + 6 + index]);
      const billAt = fields + 6 + idLength;
      const wallAt = varintEnd(bytes, billAt, bytes.length);
      return { kind: 'session-opened', sessionId: getU32(bytes, fields), method: AUTH_METHODS[bytes[fields + 4]], customerId, billTiyn: getVarint(bytes, billAt), wallMs: getFloat64(bytes, wallAt) };
    }
    case 2: case 3: case 4:
      return { kind: KIND_CODES[kindCode - 1] as 'note-stacked', sessionId: getU32(bytes, fields), denominationTenge: DENOMINATIONS_TENGE[bytes[fields + 4]] };
    case 5: {
      const depositedAt = fields + 5;
      const billAt = varintEnd(bytes, depositedAt, bytes.length);
      const nextAt = varintEnd(bytes, billAt, bytes.length);
      return { kind: 'session-closed', sessionId: getU32(bytes, fields), outcome: SESSION_OUTCOMES[bytes[fields + 4]], depositedTiyn: getVarint(bytes, depositedAt), toBillTiyn: getVarint(bytes, billAt), toNextTiyn: getVarint(bytes, nextAt) };
    }
    case 6: {
      const code = bytes[fields + 4];
      const denominationTenge = code === DENOMINATION_UNKNOWN_CODE ? 0 : DENOMINATIONS_TENGE[code];
      return { kind: 'doubt', sessionId: getU32(bytes, fields), denominationTenge, reason: DOUBT_REASONS[bytes[fields + 5]] };
    }
    case 7: {
      const amountAt = varintEnd(bytes, fields, bytes.length);
      const wallAt = varintEnd(bytes, amountAt, bytes.length);
      return { kind: 'cassette-collected', notes: getVarint(bytes, fields), amountTiyn: getVarint(bytes, amountAt), wallMs: getFloat64(bytes, wallAt) };
    }
    default:
      return { kind: 'bank-ack', ackedSequence: getU32(bytes, fields) };
  }
}

/**
 * The record's content in a plain fixed-width form, for measuring our overhead honestly:
 * kind u8 + sequence u32 + its fields at natural widths (ids u32, denominations u16, amounts
 * u64, enums u8, wall times f64, customerId as length + characters).
 */
export function payloadBytes(record: LedgerRecord): number {
  const head = 1 + 4;
  switch (record.kind) {
    case 'session-opened': return head + 4 + 1 + 1 + record.customerId.length + 8 + 8;
    case 'note-escrowed': case 'note-stacked': case 'note-returned': return head + 4 + 2;
    case 'session-closed': return head + 4 + 1 + 8 * 3;
    case 'doubt': return head + 4 + 2 + 1;
    case 'cassette-collected': return head + 8 + 8 + 8;
    case 'bank-ack': return head + 4;
  }
}

/** Whether two records are the same, field by field (NaN equals NaN). */
export function sameRecord(a: LedgerRecord, b: LedgerRecord): boolean {
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) if (!Object.is(left[key], right[key])) return false;
  return true;
}
