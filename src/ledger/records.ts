// The ledger's records in their compact binary encoding on flash. Their kinds, fields and limits
// are the domain table's (src/domain.ts): the validator, the encoder and the parser below walk
// a kind's fields there, so a field is described once.
//
// A record on flash (all integers little-endian):
//   [0]      state: 0xFF while being written, COMMIT_MARK once whole (programmed last),
//            0x00 in a zapped region (a tail abandoned at mount)
//   [1]      kind code (RECORD_KINDS[code - 1]: 1..8)
//   [2..3]   sequence, low 16 bits (the high bits come from the sector header's first sequence)
//   [4..n-4) the fields of the kind, in the table's order, each by its layout: u32 ids as 4 bytes;
//            a denomination, method, outcome or reason as one byte (its index in its list; in a
//            doubt, UNKNOWN_BYTE for a note whose value the validator's table does not give as a
//            tenge note — denominationTenge 0); amounts and counts as unsigned LEB128 (an amount
//            of 15 000 ₸ = 1 500 000 tiyn takes 3 bytes); wall times as float64 (NaN = clock not
//            set); customerId as a length byte and ASCII
//   [n-4..n) CRC-32 over kind, the FULL 32-bit sequence and the fields
// The CRC comes from the Crc port (native on the board); the firmware's TypeScript one is the default.
import type { Crc } from '../../hal/ports';
import { getU32, putU32 } from '../bytes';
import { crc32ByteAndUint32, SOFT_CRC } from '../crc';
import {
  isIdChar,
  LAYOUT_BYTE,
  LAYOUT_TEXT,
  LAYOUT_U32,
  LAYOUT_VARINT,
  RECORD_KINDS,
  recordKindOf,
  SUM_PART,
  SUM_TOTAL,
  totalHolds,
  UNKNOWN_BYTE,
  VARINT_BYTES_MAX,
  type FieldType,
  type LedgerRecord,
  type LedgerRecordKind,
  type RecordKind,
} from '../domain';

/** The ledger's record type is the domain table's. */
export type { LedgerRecord, LedgerRecordKind } from '../domain';

export const COMMIT_MARK = 0x3c;
export const STATE_OPEN = 0xff;
export const STATE_ZAPPED = 0x00;
export const RECORD_FRAME_BYTES = 8; // state, kind, sequence low 16, CRC-32
export const SEQUENCE_MAX = 0xffffffff;

/** A record of `kind` at its largest on flash, frame included. */
export function recordSizeMax(kind: LedgerRecordKind): number {
  return RECORD_FRAME_BYTES + (recordKindOf(kind) as RecordKind).fieldBytesMax;
}

/** The largest record of all: a session-opened with a 24-character id and an 8-byte bill amount (54 bytes). */
export const RECORD_SIZE_MAX = RECORD_KINDS.reduce(
  (largest, kind) => Math.max(largest, RECORD_FRAME_BYTES + kind.fieldBytesMax),
  0,
);
/** The smallest: a bank-ack, a frame and a u32 (12 bytes). */
export const RECORD_SIZE_MIN = RECORD_KINDS.reduce(
  (smallest, kind) => Math.min(smallest, RECORD_FRAME_BYTES + kind.fieldBytesMin),
  Infinity,
);
/** The kind code of a bank-ack, which the mount reads without decoding the record. */
export const KIND_BANK_ACK = (recordKindOf('bank-ack') as RecordKind).code;

// ---- encoding -------------------------------------------------------------------------

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

function putText(into: Uint8Array, at: number, text: string): number {
  let position = at;
  into[position++] = text.length;
  for (let index = 0; index < text.length; index++) into[position++] = text.charCodeAt(index);
  return position;
}

/**
 * Writes the fields of `kind` from `at`; the index after them, or -1 at the first value the
 * table does not allow (a one-byte field's own list says it: it is written as its index there).
 */
