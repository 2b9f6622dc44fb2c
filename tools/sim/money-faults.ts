// The money path's harder faults (issue 15), each from the seed: the bank's deposits endpoint
// down for long while authorisation still works (customers keep paying, the ledger fills: on a
// small ledger it fills within a run, with notes in flight); a bank that acknowledges beyond
// the batch it got, or names another ATM; the board's request cap, or a smaller one; the
// controller alone restarting while a note is stacking; a bill table with entries that are no
// tenge note, and a faulty validator that stacks such a bill. Kept apart from injector.ts, with
// dice of their own, so that adding them changed no other fault of an existing seed.
import type { BankHandler } from '../../hal/sim/bank-link';
import { TENGE_BILL_TABLE, type BillTableEntry } from '../../hal/sim/ccnet-validator';
import type { SimActor } from '../../hal/sim/world';
import { STATE_STACKING } from '../../src/cash/ccnet-codec';
import type { Dice } from './dice';
import type { Timers } from './injector';
import type { DeskMachine } from '../bench/machine';
import type { FaultKind, MoneyFaultsPlan } from './plan';

/** The bill types of the foreign entries: the hole in the tenge table, and one past it. */
export const KZT_100_TYPE = 7;
export const USD_100_TYPE = 13;
/** A tenge table with a "KZT 100" entry (no such banknote) and a US dollar one. */
export const TABLE_WITH_FOREIGN_ENTRIES: readonly BillTableEntry[] = Object.freeze([
  ...TENGE_BILL_TABLE,
  { billType: KZT_100_TYPE, digits: 1, exponent: 2, country: 'KZT', design: 'old' },
  { billType: USD_100_TYPE, digits: 1, exponent: 2, country: 'USD', design: 'old' },
]);
/** The ATM a lying reply names. */
const OTHER_ATM_ID = 'KRA-9999';
/** How long after a note goes in the hand on the reset line watches for it to be stacking. */
const STACKING_WATCH_MS = 4_000;
const STACKING_WATCH_STEP_MS = 25;
/** A note stacks for 500 ms in the simulator: the restart falls anywhere in it. */
const INTO_STACKING_MS_MAX = 450;
const CONTROLLER_OFF_MS_MAX = 1_500;
/** A bill stacked unasked: 500 ms in the stacker, then the next POLL (150 ms) and the session's tick. */
const FOREIGN_BILL_REPORTED_MS = 2_000;

export interface MoneyFaultHooks {
  count(kind: FaultKind): void;
  afterFault(): void;
}

export class MoneyFaults implements SimActor {
  readonly #machine: DeskMachine;
  readonly #plan: MoneyFaultsPlan;
  readonly #dice: Dice;
  readonly #hooks: MoneyFaultHooks;
  readonly #timers: Timers;
  #on = true;
  #depositsDown = false;
  #nextOutageMs: number;
  #nextForeignBillMs: number;
  #lastForeignBillMs = -Infinity;
  /** Bills of no tenge value the faulty validator stacked unasked. */
  foreignBillsStacked = 0;

  constructor(machine: DeskMachine, plan: MoneyFaultsPlan, dice: Dice, timers: Timers, hooks: MoneyFaultHooks) {
    this.#machine = machine;
    this.#plan = plan;
    this.#dice = dice;
    this.#timers = timers;
    this.#hooks = hooks;
    machine.sim.bankLink!.requestBodyBytesMax = plan.requestBodyBytesMax;
    this.#nextOutageMs = dice.exponentialMs(plan.depositsOutageMeanGapMs);
    this.#nextForeignBillMs = dice.exponentialMs(plan.foreignBillMeanGapMs);
  }

