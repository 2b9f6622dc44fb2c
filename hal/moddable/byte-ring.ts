// A fixed byte ring for the serial adapter (hal/moddable/serial.ts). No Moddable imports, so
// the Node suite tests it directly (test/node/moddable-build.test.ts).

export const RING_BYTES_MAX = 8192;

/** A fixed byte ring (single producer, single consumer, one JavaScript thread). */
export class ByteRing {
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  #head = 0;
  #tail = 0;

  constructor(capacityBytes: number) {
    if (!(capacityBytes >= 16 && capacityBytes <= RING_BYTES_MAX && (capacityBytes & (capacityBytes - 1)) === 0)) {
      throw new Error(`ring size ${capacityBytes} must be a power of two in 16..${RING_BYTES_MAX}`);
    }
    this.#bytes = new Uint8Array(capacityBytes);
    this.#mask = capacityBytes - 1;
  }

  get usedBytes(): number {
    return this.#head - this.#tail;
  }

  get freeBytes(): number {
    return this.#bytes.length - this.usedBytes;
  }

  /** Appends from[0..length) if all of it fits; false (and nothing written) otherwise. */
  push(from: Uint8Array, length: number): boolean {
    if (length > this.freeBytes) return false;
    for (let index = 0; index < length; index++) this.#bytes[(this.#head + index) & this.#mask] = from[index];
    this.#head += length;
    return true;
  }

  /** Moves up to into.length (or `limit`) bytes out into `into` from index 0; returns the count. */
  pop(into: Uint8Array, limit: number = into.length): number {
    const count = Math.min(limit, into.length, this.usedBytes);
    for (let index = 0; index < count; index++) into[index] = this.#bytes[(this.#tail + index) & this.#mask];
    this.#tail += count;
    if (this.#tail === this.#head) {
      this.#head = 0; // keep the counters small; empty ring, so this changes no byte's place
      this.#tail = 0;
    }
    return count;
  }
}