function putFields(kind: RecordKind, fields: Readonly<Record<string, unknown>>, into: Uint8Array, at: number): number {
  const names = kind.fieldNames;
  let position = at;
  for (let index = 0; index < names.length; index++) {
    const type = kind.fieldTypes[index];
    const value = fields[names[index]];
    if (type.layout === LAYOUT_BYTE) {
      // Its index in its type's values, or UNKNOWN_BYTE for the type's unknown value.
      const byte = value === type.unknownValue && value !== undefined ? UNKNOWN_BYTE : type.values.indexOf(value);
      if (byte < 0) return -1;
      into[position++] = byte;
      continue;
    }
    if (!type.isValue(value)) return -1;
    switch (type.layout) {
      case LAYOUT_U32:
        position = putU32(into, position, value as number);
        break;
      case LAYOUT_VARINT:
        position = putVarint(into, position, value as number);
        break;
      case LAYOUT_TEXT:
        position = putText(into, position, value as string);
        break;
      default:
        position = putFloat64(into, position, value as number);
    }
  }
  return position;
}

/** The kind and the full sequence are not on flash as such (only its low 16 bits are): five bytes in TypeScript, then the fields in one port call. */
function recordCrc(
  bytes: Uint8Array,
  start: number,
  kindCode: number,
  sequence: number,
  fieldsEnd: number,
  crc: Crc,
): number {
  return crc.crc32(crc32ByteAndUint32(0, kindCode, sequence), bytes, start + 4, fieldsEnd);
}

/**
 * Encodes a record with its sequence into `into` from index 0, the state byte set to COMMIT_MARK
 * (the caller programs it last). Returns the record's size in bytes, or 0 when the record may not
 * be written: a kind of the table's, each field's value one its type allows, its total the sum of
 * its parts (checked as each field is written: one pass on a note's path); `into` then holds
 * nothing to write.
 */
