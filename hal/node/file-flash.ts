// A NOR-flash partition kept in a file, so the ledger survives `npm start` restarts on the
// desk. Same rules as the part and the emulator: erase sets a 4 KiB sector to 0xFF,
// programming only clears bits (a 0 -> 1 program is counted in illegalPrograms, the bits stay
// cleared), no program across a page, bounds checked. Each program and erase is written
// through to the file (and fsync'd unless `durable: false`), so killing the process loses at
// most the operation in flight — as a power cut would.
import fs from 'node:fs';
import path from 'node:path';
import type { FlashGeometry, FlashStatus, NorFlash } from '../ports';
import { checkGeometry, DEFAULT_GEOMETRY, programStatus, rangeInBounds } from '../sim/nor-flash';

export interface FileFlashOptions {
  readonly geometry?: FlashGeometry;
  /** fsync after every program and erase (default true). */
  readonly durable?: boolean;
}

export class FileNorFlash implements NorFlash {
  readonly geometry: FlashGeometry;
  readonly path: string;
  illegalPrograms = 0;
  bytesProgrammed = 0;
  bytesRead = 0;
  readonly #durable: boolean;
  readonly #page: Uint8Array;
  readonly #sector: Uint8Array;
  #fd: number;

  /** Opens the image at `filePath`, creating it erased (all 0xFF) when missing. Throws if its size differs from the geometry. */
  constructor(filePath: string, options: FileFlashOptions = {}) {
    this.geometry = options.geometry ?? DEFAULT_GEOMETRY;
    checkGeometry(this.geometry);
    this.path = filePath;
    this.#durable = options.durable ?? true;
    this.#page = new Uint8Array(this.geometry.pageSizeBytes);
    this.#sector = new Uint8Array(this.geometry.sectorSizeBytes).fill(0xff);
    if (!fs.existsSync(filePath)) {
      fs.mkdirSync(path.dirname(filePath), { recursive: true });
      fs.writeFileSync(filePath, new Uint8Array(this.geometry.sizeBytes).fill(0xff));
    }
    const sizeBytes = fs.statSync(filePath).size;
    if (sizeBytes !== this.geometry.sizeBytes) {
      throw new RangeError(
        `flash image ${filePath} is ${sizeBytes} bytes, the geometry says ${this.geometry.sizeBytes}`,
      );
    }
    this.#fd = fs.openSync(filePath, 'r+');
  }

  read(offsetBytes: number, into: Uint8Array, length: number): FlashStatus {
    if (this.#fd < 0) return 'io';
    if (!rangeInBounds(this.geometry, offsetBytes, length) || length > into.length) return 'bounds';
    if (fs.readSync(this.#fd, into, 0, length, offsetBytes) !== length) return 'io';
    this.bytesRead += length;
    return 'ok';
  }

  program(offsetBytes: number, from: Uint8Array, length: number): FlashStatus {
    if (this.#fd < 0) return 'io';
    const status = programStatus(this.geometry, offsetBytes, length, from.length);
    if (status !== 'ok' || length === 0) return status;
    const cells = this.#page;
    if (fs.readSync(this.#fd, cells, 0, length, offsetBytes) !== length) return 'io';
    for (let index = 0; index < length; index++) {
      if ((from[index] & ~cells[index] & 0xff) !== 0) this.illegalPrograms++;
      cells[index] &= from[index];
    }
    if (fs.writeSync(this.#fd, cells, 0, length, offsetBytes) !== length) return 'io';
    if (this.#durable) fs.fsyncSync(this.#fd);
    this.bytesProgrammed += length;
    return 'ok';
  }

  eraseSector(sectorIndex: number): FlashStatus {
    if (this.#fd < 0) return 'io';
    const sectors = this.geometry.sizeBytes / this.geometry.sectorSizeBytes;
    if (!Number.isInteger(sectorIndex) || sectorIndex < 0 || sectorIndex >= sectors) return 'bounds';
    const length = this.geometry.sectorSizeBytes;
    if (fs.writeSync(this.#fd, this.#sector, 0, length, sectorIndex * length) !== length) return 'io';
    if (this.#durable) fs.fsyncSync(this.#fd);
    return 'ok';
  }

  close(): void {
    if (this.#fd >= 0) fs.closeSync(this.#fd);
    this.#fd = -1;
  }
}
