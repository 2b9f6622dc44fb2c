import type { FlashGeometry, FlashStatus, NorFlash } from '../ports';

export const DEFAULT_GEOMETRY: FlashGeometry = Object.freeze({ sizeBytes: 64 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 });

/**
 * NOR flash in memory: erase sets 0xFF, programming only clears bits, a program may not
 * cross a page. A program that would set a bit (0 -> 1) is a firmware bug: it is counted in
 * `illegalPrograms` and the bits stay cleared, as on the real part.
 */
export class NorFlashEmulator implements NorFlash {
  readonly geometry: FlashGeometry;
  readonly bytes: Uint8Array;
  readonly erasesPerSector: Uint32Array;
  bytesProgrammed = 0;
  programOperations = 0;
  illegalPrograms = 0;

  constructor(geometry: FlashGeometry = DEFAULT_GEOMETRY, image?: Uint8Array) {
    if (geometry.sizeBytes % geometry.sectorSizeBytes !== 0 || geometry.sectorSizeBytes % geometry.pageSizeBytes !== 0) {
      throw new RangeError('flash geometry: size must be whole sectors, sectors whole pages');
    }
    this.geometry = geometry;
    this.bytes = image ?? new Uint8Array(geometry.sizeBytes).fill(0xff);
    if (this.bytes.length !== geometry.sizeBytes) throw new RangeError('flash image size differs from geometry');
    this.erasesPerSector = new Uint32Array(geometry.sizeBytes / geometry.sectorSizeBytes);
  }

  read(offsetBytes: number, into: Uint8Array, length: number): FlashStatus {
    if (!this.#inBounds(offsetBytes, length) || length > into.length) return 'bounds';
    for (let index = 0; index < length; index++) into[index] = this.bytes[offsetBytes + index];
    return 'ok';
  }

  program(offsetBytes: number, from: Uint8Array, length: number): FlashStatus {
    if (!this.#inBounds(offsetBytes, length) || length > from.length) return 'bounds';
    const pageSize = this.geometry.pageSizeBytes;
    if (length > 0 && Math.floor(offsetBytes / pageSize) !== Math.floor((offsetBytes + length - 1) / pageSize)) return 'alignment';
    for (let index = 0; index < length; index++) {
      const old = this.bytes[offsetBytes + index];
      if ((from[index] & ~old & 0xff) !== 0) this.illegalPrograms++;
      this.bytes[offsetBytes + index] = old & from[index];
    }
    this.bytesProgrammed += length;
    this.programOperations++;
    return 'ok';
  }

  eraseSector(sectorIndex: number): FlashStatus {
    if (!Number.isInteger(sectorIndex) || sectorIndex < 0 || sectorIndex >= this.erasesPerSector.length) return 'bounds';
    const start = sectorIndex * this.geometry.sectorSizeBytes;
    this.bytes.fill(0xff, start, start + this.geometry.sectorSizeBytes);
    this.erasesPerSector[sectorIndex]++;
    return 'ok';
  }

  #inBounds(offsetBytes: number, length: number): boolean {
    return Number.isInteger(offsetBytes) && Number.isInteger(length) && offsetBytes >= 0 && length >= 0 && offsetBytes + length <= this.geometry.sizeBytes;
  }
}
