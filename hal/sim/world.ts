import type { Clock, Ticker } from '../ports';

/** Something in the simulated world that acts at times of its own. */
export interface SimActor {
  /** The next virtual time at which `step` has work, or Infinity. */
  nextEventMs(): number;
  step(nowMs: number): void;
}

/** Virtual time: advances only when the world runs, so an hour takes what the work takes. */
export class VirtualClock implements Clock {
  nowMs = 0;
  /** Wall time at boot (UTC ms), or NaN for a board whose clock is not yet set. */
  wallAtBootMs: number;

  constructor(wallAtBootMs = Date.UTC(2026, 10, 25, 7, 0, 0)) {
    this.wallAtBootMs = wallAtBootMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  wallMs(): number {
    return this.wallAtBootMs + this.nowMs;
  }
}

export class SimTicker implements Ticker, SimActor {
  #periodMs = 0;
  #nextMs = Infinity;
  #onTick: (() => void) | undefined = undefined;

  start(periodMs: number, onTick: () => void): void {
    this.#periodMs = periodMs;
    this.#onTick = onTick;
    this.#nextMs = 0;
  }

  stop(): void {
    this.#onTick = undefined;
    this.#nextMs = Infinity;
  }

  nextEventMs(): number {
    return this.#nextMs;
  }

  step(nowMs: number): void {
    if (this.#onTick === undefined || nowMs < this.#nextMs) return;
    this.#nextMs = nowMs + this.#periodMs;
    this.#onTick();
  }
}

/** Runs the actors in virtual time, jumping from one event to the next. */
export class SimWorld {
  readonly clock: VirtualClock;
  readonly #actors: SimActor[] = [];

  constructor(clock: VirtualClock) {
    this.clock = clock;
  }

  add(actor: SimActor): void {
    this.#actors.push(actor);
  }

  runFor(durationMs: number): void {
    this.runUntil(() => false, durationMs);
  }

  /** Runs until `done()` holds after a step, or `limitMs` of virtual time pass; returns whether done. */
  runUntil(done: () => boolean, limitMs: number): boolean {
    const endMs = this.clock.nowMs + limitMs;
    for (;;) {
      let nextMs = Infinity;
      for (const actor of this.#actors) nextMs = Math.min(nextMs, actor.nextEventMs());
      if (nextMs > endMs) {
        // A step may itself have used time past the end (a stalled task): never go back.
        this.clock.nowMs = Math.max(this.clock.nowMs, endMs);
        return done();
      }
      if (nextMs > this.clock.nowMs) this.clock.nowMs = nextMs;
      for (const actor of this.#actors) {
        if (actor.nextEventMs() <= this.clock.nowMs) actor.step(this.clock.nowMs);
      }
      if (done()) return true;
    }
  }
}
