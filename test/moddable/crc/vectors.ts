// The random buffers both sides of the CRC check make from one seed: the app on Moddable's
// runtime (main.ts, with the board's native Crc port) and the mocha test on Node (with the
// firmware's TypeScript one). xorshift32: the same numbers in any JavaScript engine.
export const CRC_CASES = 400;
export const CRC_SEED = 0x5eed1234;
/** Up to the largest CCNET frame and past a ledger sector's window, in bytes. */
export const CASE_BYTES_MAX = 600;

export interface CrcCase {
  readonly bytes: Uint8Array;
  /** A range inside `bytes`: [start, end). */
  readonly start: number;
  readonly end: number;
  /** Where the CRC-32 of the range is cut in two, the second part continuing the first. */
  readonly cut: number;
}

export class CrcCases {
  #state: number;

  constructor(seed: number = CRC_SEED) {
    this.#state = seed >>> 0 || 1;
  }

  next(): CrcCase {
    const bytes = new Uint8Array(this.#below(CASE_BYTES_MAX + 1));
    for (let index = 0; index < bytes.length; index++) bytes[index] = this.#below(256);
    // Half the ranges start at 0 (a CCNET frame at the front of its buffer), half anywhere.
    const start = this.#below(2) === 0 ? 0 : this.#below(bytes.length + 1);
    const end = start + this.#below(bytes.length - start + 1);
    const cut = start + this.#below(end - start + 1);
    return { bytes, start, end, cut };
  }

  #below(count: number): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state % count;
  }
}
