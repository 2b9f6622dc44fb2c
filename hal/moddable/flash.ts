// NorFlash over ECMA-419 `embedded:storage/flash`, on the "ledger" data partition.
//
// Facts (Moddable docs, Persistent Storage; Moddable's ESP32 flash module): flash.open({path})
// finds a data partition by its label in the partition table; status() gives {size,
// blockLength, blocks}; read(buffer, position) fills the buffer; write(buffer, position)
// programs it; eraseBlock(index) erases one block; every failure throws. On ESP32 these call
// esp_partition_read / write / erase_range, so reads and writes are bounds-checked by ESP-IDF
// against the partition too — the checks here give the firmware status values instead of
// exceptions, and the same answers as the simulator's NorFlashEmulator.
import flash from 'embedded:storage/flash';
import type { Flash } from 'embedded:storage/flash';
import type { FlashGeometry, FlashStatus, NorFlash } from '../ports';

export const LEDGER_PARTITION = 'ledger';
/** The ESP32's SPI NOR erase unit (esp_partition erase_size). */
export const SECTOR_SIZE_BYTES = 4096;
/**
 * SPI NOR page program size. The chip would split a longer write itself, but the ledger's
 * power-cut reasoning assumes one program touches one page, so the adapter holds to the
 * NorFlash contract (a program may not cross a page) exactly as the simulator does.
 */
export const PAGE_SIZE_BYTES = 256;

export class ModdableNorFlash implements NorFlash {
  readonly geometry: FlashGeometry;
  readonly #partition: Flash;
  /** Failures the ESP-IDF reported (thrown by the flash module), for the console. */
  ioErrors = 0;

  constructor(partitionName: string = LEDGER_PARTITION) {
    this.#partition = flash.open({ path: partitionName, mode: 'r+' });
    const status = this.#partition.status();
    if (status.blockLength !== SECTOR_SIZE_BYTES)
      throw new Error(`flash block ${status.blockLength} bytes, expected ${SECTOR_SIZE_BYTES}`);
    if (status.size % SECTOR_SIZE_BYTES !== 0 || status.size === 0)
      throw new Error(`partition ${partitionName}: size ${status.size} is not whole sectors`);
    this.geometry = Object.freeze({
      sizeBytes: status.size,
      sectorSizeBytes: SECTOR_SIZE_BYTES,
      pageSizeBytes: PAGE_SIZE_BYTES,
    });
  }

  read(offsetBytes: number, into: Uint8Array, length: number): FlashStatus {
    if (!this.#inBounds(offsetBytes, length) || length > into.length) return 'bounds';
    if (length === 0) return 'ok';
    try {
      // A view only when the caller reads less than its whole buffer (one small object).
      this.#partition.read(length === into.length ? into : into.subarray(0, length), offsetBytes);
      return 'ok';
    } catch {
      this.ioErrors++;
      return 'io';
    }
  }

  program(offsetBytes: number, from: Uint8Array, length: number): FlashStatus {
    if (!this.#inBounds(offsetBytes, length) || length > from.length) return 'bounds';
    if (length === 0) return 'ok';
    if (Math.floor(offsetBytes / PAGE_SIZE_BYTES) !== Math.floor((offsetBytes + length - 1) / PAGE_SIZE_BYTES))
      return 'alignment';
    try {
      this.#partition.write(length === from.length ? from : from.subarray(0, length), offsetBytes);
      return 'ok';
    } catch {
      this.ioErrors++;
      return 'io';
    }
  }

  eraseSector(sectorIndex: number): FlashStatus {
    const sectorCount = this.geometry.sizeBytes / SECTOR_SIZE_BYTES;
    if (!Number.isInteger(sectorIndex) || sectorIndex < 0 || sectorIndex >= sectorCount) return 'bounds';
    try {
      this.#partition.eraseBlock(sectorIndex);
      return 'ok';
    } catch {
      this.ioErrors++;
      return 'io';
    }
  }

  #inBounds(offsetBytes: number, length: number): boolean {
    return (
      Number.isInteger(offsetBytes) &&
      Number.isInteger(length) &&
      offsetBytes >= 0 &&
      length >= 0 &&
      offsetBytes + length <= this.geometry.sizeBytes
    );
  }
}
