// The machine's domain facts, each written once: the tenge notes it takes, the ways a customer
// signs in, how a session ends, why a note is in doubt, and the ledger's record kinds with their
// fields and limits. What derives from this table: the ledger's record validator and binary
// codec (src/ledger/records.ts), the room a session keeps (src/session/room.ts), the checks of
// the bank wire (src/bank/wire.ts, which the reference bank in tools/bank uses too), the cassette
// count and the validator's bill table.
//
// The order of every list below is on flash (a byte names a note, a method, an outcome or a
// reason by its index; a kind by its code): append only, or it is a new ledger layout.
import { assert } from './assert';

// ---- what the customer and the machine deal in ------------------------------------------------

/** Kazakhstan's tenge notes in circulation (docs/kazakhstan.md), old and new designs alike. */
const TENGE_NOTES = Object.freeze([200, 500, 1000, 2000, 5000, 10000, 20000] as const);
export type DenominationTenge = (typeof TENGE_NOTES)[number];
export const DENOMINATIONS_TENGE: readonly number[] = TENGE_NOTES;
/** The four ways a customer signs in (the FAQ). */
export const AUTH_METHODS = Object.freeze(['palm', 'qr', 'card', 'iin'] as const);
export type AuthMethod = (typeof AUTH_METHODS)[number];
/** How a session ended: the customer finished, cancelled or walked away, or a restart closed it. */
export const SESSION_OUTCOMES = Object.freeze(['completed', 'cancelled', 'timeout', 'recovered'] as const);
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];
/** Why a note's fate is unknown: the acceptor's power-up report says where it was, or a jam, or nothing. */
export const DOUBT_REASONS = Object.freeze([
  'power-cut-in-validator',
  'power-cut-in-stacker',
  'jam',
  'unknown',
] as const);
export type DoubtReason = (typeof DOUBT_REASONS)[number];

/** A doubt's note whose value the validator's table gives no tenge note for: never credited, never dropped. */
export const DENOMINATION_UNKNOWN_TENGE = 0;
/** The bank's opaque customer id (and an ATM id, the same shape): 1..24 printable ASCII, no space. */
export const CUSTOMER_ID_CHARS_MAX = 24;
const ID_CHAR_MIN = 0x21;
const ID_CHAR_MAX = 0x7e;
export const U32_MAX = 0xffff_ffff;

export function isDenomination(value: unknown): value is number {
  return typeof value === 'number' && DENOMINATIONS_TENGE.includes(value);
}

export function isAuthMethod(value: unknown): value is AuthMethod {
  return (AUTH_METHODS as readonly unknown[]).includes(value);
}

export function isSessionOutcome(value: unknown): value is SessionOutcome {
  return (SESSION_OUTCOMES as readonly unknown[]).includes(value);
}

export function isDoubtReason(value: unknown): value is DoubtReason {
  return (DOUBT_REASONS as readonly unknown[]).includes(value);
}

export function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

/** An amount of money (or a count of things): a safe integer, never negative. */
export function isTiyn(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isIdChar(code: number): boolean {
  return code >= ID_CHAR_MIN && code <= ID_CHAR_MAX;
}

/** An id of 1..charsMax printable ASCII characters, no space: a customer's, an ATM's, a QR session's. */
export function isIdText(value: unknown, charsMax: number): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > charsMax) return false;
  for (let index = 0; index < value.length; index++) if (!isIdChar(value.charCodeAt(index))) return false;
  return true;
}

export function isCustomerId(value: unknown): value is string {
  return isIdText(value, CUSTOMER_ID_CHARS_MAX);
}

// ---- the ledger's records ---------------------------------------------------------------------

