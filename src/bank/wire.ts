// The bank API's shapes (tools/bank/API.md), shared by the firmware's client and the
// reference bank server so both read and write the same JSON. Parsers return undefined (or
// the offending field) for anything malformed: what arrives over a network is input, never
// trusted, so a bad reply is an error value, not an assertion. What a record, a method or an id
// may be is the domain table's (src/domain.ts).
import { type AuthMethod, isCustomerId, isIdText, isTiyn, recordKindOf, SUM_TOTAL, totalHolds } from '../domain';
import { isBillState } from '../money/allocation';

export const PATH_AUTHORISE = '/v1/authorise';
export const PATH_QR = '/v1/qr';
export const PATH_DEPOSITS = '/v1/deposits';

/** Each sign-in method's credential field on the wire (a method the domain table adds must name one). */
export const CREDENTIAL_FIELDS = Object.freeze({
  palm: 'palmTemplate',
  qr: 'qrSessionId',
  card: 'cardToken',
  iin: 'iin',
} as const satisfies Readonly<Record<AuthMethod, string>>);

/** An authorisation: a method and its credential, nothing else. */
export type AuthoriseRequest = {
  [M in AuthMethod]: { readonly method: M } & { readonly [F in (typeof CREDENTIAL_FIELDS)[M]]: string };
}[AuthMethod];

/** The credential an authorisation carries. */
export function credentialOf(request: AuthoriseRequest): string {
  return (request as unknown as Readonly<Record<string, string>>)[CREDENTIAL_FIELDS[request.method]];
}

export interface CustomerBill {
  readonly billTiyn: number;
  /** "YYYY-MM-DD", or "" when nothing is due. */
  readonly dueDate: string;
  readonly nextBillTiyn: number;
  readonly outstandingTiyn: number;
  readonly carriedTiyn: number;
}

export interface CustomerAccount {
  readonly customerId: string;
  /** Already masked by the bank, e.g. "Айгерим Б.". */
  readonly displayName: string;
  readonly bill: CustomerBill;
  readonly sessionMaxTiyn: number;
}

/** 'used': the confirmed session already authorised once (the bank allows one authorisation per scan). */
export type QrState = 'pending' | 'confirmed' | 'expired' | 'cancelled' | 'used';

export interface QrStart {
  readonly qrSessionId: string;
  readonly payload: string;
  readonly expiresInMs: number;
}

/** Bounds on what the bank may send, so a confused or hostile reply cannot bloat the heap. */
export const DISPLAY_NAME_CHARS_MAX = 48;
export const QR_SESSION_ID_CHARS_MAX = 64;
export const QR_PAYLOAD_CHARS_MAX = 512;
export const QR_EXPIRES_IN_MS_MAX = 600_000;
export const CREDENTIAL_CHARS_MAX = 512;
/** No single session takes more than this, whatever the bank says (a sanity bound: 10^7 ₸). */
export const SESSION_TIYN_MAX = 1_000_000_000;

const DATE = /^(\d{4}-\d{2}-\d{2})?$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown, charsMax: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= charsMax;
}

/** Reads JSON text into a value, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body of a 200 reply to /v1/authorise (and of a confirmed QR poll's `account`). */
export function parseAccount(value: unknown): CustomerAccount | undefined {
  if (!isObject(value) || !isObject(value.bill)) return undefined;
  const { customerId, displayName, sessionMaxTiyn } = value;
  const { billTiyn, dueDate, nextBillTiyn, outstandingTiyn, carriedTiyn } = value.bill;
  if (!isCustomerId(customerId) || !isText(displayName, DISPLAY_NAME_CHARS_MAX)) return undefined;
  if (!isTiyn(sessionMaxTiyn) || sessionMaxTiyn === 0 || sessionMaxTiyn > SESSION_TIYN_MAX) return undefined;
  if (typeof dueDate !== 'string' || !DATE.test(dueDate)) return undefined;
  if (!isTiyn(billTiyn) || !isTiyn(nextBillTiyn) || !isTiyn(outstandingTiyn) || !isTiyn(carriedTiyn)) return undefined;
  const bill = { billTiyn, dueDate, nextBillTiyn, outstandingTiyn, carriedTiyn };
  if (!isBillState(bill)) return undefined;
  return { customerId, displayName, bill, sessionMaxTiyn };
}

export function parseQrStart(value: unknown): QrStart | undefined {
  if (!isObject(value)) return undefined;
  const { qrSessionId, payload, expiresInMs } = value;
  if (!isIdText(qrSessionId, QR_SESSION_ID_CHARS_MAX)) return undefined;
  if (!isText(payload, QR_PAYLOAD_CHARS_MAX)) return undefined;
  if (
    typeof expiresInMs !== 'number' ||
    !Number.isInteger(expiresInMs) ||
    expiresInMs <= 0 ||
    expiresInMs > QR_EXPIRES_IN_MS_MAX
  )
    return undefined;
  return { qrSessionId, payload, expiresInMs };
}

export function parseQrState(value: unknown): QrState | undefined {
  if (!isObject(value)) return undefined;
  const state = value.state;
  return state === 'pending' ||
    state === 'confirmed' ||
    state === 'expired' ||
    state === 'cancelled' ||
    state === 'used'
    ? state
    : undefined;
}

/** A deposits reply (200, or 409 on a gap): the bank's stored sequence, and the ATM it names if it names one. */
export interface DepositsReply {
  readonly ackedSequence: number;
  /** Absent when the reply does not say; a reply for another ATM is not ours to believe. */
  readonly atmId: string | undefined;
}

/** {ackedSequence[, atmId]} of a deposits reply, or undefined when it is not one. */
export function parseDepositsReply(value: unknown): DepositsReply | undefined {
  if (!isObject(value)) return undefined;
  const { ackedSequence, atmId } = value;
  if (typeof ackedSequence !== 'number' || !Number.isSafeInteger(ackedSequence) || ackedSequence < 0) return undefined;
  if (atmId !== undefined && typeof atmId !== 'string') return undefined;
  return { ackedSequence, atmId };
}

/** The JSON body of an authorisation: the credential named by its method, nothing else. */
export function authoriseBody(atmId: string, request: AuthoriseRequest): string {
  return JSON.stringify({ atmId, method: request.method, [CREDENTIAL_FIELDS[request.method]]: credentialOf(request) });
}

// ---- ledger records on the wire (POST /v1/deposits) ----

/**
 * Checks one record of a deposits batch ({sequence, kind, ...fields}) against the domain table:
 * a kind the bank is sent, its fields and no others, each in range, its total the sum of its
 * parts. Returns the name of the first offending field, or undefined when the record is well formed.
 */
export function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'record';
  if (typeof value.sequence !== 'number' || !Number.isSafeInteger(value.sequence) || value.sequence < 1)
    return 'sequence';
  const kind = recordKindOf(value.kind);
  if (kind === undefined || !kind.toBank) return 'kind';
  const names = kind.fieldNames;
  for (let index = 0; index < names.length; index++) {
    if (!kind.fieldTypes[index].isWireValue(value[names[index]])) return names[index];
  }
  for (const name of Object.keys(value)) {
    if (name !== 'sequence' && name !== 'kind' && !names.includes(name)) return name;
  }
  if (!totalHolds(kind, value)) return names[kind.sumRoles.indexOf(SUM_TOTAL)];
  return undefined;
}
