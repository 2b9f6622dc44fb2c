import type { FlashGeometry, FlashStatus, NorFlash } from '../ports';
import { SeededRandom } from './peripherals';
import type { VirtualClock } from './world';

export const DEFAULT_GEOMETRY: FlashGeometry = Object.freeze({
  sizeBytes: 64 * 1024,
  sectorSizeBytes: 4096,
  pageSizeBytes: 256,
});

/** Typical SPI NOR timings (e.g. a W25Q32 datasheet: page program 0.4 ms typ., 4 KiB sector erase 45 ms typ.). */
export const TYPICAL_TIMINGS: FlashTimings = Object.freeze({ pageProgramMs: 0.4, sectorEraseMs: 45 });

export interface FlashTimings {
  readonly pageProgramMs: number;
  readonly sectorEraseMs: number;
}

export interface NorFlashEmulatorOptions {
  /** When given, every program and erase advances this virtual clock by its typical duration. */
  readonly clock?: VirtualClock;
  readonly timings?: FlashTimings;
}

/** What a power cut did to the operation it interrupted. */
export type ProgramDamage = 'dropped' | 'torn-prefix' | 'torn-bits' | 'weak';
export type EraseDamage = 'dropped' | 'mixed' | 'weak-mixed';

export interface PowerCutReport {
  readonly operationIndex: number;
  readonly operation: 'program' | 'erase';
  readonly damage: ProgramDamage | EraseDamage;
  /** For a program: the first flash offset it touched; for an erase: the sector. */
  readonly where: number;
}

/** The operation the emulator is about to perform, handed to `beforeOperation` (for forking a cut). */
export interface FlashOperation {
  readonly index: number;
  readonly kind: 'program' | 'erase';
  readonly offsetBytes: number;
  readonly sectorIndex: number;
  readonly bytes: Uint8Array;
  readonly length: number;
}

const PROGRAM_DAMAGES: readonly ProgramDamage[] = Object.freeze(['dropped', 'torn-prefix', 'torn-bits', 'weak']);
const ERASE_DAMAGES: readonly EraseDamage[] = Object.freeze(['dropped', 'mixed', 'weak-mixed']);

/** Checks shared by every NorFlash implementation: whole-number, in-range, within one page. */
export function programStatus(
  geometry: FlashGeometry,
  offsetBytes: number,
  length: number,
  sourceLength: number,
): FlashStatus {
  if (!rangeInBounds(geometry, offsetBytes, length) || length > sourceLength) return 'bounds';
  const pageSize = geometry.pageSizeBytes;
  if (length > 0 && Math.floor(offsetBytes / pageSize) !== Math.floor((offsetBytes + length - 1) / pageSize))
    return 'alignment';
  return 'ok';
}

export function rangeInBounds(geometry: FlashGeometry, offsetBytes: number, length: number): boolean {
  return (
    Number.isInteger(offsetBytes) &&
    Number.isInteger(length) &&
    offsetBytes >= 0 &&
    length >= 0 &&
    offsetBytes + length <= geometry.sizeBytes
  );
}

export function checkGeometry(geometry: FlashGeometry): void {
  if (geometry.sizeBytes % geometry.sectorSizeBytes !== 0 || geometry.sectorSizeBytes % geometry.pageSizeBytes !== 0) {
    throw new RangeError('flash geometry: size must be whole sectors, sectors whole pages');
  }
}

/**
 * NOR flash in memory: erase sets 0xFF, programming only clears bits, a program may not
 * cross a page. A program that would set a bit (0 -> 1) is a firmware bug: it is counted in
 * `illegalPrograms` and the bits stay cleared, as on the real part.
 *
 * Power cuts: `schedulePowerCut(n, seed)` lets n more program/erase operations complete, then
 * damages the next one as a cut would (seeded) and turns the power off: every later call
 * answers 'io' until `restorePower()`. A program may be dropped, torn after a prefix, leave a
 * random subset of the bits it meant to clear, or leave them weak; an erase may be dropped or
 * leave a mix of old bytes, 0xFF and partly erased bytes. Weak bits read as a fresh random
 * value on every read until their sector is erased or a program clears them for good.
 */