export type LedgerRecord =
  | {
      kind: 'session-opened';
      sessionId: number /*u32*/;
      method: AuthMethod;
      customerId: string /*bank's opaque id, 1..24 printable ASCII*/;
      billTiyn: number;
      wallMs: number /*NaN allowed = clock unset*/;
    }
  | { kind: 'note-escrowed'; sessionId: number; denominationTenge: number } // "note about to be stacked", written BEFORE the STACK command
  | { kind: 'note-stacked'; sessionId: number; denominationTenge: number }
  | { kind: 'note-returned'; sessionId: number; denominationTenge: number }
  | {
      kind: 'session-closed';
      sessionId: number;
      outcome: SessionOutcome;
      depositedTiyn: number;
      toBillTiyn: number;
      toNextTiyn: number;
    }
  | {
      kind: 'doubt';
      sessionId: number;
      denominationTenge: number /*0 = not a tenge note the validator knew*/;
      reason: DoubtReason;
    } // to reconcile: may or may not be in the cassette
  | { kind: 'cassette-collected'; notes: number; amountTiyn: number; wallMs: number }
  | { kind: 'bank-ack'; ackedSequence: number }; // local bookkeeping: the bank durably holds everything up to ackedSequence

export type LedgerRecordKind = LedgerRecord['kind'];

/** How a field is laid out on flash; the codec switches on it. */
export const LAYOUT_U32 = 1; // 4 bytes, little-endian
export const LAYOUT_VARINT = 2; // unsigned LEB128, canonical, at most VARINT_BYTES_MAX bytes
export const LAYOUT_BYTE = 3; // one byte: the value's index in `values`, or UNKNOWN_BYTE for `unknownValue`
export const LAYOUT_TEXT = 4; // a length byte, then that many characters of isIdChar
export const LAYOUT_FLOAT64 = 5; // IEEE 754, little-endian (NaN: the wall clock was not set)
/** 8 × 7 bits covers every safe integer (2^53). */
export const VARINT_BYTES_MAX = 8;
/** A LAYOUT_BYTE field's byte for its `unknownValue`. */
export const UNKNOWN_BYTE = 0xff;

/** One kind of field: its values, its bytes on flash, and its form on the bank wire. */
export interface FieldType<T = unknown> {
  readonly name: string;
  readonly layout: number;
  readonly bytesMin: number;
  readonly bytesMax: number;
  /** The field at its natural width, for measuring the codec's overhead (src/ledger/records.ts payloadBytes); a text adds its length. */
  readonly plainBytes: number;
  /** LAYOUT_BYTE: the values in their byte's order. */
  readonly values: readonly unknown[];
  /** LAYOUT_BYTE: a value outside `values` written as UNKNOWN_BYTE (a doubt's note of no tenge value). */
  readonly unknownValue: T | undefined;
  /** LAYOUT_VARINT: the largest value; LAYOUT_TEXT: the most characters. */
  readonly max: number;
  /** Whether a record may carry this value. */
  readonly isValue: (value: unknown) => value is T;
  /** Whether a record on the wire (JSON) may carry it: the same, but a wall time's NaN is null there. */
  readonly isWireValue: (value: unknown) => boolean;
}

/** The bytes a layout takes at least and at most (a text's at most: its length byte and CUSTOMER_ID_CHARS_MAX characters). */
const LAYOUT_BYTES: Readonly<Record<number, readonly [number, number]>> = Object.freeze({
  [LAYOUT_U32]: Object.freeze([4, 4] as const),
  [LAYOUT_VARINT]: Object.freeze([1, VARINT_BYTES_MAX] as const),
  [LAYOUT_BYTE]: Object.freeze([1, 1] as const),
  [LAYOUT_TEXT]: Object.freeze([2, 1 + CUSTOMER_ID_CHARS_MAX] as const),
  [LAYOUT_FLOAT64]: Object.freeze([8, 8] as const),
});

function fieldType<T>(
  name: string,
  layout: number,
  plainBytes: number,
  isValue: (value: unknown) => value is T,
  more: { values?: readonly unknown[]; unknownValue?: T; max?: number; isWireValue?: (value: unknown) => boolean } = {},
): FieldType<T> {
  return Object.freeze({
    name,
    layout,
    bytesMin: LAYOUT_BYTES[layout][0],
    bytesMax: LAYOUT_BYTES[layout][1],
    plainBytes,
    isValue,
    values: Object.freeze(more.values ?? []),
    unknownValue: more.unknownValue,
    max: more.max ?? 0,
    isWireValue: more.isWireValue ?? isValue,
  });
}

const isDenominationOrUnknown = (value: unknown): value is number =>
  value === DENOMINATION_UNKNOWN_TENGE || isDenomination(value);
