// The world's hands that break things, and the technician's that mend them: each timed fault
// kind is a Poisson process at the seed's rate; per-note faults (jams, a cut while the note is
// inside) are drawn as each note goes in; repairs (a jam cleared, the cassette put back, the
// bank back up) are timers. `stop()` mends everything at once for the settle at the end.
import type { SimBoard } from '../../hal/sim/board';
import { wireNoise } from '../../hal/sim/ccnet-validator';
import type { SimActor } from '../../hal/sim/world';
import type { Dice } from './dice';
import type { DeskMachine } from '../bench/machine';
import type { FaultKind, RunPlan } from './plan';

type TimedFault = keyof RunPlan['meanGapMs'];

const HOUR_MS = 3_600_000;
/** How often the technician looks whether the cassette is full. */
const TECHNICIAN_ROUND_MS = 30_000;
/** CHEATED stands for 600 ms in the simulator; the slot stays shut a little longer. */
const CHEAT_SLOT_SHUT_MS = 1_000;

/** Timers of the world's hands: a technician clearing a jam, the bank coming back. */
export class Timers implements SimActor {
  readonly #due: { atMs: number; run: () => void }[] = [];

  at(atMs: number, run: () => void): void {
    this.#due.push({ atMs, run });
    this.#due.sort((a, b) => a.atMs - b.atMs);
  }

  nextEventMs(): number {
    return this.#due.length === 0 ? Infinity : this.#due[0].atMs;
  }

  step(nowMs: number): void {
    while (this.#due.length > 0 && this.#due[0].atMs <= nowMs) this.#due.shift()!.run();
  }

  clear(): void {
    this.#due.length = 0;
  }
}

export interface InjectorHooks {
  count(kind: FaultKind): void;
  /** After each fault: the run checks the invariants. */
  afterFault(): void;
  /** Before the cassette is emptied (its notes are then gone from the simulator's truth). */
  beforeEmptying(): void;
  /** After a jam was cleared (a stacker jam pushes its note into the cassette). */
  afterJamCleared(): void;
}

export class FaultInjector implements SimActor {
  readonly timers = new Timers();
  readonly #machine: DeskMachine;
  readonly #sim: SimBoard;
  readonly #plan: RunPlan;
  readonly #dice: Dice;
  readonly #hooks: InjectorHooks;
  readonly #nextFaultMs = new Map<TimedFault, number>();
  /** The earliest of #nextFaultMs, kept: the world asks for it on every step. */
  #nextInjectionMs: number;
  #on = true;
  #technicianAtMs = TECHNICIAN_ROUND_MS;
  readonly #wallAtBootMs: number;
  // What was done to the validator that its slot should know about (CustomerHooks.slotOpen).
  #jammed = false;
  #cassetteOut = false;
  #slotShutUntilMs = 0;

  constructor(machine: DeskMachine, plan: RunPlan, dice: Dice, hooks: InjectorHooks) {
    this.#machine = machine;
    this.#sim = machine.sim;
    this.#plan = plan;
    this.#dice = dice;
    this.#hooks = hooks;
    this.#wallAtBootMs = machine.sim.clock.wallAtBootMs;
    for (const kind of Object.keys(plan.meanGapMs) as TimedFault[])
      this.#nextFaultMs.set(kind, dice.exponentialMs(plan.meanGapMs[kind]));
    this.#nextInjectionMs = Math.min(...this.#nextFaultMs.values());
    machine.sim.bankLink!.faults = { ...plan.bankLink };
  }

  /** Whether the validator would draw a note in now, as far as the faults the world made go. */
  slotOpen(): boolean {
    return (
      !this.#jammed &&
      !this.#cassetteOut &&
      this.#sim.clock.nowMs >= this.#slotShutUntilMs &&
      this.#sim.validator.truth.cassetteTenge.length < this.#plan.cassetteCapacityNotes
    );
  }