export class NorFlashEmulator implements NorFlash {
  readonly geometry: FlashGeometry;
  readonly bytes: Uint8Array;
  /** Bits that a cut left half-programmed or half-erased: stored as 1, read as random. */
  readonly weakBits: Uint8Array;
  readonly erasesPerSector: Uint32Array;
  bytesProgrammed = 0;
  programOperations = 0;
  illegalPrograms = 0;
  bytesRead = 0;
  readOperations = 0;
  /** Program and erase operations attempted with valid arguments (the power-cut counter). */
  operations = 0;
  /** Virtual time the part spent busy. */
  busyMs = 0;
  powered = true;
  lastCut: PowerCutReport | undefined = undefined;
  /** Called before each valid program/erase, with the operation about to run (for torture forks). */
  beforeOperation: ((operation: FlashOperation) => void) | undefined = undefined;
  readonly #clock: VirtualClock | undefined;
  readonly #timings: FlashTimings;
  #cutAtOperation = Infinity;
  #damage = new SeededRandom(1);
  /** Separate from the damage stream so reads do not change what the next cut does. */
  #weakReads = new SeededRandom(2);
  #weakCount = 0;

  constructor(geometry: FlashGeometry = DEFAULT_GEOMETRY, image?: Uint8Array, options: NorFlashEmulatorOptions = {}) {
    checkGeometry(geometry);
    this.geometry = geometry;
    this.bytes = image ?? new Uint8Array(geometry.sizeBytes).fill(0xff);
    if (this.bytes.length !== geometry.sizeBytes) throw new RangeError('flash image size differs from geometry');
    this.weakBits = new Uint8Array(geometry.sizeBytes);
    this.erasesPerSector = new Uint32Array(geometry.sizeBytes / geometry.sectorSizeBytes);
    this.#clock = options.clock;
    this.#timings = options.timings ?? TYPICAL_TIMINGS;
  }

  get totalErases(): number {
    let total = 0;
    for (const count of this.erasesPerSector) total += count;
    return total;
  }

  /** A copy of the part as it is now (bytes, weak bits, counters reset), for forking a power cut. */
  snapshot(): NorFlashEmulator {
    const copy = new NorFlashEmulator(this.geometry, this.bytes.slice());
    copy.weakBits.set(this.weakBits);
    copy.#weakCount = this.#weakCount;
    copy.erasesPerSector.set(this.erasesPerSector);
    return copy;
  }

  /** Lets `operationsFirst` more operations complete, then cuts power during the next one. */
  schedulePowerCut(operationsFirst: number, seed: number): void {
    if (!Number.isInteger(operationsFirst) || operationsFirst < 0)
      throw new RangeError('operationsFirst must be a whole number');
    this.#cutAtOperation = this.operations + operationsFirst;
    this.#damage = new SeededRandom(seed);
    this.#weakReads = new SeededRandom(seed ^ 0x5bd1e995);
  }

  cancelPowerCut(): void {
    this.#cutAtOperation = Infinity;
  }

  restorePower(): void {
    this.powered = true;
    this.#cutAtOperation = Infinity;
  }

  read(offsetBytes: number, into: Uint8Array, length: number): FlashStatus {
    if (!this.powered) return 'io';
    if (!rangeInBounds(this.geometry, offsetBytes, length) || length > into.length) return 'bounds';
    for (let index = 0; index < length; index++) into[index] = this.bytes[offsetBytes + index];
    if (this.#weakCount > 0) {
      for (let index = 0; index < length; index++) {
        const weak = this.weakBits[offsetBytes + index];
        if (weak !== 0) into[index] &= ~(weak & this.#weakReads.nextUint32()) & 0xff;
      }
    }
    this.bytesRead += length;
    this.readOperations++;
    return 'ok';
  }

  program(offsetBytes: number, from: Uint8Array, length: number): FlashStatus {
    if (!this.powered) return 'io';
    const status = programStatus(this.geometry, offsetBytes, length, from.length);
    if (status !== 'ok') return status;
    this.beforeOperation?.({
      index: this.operations,
      kind: 'program',
      offsetBytes,
      sectorIndex: -1,
      bytes: from,
      length,
    });
    if (this.operations++ === this.#cutAtOperation) {
      this.#cutProgram(offsetBytes, from, length);
      return 'io';
    }
    for (let index = 0; index < length; index++) this.#programByte(offsetBytes + index, from[index], 0xff);
    this.bytesProgrammed += length;
    this.programOperations++;
    this.#spend(this.#timings.pageProgramMs);
    return 'ok';
  }

  eraseSector(sectorIndex: number): FlashStatus {
    if (!this.powered) return 'io';
    if (!Number.isInteger(sectorIndex) || sectorIndex < 0 || sectorIndex >= this.erasesPerSector.length)
      return 'bounds';
    this.beforeOperation?.({
      index: this.operations,
      kind: 'erase',
      offsetBytes: sectorIndex * this.geometry.sectorSizeBytes,
      sectorIndex,
      bytes: new Uint8Array(0),
      length: 0,
    });
    this.erasesPerSector[sectorIndex]++;
    if (this.operations++ === this.#cutAtOperation) {
      this.#cutErase(sectorIndex);
      return 'io';
    }
    const start = sectorIndex * this.geometry.sectorSizeBytes;
    this.bytes.fill(0xff, start, start + this.geometry.sectorSizeBytes);
    this.#clearWeak(start, start + this.geometry.sectorSizeBytes);
    this.#spend(this.#timings.sectorEraseMs);
    return 'ok';
  }

  /** Clears in the cell the bits of `value` that `mask` selects; counts an attempt to set a bit. */
  #programByte(offset: number, value: number, mask: number): void {
    const old = this.bytes[offset];
    const weak = this.weakBits[offset];
    // A weak bit is stored as 1: asking for 1 there is not an illegal 0 -> 1 program.
    if ((value & ~old & mask & 0xff) !== 0) this.illegalPrograms++;
    const cleared = ~value & mask & 0xff;
    this.bytes[offset] = old & ~cleared;
    if (weak !== 0) {
      // Programming a weak bit to 0 settles it for good.
      this.weakBits[offset] = weak & ~cleared;
      if (this.weakBits[offset] === 0) this.#weakCount--;
    }
  }