export function encodeRecord(record: LedgerRecord, sequence: number, into: Uint8Array, crc: Crc = SOFT_CRC): number {
  const kind = recordKindOf(record.kind);
  if (kind === undefined) return 0;
  const fields = record as unknown as Readonly<Record<string, unknown>>;
  const kindCode = kind.code;
  into[0] = COMMIT_MARK;
  into[1] = kindCode;
  into[2] = sequence & 0xff;
  into[3] = (sequence >>> 8) & 0xff;
  const fieldsEnd = putFields(kind, fields, into, 4);
  if (fieldsEnd < 0 || (kind.summed && !totalHolds(kind, fields))) return 0;
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

/** The end of a text field at `at` (a length byte, then that many characters), or -1. */
function textEnd(bytes: Uint8Array, at: number, end: number, charsMax: number): number {
  if (at >= end) return -1;
  const length = bytes[at];
  if (length < 1 || length > charsMax || at + 1 + length > end) return -1;
  for (let index = at + 1; index <= at + length; index++) if (!isIdChar(bytes[index])) return -1;
  return at + 1 + length;
}

/** The end of the field of `type` at `at`, or -1; a varint's value is checked against its type's max. */
function fieldEnd(bytes: Uint8Array, at: number, type: FieldType, end: number): number {
  switch (type.layout) {
    case LAYOUT_U32:
      return at + 4 <= end ? at + 4 : -1;
    case LAYOUT_BYTE: {
      if (at >= end) return -1;
      const byte = bytes[at];
      return byte < type.values.length || (byte === UNKNOWN_BYTE && type.unknownValue !== undefined) ? at + 1 : -1;
    }
    case LAYOUT_VARINT: {
      const stop = varintEnd(bytes, at, end); // at most 2^53 - 1: a safe integer
      return stop >= 0 && (type.max >= Number.MAX_SAFE_INTEGER || getVarint(bytes, at) <= type.max) ? stop : -1;
    }
    case LAYOUT_TEXT:
      return textEnd(bytes, at, end, type.max);
    default:
      return at + 8 <= end ? at + 8 : -1;
  }
}

/**
 * The end of the fields of `kind` starting at `at` (record start + 4), each checked for range as
 * the domain table gives it, its total the sum of its parts; -1 when they are not.
 */
function fieldsEnd(bytes: Uint8Array, at: number, kind: RecordKind, end: number): number {
  let position = at;
  let totalTiyn = 0;
  let partsTiyn = 0;
  for (let index = 0; index < kind.fieldTypes.length; index++) {
    const stop = fieldEnd(bytes, position, kind.fieldTypes[index], end);
    if (stop < 0) return -1;
    const role = kind.sumRoles[index];
    if (role === SUM_TOTAL) totalTiyn = getVarint(bytes, position);
    else if (role === SUM_PART) partsTiyn += getVarint(bytes, position);
    position = stop;
  }
  return partsTiyn === totalTiyn ? position : -1;
}

/**
 * Parses the candidate record at bytes[at..end) whose state byte reads COMMIT_MARK. The full
 * sequence is rebuilt from its low 16 bits and `firstSequence` (the sector's first). Never
 * throws; on failure `out.failure` says why and `out.sizeBytes` is 0.
 */
export function parseRecord(
  bytes: Uint8Array,
  at: number,
  end: number,
  firstSequence: number,
  out: ParsedRecord,
  crc: Crc = SOFT_CRC,
): boolean {
  out.sizeBytes = 0;
  out.failure = 'short';
  if (at + RECORD_SIZE_MIN > end) return false;
  const kindCode = bytes[at + 1];
  out.failure = 'kind';
  if (kindCode < 1 || kindCode > RECORD_KINDS.length) return false;
  const low = bytes[at + 2] | (bytes[at + 3] << 8);
  const sequence = firstSequence + ((low - firstSequence) & 0xffff);
  out.failure = 'fields';
  const fieldsStop = fieldsEnd(bytes, at + 4, RECORD_KINDS[kindCode - 1], end);
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

function getText(bytes: Uint8Array, at: number): string {
  let text = '';
  for (let index = at + 1; index <= at + bytes[at]; index++) text += String.fromCharCode(bytes[index]);
  return text;
}

/** The value of the field of `type` at `at` (a field `parseRecord` checked). */
function getField(bytes: Uint8Array, at: number, type: FieldType): unknown {
  switch (type.layout) {
    case LAYOUT_U32:
      return getU32(bytes, at);
    case LAYOUT_BYTE:
      return bytes[at] === UNKNOWN_BYTE ? type.unknownValue : type.values[bytes[at]];
    case LAYOUT_VARINT:
      return getVarint(bytes, at);
    case LAYOUT_TEXT:
      return getText(bytes, at);
    default:
      return getFloat64(bytes, at);
  }
}

/** Builds the record object of a record that `parseRecord` accepted at `at`: its kind, then its fields in the table's order. */
export function decodeRecord(bytes: Uint8Array, at: number): LedgerRecord {
  const kind = RECORD_KINDS[bytes[at + 1] - 1];
  const record: Record<string, unknown> = { kind: kind.kind };
  let position = at + 4;
  for (let index = 0; index < kind.fieldTypes.length; index++) {
    const type = kind.fieldTypes[index];
    record[kind.fieldNames[index]] = getField(bytes, position, type);
    position = fieldEnd(bytes, position, type, bytes.length);
  }
  return record as unknown as LedgerRecord;
}

/**
 * The record's content in a plain fixed-width form, for measuring our overhead honestly:
 * kind u8 + sequence u32 + its fields at natural widths (ids u32, denominations u16, amounts
 * u64, enums u8, wall times f64, customerId as length + characters).
 */
export function payloadBytes(record: LedgerRecord): number {
  const kind = recordKindOf(record.kind) as RecordKind;
  const fields = record as unknown as Readonly<Record<string, unknown>>;
  let bytes = 1 + 4;
  for (let index = 0; index < kind.fieldTypes.length; index++) {
    const type = kind.fieldTypes[index];
    bytes += type.plainBytes + (type.layout === LAYOUT_TEXT ? (fields[kind.fieldNames[index]] as string).length : 0);
  }
  return bytes;
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