  /** The bank as the link reaches it: its deposits endpoint down during an outage, and some replies lying. */
  bank(handler: BankHandler): BankHandler {
    return (request) => {
      if (request.path !== '/v1/deposits') return handler(request);
      if (this.#depositsDown) return { status: 503, body: '{"error":"deposits unavailable"}' };
      const reply = handler(request);
      if (!this.#on || reply.status !== 200) return reply;
      const ackedSequence = (JSON.parse(reply.body) as { ackedSequence: number }).ackedSequence;
      if (this.#dice.chance(this.#plan.lyingAckProbability)) {
        this.#hooks.count('lying-ack');
        return { status: 200, body: JSON.stringify({ ackedSequence: ackedSequence + this.#dice.int(1, 40) }) };
      }
      if (this.#dice.chance(this.#plan.otherAtmAckProbability)) {
        this.#hooks.count('other-atm-ack');
        return { status: 200, body: JSON.stringify({ atmId: OTHER_ATM_ID, ackedSequence }) };
      }
      return reply;
    };
  }

  nextEventMs(): number {
    return this.#on ? Math.min(this.#nextOutageMs, this.#nextForeignBillMs) : Infinity;
  }

  step(nowMs: number): void {
    if (nowMs >= this.#nextOutageMs) {
      this.#nextOutageMs = nowMs + this.#dice.exponentialMs(this.#plan.depositsOutageMeanGapMs);
      this.#depositsOutage(nowMs);
    }
    if (nowMs >= this.#nextForeignBillMs) {
      this.#nextForeignBillMs = nowMs + this.#dice.exponentialMs(this.#plan.foreignBillMeanGapMs);
      // The faulty device stacks a bill of a foreign entry, unasked, when it is not busy with a note.
      if (
        this.#machine.poweredOn &&
        this.#machine.sim.validator.stackUnasked(this.#dice.pick([KZT_100_TYPE, USD_100_TYPE]))
      ) {
        this.#lastForeignBillMs = nowMs;
        this.foreignBillsStacked += 1;
        this.#hooks.count('foreign-bill-stacked');
        this.#hooks.afterFault();
      }
    }
  }

  /** A bill stacked unasked lands and is reported within a couple of poll periods; until then the firmware cannot know it. */
  unreported(): boolean {
    return this.#machine.sim.clock.nowMs - this.#lastForeignBillMs < FOREIGN_BILL_REPORTED_MS;
  }

  /** Per note as it goes in: perhaps the controller alone restarts while the validator stacks it. */
  beforeNote(): void {
    if (!this.#on || !this.#dice.chance(this.#plan.restartWhileStackingProbability)) return;
    const nowMs = this.#machine.sim.clock.nowMs;
    const intoStackingMs = this.#dice.int(0, INTO_STACKING_MS_MAX);
    const offMs = this.#dice.int(0, CONTROLLER_OFF_MS_MAX);
    const untilMs = nowMs + STACKING_WATCH_MS;
    const watch = (): void => {
      const now = this.#machine.sim.clock.nowMs;
      if (this.#machine.sim.validator.state !== STATE_STACKING) {
        if (now < untilMs) this.#timers.at(now + STACKING_WATCH_STEP_MS, watch);
        return;
      }
      this.#timers.at(now + intoStackingMs, () => {
        if (!this.#on || !this.#machine.poweredOn) return;
        this.#hooks.count('restart-while-stacking');
        this.#machine.restartController(offMs);
        this.#hooks.afterFault();
      });
    };
    this.#timers.at(nowMs + STACKING_WATCH_STEP_MS, watch);
  }

  /** No more faults: the deposits endpoint is back, replies are honest. */
  stop(): void {
    this.#on = false;
    this.#depositsDown = false;
  }

  #depositsOutage(nowMs: number): void {
    if (this.#depositsDown) return;
    this.#hooks.count('deposits-outage');
    this.#depositsDown = true;
    const outageMs = this.#dice.between(this.#plan.depositsOutageMsMin, this.#plan.depositsOutageMsMax);
    this.#timers.at(nowMs + outageMs, () => {
      this.#depositsDown = false;
    });
  }
}