  #cutProgram(offsetBytes: number, from: Uint8Array, length: number): void {
    const damage = PROGRAM_DAMAGES[this.#damage.nextUint32() % PROGRAM_DAMAGES.length];
    this.powered = false;
    this.lastCut = { operationIndex: this.operations - 1, operation: 'program', damage, where: offsetBytes };
    if (damage === 'dropped' || length === 0) return;
    const prefix = this.#damage.nextUint32() % length;
    for (let index = 0; index < prefix; index++) this.#programByte(offsetBytes + index, from[index], 0xff);
    // The bytes being written when the power went: some of their bits cleared (or weak).
    const tornEnd = Math.min(length, prefix + 1 + (this.#damage.nextUint32() % 4));
    for (let index = prefix; index < tornEnd; index++) {
      const offset = offsetBytes + index;
      const wanted = ~from[index] & this.bytes[offset] & 0xff;
      const subset = wanted & this.#damage.nextUint32();
      if (damage === 'torn-prefix') continue;
      if (damage === 'torn-bits') {
        this.#programByte(offset, ~subset & 0xff, 0xff);
      } else {
        this.#programByte(offset, ~subset & 0xff, 0xff);
        this.#makeWeak(offset, wanted & ~subset);
      }
    }
  }

  #cutErase(sectorIndex: number): void {
    const damage = ERASE_DAMAGES[this.#damage.nextUint32() % ERASE_DAMAGES.length];
    this.powered = false;
    this.lastCut = { operationIndex: this.operations - 1, operation: 'erase', damage, where: sectorIndex };
    if (damage === 'dropped') return;
    const start = sectorIndex * this.geometry.sectorSizeBytes;
    for (let offset = start; offset < start + this.geometry.sectorSizeBytes; offset++) {
      const choice = this.#damage.nextUint32() % 4;
      if (choice === 0) continue; // old data
      if (choice === 1) {
        this.bytes[offset] = 0xff;
        if (this.weakBits[offset] !== 0) this.#weakCount--;
        this.weakBits[offset] = 0;
        continue;
      }
      // Partly erased: some cleared bits come back to 1, some (weak-mixed) float.
      const clearedBits = ~this.bytes[offset] & 0xff;
      const restored = clearedBits & this.#damage.nextUint32();
      this.bytes[offset] |= restored;
      if (damage === 'weak-mixed') this.#makeWeak(offset, clearedBits & ~restored & this.#damage.nextUint32());
    }
  }

  #makeWeak(offset: number, bits: number): void {
    if (bits === 0) return;
    if (this.weakBits[offset] === 0) this.#weakCount++;
    this.weakBits[offset] |= bits;
    this.bytes[offset] |= bits;
  }

  #clearWeak(start: number, end: number): void {
    if (this.#weakCount === 0) return;
    for (let offset = start; offset < end; offset++) {
      if (this.weakBits[offset] !== 0) {
        this.weakBits[offset] = 0;
        this.#weakCount--;
      }
    }
  }

  #spend(durationMs: number): void {
    this.busyMs += durationMs;
    if (this.#clock !== undefined) this.#clock.nowMs += durationMs;
  }
}
