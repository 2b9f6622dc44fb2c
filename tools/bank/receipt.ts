// The e-receipt the phone app shows after a deposit. An electronic receipt is a primary
// document (docs/kazakhstan.md): issuer, device and its address, a sequence
// number, date and time (UTC+5, Kazakhstan's one zone since 1 March 2024), what was paid,
// the amounts — here also the notes by denomination, the split between the bill and next
// month, and the resulting next bill.
import type { BillState } from '../../src/money/allocation';

export const ISSUER = 'АО «Kaspi Bank»';
const KAZAKHSTAN_OFFSET_MS = 5 * 3_600_000;

export interface ReceiptInput {
  readonly receiptNumber: number;
  readonly atmId: string;
  readonly atmAddress: string;
  readonly sessionId: number;
  readonly openedSequence: number;
  readonly issuedMs: number;
  readonly method: string;
  readonly outcome: string;
  readonly customerName: string;
  readonly iinMasked: string;
  readonly billBeforeTiyn: number;
  readonly dueDate: string;
  readonly notesTenge: readonly number[];
  readonly toBillTiyn: number;
  readonly toNextTiyn: number;
  readonly after: BillState;
}

export interface Receipt {
  readonly title: string;
  readonly issuer: string;
  readonly receiptNumber: number;
  readonly transactionId: string;
  readonly atmId: string;
  readonly atmAddress: string;
  /** Local time in Kazakhstan, ISO 8601 with its offset, e.g. "2026-11-25T12:00:00+05:00". */
  readonly issuedAt: string;
  readonly customer: { readonly name: string; readonly iin: string };
  readonly payment: {
    readonly service: string;
    readonly billTiyn: number;
    readonly dueDate: string;
    readonly authorisedBy: string;
  };
  readonly depositedTiyn: number;
  readonly notes: readonly { readonly denominationTenge: number; readonly count: number }[];
  readonly toBillTiyn: number;
  readonly toNextTiyn: number;
  readonly billLeftTiyn: number;
  readonly nextBillTiyn: number;
  readonly carriedTiyn: number;
  readonly sessionOutcome: string;
}

/** Kazakhstan local time (UTC+5) of a UTC instant, as ISO 8601 with the offset. */
export function kazakhstanTime(utcMs: number): string {
  return `${new Date(utcMs + KAZAKHSTAN_OFFSET_MS).toISOString().slice(0, 19)}+05:00`;
}

export function buildReceipt(input: ReceiptInput): Receipt {
  const counts = new Map<number, number>();
  for (const tenge of input.notesTenge) counts.set(tenge, (counts.get(tenge) ?? 0) + 1);
  const notes = [...counts.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([denominationTenge, count]) => ({ denominationTenge, count }));
  const depositedTiyn = input.notesTenge.reduce((sum, tenge) => sum + tenge * 100, 0);
  return {
    title: 'Электронный чек / Электрондық чек',
    issuer: ISSUER,
    receiptNumber: input.receiptNumber,
    transactionId: `${input.atmId}-${input.openedSequence}`,
    atmId: input.atmId,
    atmAddress: input.atmAddress,
    issuedAt: kazakhstanTime(input.issuedMs),
    customer: { name: input.customerName, iin: input.iinMasked },
    payment: {
      service: 'Kaspi Red',
      billTiyn: input.billBeforeTiyn,
      dueDate: input.dueDate,
      authorisedBy: input.method,
    },
    depositedTiyn,
    notes,
    toBillTiyn: input.toBillTiyn,
    toNextTiyn: input.toNextTiyn,
    billLeftTiyn: input.after.billTiyn,
    nextBillTiyn: input.after.nextBillTiyn,
    carriedTiyn: input.after.carriedTiyn,
    sessionOutcome: input.outcome,
  };
}