  nextEventMs(): number {
    return this.#on ? Math.min(this.#nextInjectionMs, this.#technicianAtMs) : Infinity;
  }

  step(nowMs: number): void {
    if (nowMs >= this.#technicianAtMs) this.#technicianRound(nowMs);
    if (nowMs < this.#nextInjectionMs) return;
    for (const [kind, atMs] of this.#nextFaultMs) {
      if (atMs > nowMs) continue;
      this.#nextFaultMs.set(kind, nowMs + this.#dice.exponentialMs(this.#plan.meanGapMs[kind]));
      this.#inject(kind, nowMs);
      this.#hooks.afterFault();
    }
    this.#nextInjectionMs = Math.min(...this.#nextFaultMs.values());
  }

  /** Per-note faults, drawn as a note goes into the slot. */
  beforeNote(): void {
    const nowMs = this.#sim.clock.nowMs;
    const dice = this.#dice;
    const validator = this.#sim.validator;
    if (dice.chance(this.#plan.jamStackProbability)) {
      this.#hooks.count('validator-jam-stack');
      this.#jammed = true;
      validator.jamNextStack();
      this.timers.at(nowMs + dice.between(20_000, 300_000), () => this.#clearJam());
    } else if (dice.chance(this.#plan.jamAcceptProbability)) {
      this.#hooks.count('validator-jam-accept');
      this.#jammed = true;
      validator.jamNextAccept();
      this.timers.at(nowMs + dice.between(20_000, 300_000), () => this.#clearJam());
    }
    if (dice.chance(this.#plan.cutWithNoteProbability)) {
      // While the note is in the head, in escrow or in the stacker: power-up with a bill inside.
      this.timers.at(nowMs + dice.between(0, 1_600), () => {
        if (!this.#machine.poweredOn) return;
        this.#hooks.count('power-cut-with-note');
        this.#machine.powerCut(Math.round(dice.between(300, 20_000)));
        this.#hooks.afterFault();
      });
    }
  }

  /** Everything mended and no more faults: the bank up, clean wires, jams cleared, the cassette in, the clock set. */
  stop(): void {
    this.#on = false;
    this.timers.clear();
    const sim = this.#sim;
    sim.bankLink!.faults = {
      ...sim.bankLink!.faults,
      down: false,
      slowProbability: 0,
      lostReplyProbability: 0,
      duplicateProbability: 0,
      serverErrorProbability: 0,
    };
    for (const end of this.#wireEnds()) end.fault = undefined;
    sim.cardReader.silent = false;
    this.#clearJam();
    sim.validator.insertCassette();
    this.#cassetteOut = false;
    if (Number.isNaN(sim.clock.wallAtBootMs)) sim.clock.wallAtBootMs = this.#wallAtBootMs;
  }

  #inject(kind: TimedFault, nowMs: number): void {
    const sim = this.#sim;
    const dice = this.#dice;
    switch (kind) {
      case 'powerCut':
        if (!this.#machine.poweredOn) return;
        this.#hooks.count('power-cut');
        return this.#machine.powerCut(Math.round(dice.between(300, 60_000)));
      case 'flashCut':
        if (!this.#machine.poweredOn) return;
        this.#hooks.count('flash-cut');
        return this.#machine.armFlashCut(dice.int(0, 40), dice.uint32());
      case 'validatorBusy': {
        this.#hooks.count('validator-busy');
        const busyMs = Math.round(dice.between(200, 5_000));
        this.#slotShutUntilMs = nowMs + busyMs + 1;
        return sim.validator.busyFor(busyMs);
      }
      case 'validatorCheat':
        this.#hooks.count('validator-cheat');
        this.#slotShutUntilMs = nowMs + CHEAT_SLOT_SHUT_MS;
        return sim.validator.cheat();
      case 'wireNoise':
        return this.#wireNoise(nowMs);
      case 'cassetteRemoved':
        this.#hooks.count('cassette-removed');
        sim.validator.removeCassette();
        this.#cassetteOut = true;
        return this.timers.at(nowMs + dice.between(10_000, 180_000), () => {
          sim.validator.insertCassette();
          this.#cassetteOut = false;
        });
      case 'cardReaderFault':
        return this.#cardReaderFault(nowMs);
      case 'bankOutage':
        return this.#bankOutage(nowMs);
      case 'clockJump':
        return this.#clockJump();
    }
  }

  #wireEnds() {
    const sim = this.#sim;
    return [
      sim.validatorLink.deviceEnd,
      sim.validatorLink.boardEnd,
      sim.cardReaderLink.deviceEnd,
      sim.cardReaderLink.boardEnd,
    ];
  }

  /** A burst of flipped and dropped bytes on both cables, both ways. */
  #wireNoise(nowMs: number): void {
    this.#hooks.count('wire-noise');
    const ends = this.#wireEnds();
    for (const end of ends)
      end.fault = wireNoise(this.#dice.uint32(), this.#plan.wireFlipPerByte, this.#plan.wireDropPerByte).fault;
    this.timers.at(nowMs + this.#dice.between(500, 20_000), () => {
      for (const end of ends) end.fault = undefined;
    });
  }

  #cardReaderFault(nowMs: number): void {
    this.#hooks.count('card-reader-fault');
    const reader = this.#sim.cardReader;
    const dice = this.#dice;
    switch (dice.int(0, 4)) {
      case 0:
        return reader.corruptAnswers(dice.int(1, 3));
      case 1:
        return reader.dropCommands(dice.int(1, 3));
      case 2:
        return reader.nakCommands(dice.int(1, 3));
      case 3:
        return reader.sendGarbage(Array.from({ length: dice.int(1, 24) }, () => dice.int(0, 255)));
      default:
        reader.silent = true;
        return this.timers.at(nowMs + dice.between(1_000, 30_000), () => {
          reader.silent = false;
        });
    }
  }

  #bankOutage(nowMs: number): void {
    const link = this.#sim.bankLink!;
    if (link.faults.down) return;
    this.#hooks.count('bank-outage');
    link.faults.down = true;
    // Mostly minutes; now and then hours, long enough to fill the ledger with unsynced records.
    const outageMs = this.#dice.chance(0.1)
      ? this.#dice.between(HOUR_MS, 3 * HOUR_MS)
      : this.#dice.exponentialMs(120_000);
    this.timers.at(nowMs + outageMs, () => {
      link.faults.down = false;
    });
  }

  /** The wall clock jumps up to three days either way, or the RTC loses its time; the firmware's monotonic clock runs on. */
  #clockJump(): void {
    this.#hooks.count('clock-jump');
    const clock = this.#sim.clock;
    const jumpMs = this.#dice.pick([-1, 1]) * this.#dice.between(60_000, 3 * 86_400_000);
    clock.wallAtBootMs = Number.isNaN(clock.wallAtBootMs) ? this.#wallAtBootMs : clock.wallAtBootMs + jumpMs;
    if (this.#dice.chance(0.1)) clock.wallAtBootMs = Number.NaN;
  }

  #clearJam(): void {
    this.#sim.validator.clearJam();
    this.#jammed = false;
    this.#hooks.afterJamCleared();
  }

  /** A full cassette is emptied a while after it filled (a plain swap: no collection in the ledger). */
  #technicianRound(nowMs: number): void {
    this.#technicianAtMs = nowMs + TECHNICIAN_ROUND_MS;
    if (this.#sim.validator.truth.cassetteTenge.length < this.#plan.cassetteCapacityNotes) return;
    this.#hooks.count('cassette-full');
    const emptyAtMs = nowMs + this.#dice.between(60_000, 600_000);
    this.#technicianAtMs = emptyAtMs + TECHNICIAN_ROUND_MS; // one visit at a time
    this.timers.at(emptyAtMs, () => {
      this.#hooks.beforeEmptying();
      this.#sim.validator.emptyCassette();
    });
  }
}
