// Every random choice of a simulation run comes from here, and every Dice from the run's one
// seed (SeededRandom: xorshift32, the simulated board's own generator) — never Math.random —
// so `npm run sim -- --seed S` replays a run decision for decision.
import { SeededRandom } from '../../hal/sim/peripherals';

const UINT32_RANGE = 0x1_0000_0000;

export class Dice {
  readonly #random: SeededRandom;

  constructor(seed: number) {
    this.#random = new SeededRandom(seed);
  }

  /** A fresh, independent stream for one part of the run (a new part never shifts another's draws). */
  fork(salt: number): Dice {
    return new Dice((this.#random.nextUint32() ^ Math.imul(salt, 0x9e3779b1)) | 0);
  }

  /** Uniform in [0, 1). */
  unit(): number {
    return this.#random.nextUint32() / UINT32_RANGE;
  }

  uint32(): number {
    return this.#random.nextUint32();
  }

  chance(probability: number): boolean {
    return probability > 0 && this.unit() < probability;
  }

  /** An integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.unit() * (high - low + 1));
  }

  /** A number in [low, high). */
  between(low: number, high: number): number {
    return low + this.unit() * (high - low);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.unit() * items.length)];
  }

  /** Picks by weight: `weighted([[3, 'a'], [1, 'b']])` gives 'a' three times as often. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [weight] of choices) total += weight;
    let roll = this.unit() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][1];
  }

  /** Waiting time of a Poisson process with `meanMs` between events (Infinity when the mean is). */
  exponentialMs(meanMs: number): number {
    if (!Number.isFinite(meanMs)) return Infinity;
    return Math.max(1, Math.round(-Math.log(1 - this.unit()) * meanMs));
  }
}
