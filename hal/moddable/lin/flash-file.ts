// `embedded:storage/flash` for the Linux board: the SDK has no flash module on Linux, so this
// stands in for it with a file, speaking the same API the ESP32 module speaks (open({path}),
// status(), read(buffer, offset), write(buffer, offset), eraseBlock(block)) so the board's
// unchanged ModdableNorFlash adapter runs on top of it. The file behaves as NOR does: a new
// partition is all 0xFF, a write only clears bits (old AND new), an erase sets a 4 KiB block
// back to 0xFF. Partitions are files named <linuxRunDirectory>/<path>.flash of
// config.ledgerSizeBytes; like the ESP32 module, every failure throws.
import config from 'mc/config';
import { File } from 'file';

export const BLOCK_BYTES = 4096;

export class Flash {
  readonly #file: File;
  readonly #sizeBytes: number;

  constructor(filePath: string, sizeBytes: number) {
    if (!(sizeBytes > 0 && sizeBytes % BLOCK_BYTES === 0))
      throw new RangeError(`flash size ${sizeBytes} is not whole blocks`);
    this.#sizeBytes = sizeBytes;
    const fresh = !File.exists(filePath);
    this.#file = new File(filePath, true);
    if (fresh) {
      const erased = new Uint8Array(BLOCK_BYTES).fill(0xff);
      for (let block = 0; block < sizeBytes / BLOCK_BYTES; block++) this.#file.write(erased.buffer);
    }
    if (this.#file.length !== sizeBytes)
      throw new Error(`${filePath} is ${this.#file.length} bytes, expected ${sizeBytes}`);
  }

  status(): { size: number; blockLength: number; blocks: number; writeAlign: number; eraseValue: number } {
    return {
      size: this.#sizeBytes,
      blockLength: BLOCK_BYTES,
      blocks: this.#sizeBytes / BLOCK_BYTES,
      writeAlign: 1,
      eraseValue: 0xff,
    };
  }

  read(into: Uint8Array, offsetBytes: number): number {
    this.#check(offsetBytes, into.byteLength);
    this.#file.position = offsetBytes;
    into.set(new Uint8Array(this.#file.read(ArrayBuffer, into.byteLength)));
    return into.byteLength;
  }

  write(from: Uint8Array, offsetBytes: number): void {
    this.#check(offsetBytes, from.byteLength);
    this.#file.position = offsetBytes;
    const cells = new Uint8Array(this.#file.read(ArrayBuffer, from.byteLength));
    for (let index = 0; index < cells.length; index++) cells[index] &= from[index]; // NOR: program clears bits only
    this.#file.position = offsetBytes;
    this.#file.write(cells.buffer);
  }

  eraseBlock(block: number): void {
    this.#check(block * BLOCK_BYTES, BLOCK_BYTES);
    this.#file.position = block * BLOCK_BYTES;
    this.#file.write(new Uint8Array(BLOCK_BYTES).fill(0xff).buffer);
  }

  close(): void {
    this.#file.close();
  }

  #check(offsetBytes: number, length: number): void {
    if (!(Number.isInteger(offsetBytes) && offsetBytes >= 0 && offsetBytes + length <= this.#sizeBytes))
      throw new RangeError('flash access out of bounds');
  }
}

const FlashStorage = Object.freeze({
  open(options: { path: string; mode?: string }): Flash {
    return new Flash(`${config.linuxRunDirectory}/${options.path}.flash`, Number(config.ledgerSizeBytes));
  },
});

export default FlashStorage;
