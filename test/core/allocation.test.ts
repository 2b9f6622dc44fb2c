import assert from 'node:assert/strict';
import { allocate, allocatePayment, netNextBillTiyn } from '../../src/money/allocation';

const TENGE = 100; // tiyn

describe('allocation: current bill first, the rest to next month (integer tiyn)', () => {
  it('the FAQ example: bill 15 000 ₸, paid 20 000 ₸ → next bill 10 000 ₸', () => {
    const result = allocatePayment(
      { billTiyn: 15_000 * TENGE, outstandingTiyn: 0, nextBillTiyn: 15_000 * TENGE, carriedTiyn: 0 },
      20_000 * TENGE,
    );
    assert.equal(result.toBillTiyn, 1_500_000);
    assert.equal(result.toNextTiyn, 500_000);
    assert.equal(result.toNextBillTiyn, 500_000);
    assert.equal(result.toCarriedTiyn, 0);
    assert.deepEqual(result.after, { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 1_000_000, carriedTiyn: 0 });
    assert.deepEqual(allocate(1_500_000, 2_000_000), { toBillTiyn: 1_500_000, toNextTiyn: 500_000 });
  });

  it('pays part of a bill and leaves the rest due', () => {
    const result = allocatePayment(
      { billTiyn: 1_500_000, outstandingTiyn: 0, nextBillTiyn: 1_500_000, carriedTiyn: 0 },
      700_000,
    );
    assert.deepEqual([result.toBillTiyn, result.toNextTiyn], [700_000, 0]);
    assert.deepEqual(result.after, { billTiyn: 800_000, outstandingTiyn: 0, nextBillTiyn: 1_500_000, carriedTiyn: 0 });
  });

  it('nothing due (prepay): everything reduces next month', () => {
    const result = allocatePayment(
      { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 1_200_000, carriedTiyn: 0 },
      500_000,
    );
    assert.deepEqual([result.toBillTiyn, result.toNextTiyn, result.toNextBillTiyn], [0, 500_000, 500_000]);
    assert.equal(result.after.nextBillTiyn, 700_000);
  });

  it('overdue: the outstanding part of the bill is paid before the current month', () => {
    // 8 000 ₸ this month + 10 000 ₸ overdue (2 000 ₸ of it the fine) = 18 000 ₸ due now.
    const result = allocatePayment(
      { billTiyn: 1_800_000, outstandingTiyn: 1_000_000, nextBillTiyn: 800_000, carriedTiyn: 0 },
      500_000,
    );
    assert.deepEqual([result.toBillTiyn, result.toOutstandingTiyn, result.toNextTiyn], [500_000, 500_000, 0]);
    assert.deepEqual(result.after, {
      billTiyn: 1_300_000,
      outstandingTiyn: 500_000,
      nextBillTiyn: 800_000,
      carriedTiyn: 0,
    });
  });

  it('a next bill that would go below zero becomes carried credit', () => {
    const result = allocatePayment(
      { billTiyn: 1_500_000, outstandingTiyn: 0, nextBillTiyn: 1_000_000, carriedTiyn: 0 },
      4_000_000,
    );
    assert.deepEqual(
      [result.toBillTiyn, result.toNextBillTiyn, result.toCarriedTiyn, result.toNextTiyn],
      [1_500_000, 1_000_000, 1_500_000, 2_500_000],
    );
    assert.deepEqual(result.after, { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 1_500_000 });
    assert.equal(netNextBillTiyn(result.after), -1_500_000);
    const again = allocatePayment(result.after, 20_000);
    assert.equal(again.after.carriedTiyn, 1_520_000);
  });

  it('is additive: paying note by note ends where paying the sum at once does', () => {
    const start = { billTiyn: 1_800_000, outstandingTiyn: 1_000_000, nextBillTiyn: 800_000, carriedTiyn: 0 };
    const notesTenge = [5000, 2000, 10000, 200, 500, 1000, 20000, 200];
    let state = start;
    let toBill = 0;
    let toNext = 0;
    for (const tenge of notesTenge) {
      const step = allocatePayment(state, tenge * TENGE);
      toBill += step.toBillTiyn;
      toNext += step.toNextTiyn;
      state = step.after;
    }
    const once = allocatePayment(start, 38_900 * TENGE);
    assert.deepEqual(state, once.after);
    assert.deepEqual([toBill, toNext], [once.toBillTiyn, once.toNextTiyn]);
    assert.deepEqual(once.after, { billTiyn: 0, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 1_290_000 });
  });

  it('refuses amounts that are not whole non-negative tiyn and impossible account states', () => {
    const good = { billTiyn: 100, outstandingTiyn: 0, nextBillTiyn: 0, carriedTiyn: 0 };
    assert.throws(() => allocatePayment(good, -1), /payment/);
    assert.throws(() => allocatePayment(good, 0.5), /payment/);
    assert.throws(() => allocatePayment(good, Number.NaN), /payment/);
    assert.throws(() => allocatePayment({ ...good, outstandingTiyn: 200 }, 1), /state/);
    assert.throws(() => allocatePayment({ ...good, nextBillTiyn: 5, carriedTiyn: 5 }, 1), /state/);
    assert.equal(allocatePayment(good, 0).toBillTiyn, 0);
  });
});
