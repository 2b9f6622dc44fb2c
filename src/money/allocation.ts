// The one allocation rule, shared by the bank server (which applies it) and the firmware
// screens (which show it before the customer lets the notes be stacked), so the two can
// never disagree. From the FAQ: the whole amount goes to the Kaspi Red bill; whatever is
// more than the bill counts toward next month ("bill 15 000 ₸, paid 20 000 ₸ → next bill
// 10 000 ₸"). All amounts are integer tiyn (1 ₸ = 100 tiyn).
import { assert } from '../assert';

/** A customer's Kaspi Red account as the bank reports it with an authorisation. */
export interface BillState {
  /** Due now: the current bill still unpaid, overdue part included. */
  readonly billTiyn: number;
  /** The overdue part of `billTiyn` (earlier months and fines); paid first within the bill. */
  readonly outstandingTiyn: number;
  /** Next month's bill as it stands (never below zero: beyond zero it is carried credit). */
  readonly nextBillTiyn: number;
  /** Credit beyond next month's bill; only possible when `nextBillTiyn` is 0. */
  readonly carriedTiyn: number;
}

export interface Allocation {
  readonly paidTiyn: number;
  /** Of `paidTiyn`, what paid the bill due now (outstanding first, then the current month). */
  readonly toBillTiyn: number;
  /** Of `toBillTiyn`, what paid the overdue part. */
  readonly toOutstandingTiyn: number;
  /** Of `paidTiyn`, what counts toward next month: `toNextBillTiyn + toCarriedTiyn`. */
  readonly toNextTiyn: number;
  /** Of `toNextTiyn`, what reduced next month's bill. */
  readonly toNextBillTiyn: number;
  /** Of `toNextTiyn`, what went past a next bill of zero into carried credit. */
  readonly toCarriedTiyn: number;
  /** The account after the payment. */
  readonly after: BillState;
}

/** Sanity bound: no account or payment in this system comes near 10^13 tiyn (10^11 ₸). */
export const ACCOUNT_TIYN_MAX = 10_000_000_000_000;

function isAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= ACCOUNT_TIYN_MAX;
}

/** Whether an account state is well formed (the bank's reply is checked with this). */
export function isBillState(state: BillState): boolean {
  return (
    isAmount(state.billTiyn) &&
    isAmount(state.outstandingTiyn) &&
    isAmount(state.nextBillTiyn) &&
    isAmount(state.carriedTiyn) &&
    state.outstandingTiyn <= state.billTiyn &&
    (state.carriedTiyn === 0 || state.nextBillTiyn === 0)
  );
}

/**
 * Applies a payment: the bill due now first (its overdue part before the current month, so
 * no further fine accrues), then next month's bill down to zero, then carried credit.
 * Filling in this order makes the rule additive: paying a then b equals paying a + b, so
 * the bank may credit note by note and still agree with the screen's total.
 */
export function allocatePayment(state: BillState, paidTiyn: number): Allocation {
  assert(isBillState(state), 'allocation: account state malformed');
  assert(isAmount(paidTiyn), 'allocation: payment not a tiyn amount');
  const toBillTiyn = Math.min(paidTiyn, state.billTiyn);
  const toOutstandingTiyn = Math.min(toBillTiyn, state.outstandingTiyn);
  const toNextTiyn = paidTiyn - toBillTiyn;
  const toNextBillTiyn = Math.min(toNextTiyn, state.nextBillTiyn);
  const toCarriedTiyn = toNextTiyn - toNextBillTiyn;
  const after: BillState = {
    billTiyn: state.billTiyn - toBillTiyn,
    outstandingTiyn: state.outstandingTiyn - toOutstandingTiyn,
    nextBillTiyn: state.nextBillTiyn - toNextBillTiyn,
    carriedTiyn: state.carriedTiyn + toCarriedTiyn,
  };
  assert(toBillTiyn + toNextBillTiyn + toCarriedTiyn === paidTiyn, 'allocation: not every tiyn placed');
  assert(isBillState(after), 'allocation: result malformed');
  return { paidTiyn, toBillTiyn, toOutstandingTiyn, toNextTiyn, toNextBillTiyn, toCarriedTiyn, after };
}

/** Next month's bill net of carried credit; negative means the customer is in credit. */
export function netNextBillTiyn(state: BillState): number {
  return state.nextBillTiyn - state.carriedTiyn;
}

export interface Split {
  readonly toBillTiyn: number;
  readonly toNextTiyn: number;
}

/**
 * The split the screens and the session-closed record need when only the bill due now is
 * at hand: the same rule as `allocatePayment` (whatever is not needed by the bill counts
 * toward next month), without the next-bill/credit detail.
 */
export function allocate(billTiyn: number, paidTiyn: number): Split {
  const allocation = allocatePayment({ billTiyn, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 0 }, paidTiyn);
  return { toBillTiyn: allocation.toBillTiyn, toNextTiyn: allocation.toNextTiyn };
}
