import { assert } from '../assert';

/** Tenge banknotes in circulation (../shared/reference/kazakhstan.md), old and new designs alike. */
export const DENOMINATIONS_TENGE = Object.freeze([200, 500, 1000, 2000, 5000, 10000, 20000] as const);

/** What the cassette holds since the last collection, by denomination, as the ledger says. */
export class CassetteCount {
  readonly #notesByDenomination = new Map<number, number>();
  notes = 0;
  amountTiyn = 0;
  /** Notes whose fate a power cut left unknown (doubt records): counted apart, to reconcile. */
  doubtfulNotes = 0;

  add(denominationTenge: number): void {
    assert(DENOMINATIONS_TENGE.includes(denominationTenge as never), `not a tenge banknote: ${denominationTenge}`);
    this.#notesByDenomination.set(denominationTenge, (this.#notesByDenomination.get(denominationTenge) ?? 0) + 1);
    this.notes += 1;
    this.amountTiyn += denominationTenge * 100;
  }

  addDoubt(): void {
    this.doubtfulNotes += 1;
  }

  notesOf(denominationTenge: number): number {
    return this.#notesByDenomination.get(denominationTenge) ?? 0;
  }

  reset(): void {
    this.#notesByDenomination.clear();
    this.notes = 0;
    this.amountTiyn = 0;
    this.doubtfulNotes = 0;
  }
}