const isCount = (value: unknown): value is number => isTiyn(value) && value <= U32_MAX;
/** The wall clock may be unset on the device (NaN), which JSON carries as null. */
const isWallMs = (value: unknown): value is number =>
  typeof value === 'number' && (Number.isNaN(value) || Number.isFinite(value));
const isWireWallMs = (value: unknown): boolean =>
  value === null || (typeof value === 'number' && Number.isFinite(value));

export const FIELD_U32 = fieldType('u32', LAYOUT_U32, 4, isU32);
export const FIELD_TIYN = fieldType('tiyn', LAYOUT_VARINT, 8, isTiyn, { max: Number.MAX_SAFE_INTEGER });
export const FIELD_COUNT = fieldType('count', LAYOUT_VARINT, 8, isCount, { max: U32_MAX });
export const FIELD_DENOMINATION = fieldType('denomination', LAYOUT_BYTE, 2, isDenomination, {
  values: DENOMINATIONS_TENGE,
});
export const FIELD_DOUBT_DENOMINATION = fieldType('denomination or unknown', LAYOUT_BYTE, 2, isDenominationOrUnknown, {
  values: DENOMINATIONS_TENGE,
  unknownValue: DENOMINATION_UNKNOWN_TENGE,
});
export const FIELD_METHOD = fieldType('method', LAYOUT_BYTE, 1, isAuthMethod, { values: AUTH_METHODS });
export const FIELD_OUTCOME = fieldType('outcome', LAYOUT_BYTE, 1, isSessionOutcome, { values: SESSION_OUTCOMES });
export const FIELD_REASON = fieldType('reason', LAYOUT_BYTE, 1, isDoubtReason, { values: DOUBT_REASONS });
export const FIELD_CUSTOMER_ID = fieldType('customer id', LAYOUT_TEXT, 1, isCustomerId, { max: CUSTOMER_ID_CHARS_MAX });
export const FIELD_WALL_MS = fieldType('wall time', LAYOUT_FLOAT64, 8, isWallMs, { isWireValue: isWireWallMs });

export const SUM_NONE = 0;
export const SUM_TOTAL = 1;
export const SUM_PART = 2;

/** The fields of one record kind, in their order on flash, each with the type its value has. */
type FieldTypes<K extends LedgerRecordKind> = {
  readonly [F in Exclude<keyof Extract<LedgerRecord, { kind: K }>, 'kind'>]: FieldType<
    Extract<LedgerRecord, { kind: K }>[F]
  >;
};

/** One record kind as the codec, the validator and the wire read it. */
export interface RecordKind {
  readonly kind: LedgerRecordKind;
  /** Its byte on flash, 1.. (0 is never a kind: a zeroed byte). */
  readonly code: number;
  readonly fieldNames: readonly string[];
  readonly fieldTypes: readonly FieldType[];
  /** Whether the outbox sends it to the bank (a bank-ack is the ledger's own bookkeeping). */
  readonly toBank: boolean;
  /**
   * Each field's part in the kind's sum rule (a session's close: deposited = to this bill + to
   * next month, so every tiyn deposited is allocated): SUM_TOTAL, SUM_PART or SUM_NONE.
   */
  readonly sumRoles: readonly number[];
  /** Whether any field has a part in the sum rule. */
  readonly summed: boolean;
  /** Its fields' bytes on flash at least and at most. */
  readonly fieldBytesMin: number;
  readonly fieldBytesMax: number;
}

