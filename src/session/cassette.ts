import type { Settings } from '../../hal/ports';
import { assert } from '../assert';
import { DENOMINATIONS_TENGE, isDenomination } from '../domain';

/** Where the count's checkpoint lives (Settings keys are at most 15 characters). */
export const CASSETTE_CHECKPOINT_SETTING = 'cas.count';

/**
 * What the cassette holds since the last collection, by denomination, as the ledger says.
 * Each change names the ledger record behind it; with a Settings store the count is
 * checkpointed there, so a restart after the ring has reclaimed the sector holding older notes
 * (acknowledged by the bank, still in the cassette) starts from the checkpoint and adds only
 * the records after it (found by npm run sim -- --seed 1002 --hours 3).
 */
export class CassetteCount {
  readonly #notesByDenomination = new Map<number, number>();
  readonly #settings: Settings | undefined;
  notes = 0;
  amountTiyn = 0;
  /** Notes whose fate a power cut left unknown (doubt records): counted apart, to reconcile. */
  doubtfulNotes = 0;
  /** The last ledger sequence this count includes. */
  throughSequence = 0;

  constructor(settings?: Settings) {
    this.#settings = settings;
  }

  add(denominationTenge: number, sequence: number): void {
    assert(isDenomination(denominationTenge), `not a tenge banknote: ${denominationTenge}`);
    this.#notesByDenomination.set(denominationTenge, (this.#notesByDenomination.get(denominationTenge) ?? 0) + 1);
    this.notes += 1;
    this.amountTiyn += denominationTenge * 100;
    this.#through(sequence);
  }

  addDoubt(sequence: number): void {
    this.doubtfulNotes += 1;
    this.#through(sequence);
  }

  notesOf(denominationTenge: number): number {
    return this.#notesByDenomination.get(denominationTenge) ?? 0;
  }

  /** A collection (the cassette-collected record at `sequence`) empties the count. */
  reset(sequence: number): void {
    this.#clear();
    this.#through(sequence);
  }

  /** Loads the checkpoint; false (and an empty count) when there is none or it is not readable. */
  restore(): boolean {
    this.#clear();
    const text = this.#settings?.get(CASSETTE_CHECKPOINT_SETTING);
    const parts = text?.split(' ') ?? [];
    const counts = parts[2]?.split(',').map(Number) ?? [];
    const numbers = [Number(parts[0]), Number(parts[1]), ...counts];
    if (
      parts.length !== 3 ||
      counts.length !== DENOMINATIONS_TENGE.length ||
      !numbers.every((n) => Number.isSafeInteger(n) && n >= 0)
    )
      return false;
    DENOMINATIONS_TENGE.forEach((denominationTenge, index) => {
      if (counts[index] === 0) return;
      this.#notesByDenomination.set(denominationTenge, counts[index]);
      this.notes += counts[index];
      this.amountTiyn += counts[index] * denominationTenge * 100;
    });
    this.doubtfulNotes = numbers[1];
    this.throughSequence = numbers[0];
    return true;
  }

  #clear(): void {
    this.#notesByDenomination.clear();
    this.notes = 0;
    this.amountTiyn = 0;
    this.doubtfulNotes = 0;
    this.throughSequence = 0;
  }

  #through(sequence: number): void {
    this.throughSequence = sequence;
    if (this.#settings === undefined) return;
    // After every note: a plain loop, no array made and joined.
    let counts = '';
    for (let index = 0; index < DENOMINATIONS_TENGE.length; index++) {
      counts += `${index === 0 ? '' : ','}${this.#notesByDenomination.get(DENOMINATIONS_TENGE[index]) ?? 0}`;
    }
    this.#settings.set(CASSETTE_CHECKPOINT_SETTING, `${sequence} ${this.doubtfulNotes} ${counts}`);
  }
}