function recordKind<K extends LedgerRecordKind>(
  code: number,
  kind: K,
  fields: FieldTypes<K>,
  more: { toBank?: boolean; total?: string; parts?: readonly [string, string] } = {},
): RecordKind {
  const fieldNames = Object.keys(fields);
  const fieldTypes = fieldNames.map((name) => (fields as unknown as Record<string, FieldType>)[name]);
  const sumRoles = fieldNames.map((name) =>
    name === more.total ? SUM_TOTAL : more.parts?.includes(name) === true ? SUM_PART : SUM_NONE,
  );
  const summed = more.total !== undefined;
  assert(
    !summed || sumRoles.filter((role) => role !== SUM_NONE).length === 1 + (more.parts?.length ?? 0),
    `${kind}: the sum names its fields`,
  );
  assert(
    sumRoles.every((role, index) => role === SUM_NONE || fieldTypes[index] === FIELD_TIYN),
    `${kind}: the sum is of amounts`,
  );
  let fieldBytesMin = 0;
  let fieldBytesMax = 0;
  for (const type of fieldTypes) {
    fieldBytesMin += type.bytesMin;
    fieldBytesMax += type.bytesMax;
  }
  return Object.freeze({
    kind,
    code,
    fieldNames: Object.freeze(fieldNames),
    fieldTypes: Object.freeze(fieldTypes),
    toBank: more.toBank ?? true,
    sumRoles: Object.freeze(sumRoles),
    summed,
    fieldBytesMin,
    fieldBytesMax,
  });
}

/** Every record kind, by its code on flash (RECORD_KINDS[code - 1]). Frozen: changing one is a layout change. */
export const RECORD_KINDS: readonly RecordKind[] = Object.freeze([
  recordKind(1, 'session-opened', {
    sessionId: FIELD_U32,
    method: FIELD_METHOD,
    customerId: FIELD_CUSTOMER_ID,
    billTiyn: FIELD_TIYN,
    wallMs: FIELD_WALL_MS,
  }),
  recordKind(2, 'note-escrowed', { sessionId: FIELD_U32, denominationTenge: FIELD_DENOMINATION }),
  recordKind(3, 'note-stacked', { sessionId: FIELD_U32, denominationTenge: FIELD_DENOMINATION }),
  recordKind(4, 'note-returned', { sessionId: FIELD_U32, denominationTenge: FIELD_DENOMINATION }),
  recordKind(
    5,
    'session-closed',
    {
      sessionId: FIELD_U32,
      outcome: FIELD_OUTCOME,
      depositedTiyn: FIELD_TIYN,
      toBillTiyn: FIELD_TIYN,
      toNextTiyn: FIELD_TIYN,
    },
    { total: 'depositedTiyn', parts: ['toBillTiyn', 'toNextTiyn'] },
  ),
  recordKind(6, 'doubt', { sessionId: FIELD_U32, denominationTenge: FIELD_DOUBT_DENOMINATION, reason: FIELD_REASON }),
  recordKind(7, 'cassette-collected', { notes: FIELD_COUNT, amountTiyn: FIELD_TIYN, wallMs: FIELD_WALL_MS }),
  recordKind(8, 'bank-ack', { ackedSequence: FIELD_U32 }, { toBank: false }),
]);
for (let index = 0; index < RECORD_KINDS.length; index++) {
  const entry = RECORD_KINDS[index];
  assert(entry.code === index + 1, `record kind ${entry.kind}: code ${entry.code} out of order`);
}

/** RECORD_KINDS by name, with no prototype: a name from the wire ('toString', '__proto__') finds nothing. */
const RECORD_KINDS_BY_NAME: Readonly<Record<string, RecordKind | undefined>> = Object.freeze(
  RECORD_KINDS.reduce(
    (byName, entry) => Object.assign(byName, { [entry.kind]: entry }),
    Object.create(null) as Record<string, RecordKind>,
  ),
);

/** The record kind named `kind`, or undefined when there is none (one property lookup: a note's path asks twice). */
export function recordKindOf(kind: unknown): RecordKind | undefined {
  return typeof kind === 'string' ? RECORD_KINDS_BY_NAME[kind] : undefined;
}

/** Whether a record's fields add up: its total, if its kind has one, is the sum of its parts. */
export function totalHolds(kind: RecordKind, fields: Readonly<Record<string, unknown>>): boolean {
  if (!kind.summed) return true;
  let totalTiyn = 0;
  let partsTiyn = 0;
  for (let index = 0; index < kind.sumRoles.length; index++) {
    const role = kind.sumRoles[index];
    if (role === SUM_TOTAL) totalTiyn = fields[kind.fieldNames[index]] as number;
    else if (role === SUM_PART) partsTiyn += fields[kind.fieldNames[index]] as number;
  }
  return partsTiyn === totalTiyn;
}
