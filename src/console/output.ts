// The console's single write path. Everything the console sends (replies, prompts, the echo
// of typed characters) goes through `write`, which masks it (src/log/mask.ts) before a byte
// is queued: there is no other way to the line, so nothing can bypass the masking.
// The queue is a byte ring made once; it drains into the serial line as the line takes it
// (ECMA-419: a write is taken whole or refused), a chunk at a time, over later polls.
import type { SerialLine } from '../../hal/ports';
import { maskSensitive } from '../log/mask';

export const CONSOLE_OUTPUT_BYTES = 8192;
export const CONSOLE_WRITE_CHUNK_BYTES = 256;
const REPLACEMENT_CHAR = 63; // '?': the console speaks ASCII; a terminal may not decode UTF-8

export class ConsoleOutput {
  readonly #line: SerialLine;
  readonly #ring = new Uint8Array(CONSOLE_OUTPUT_BYTES);
  readonly #chunk = new Uint8Array(CONSOLE_WRITE_CHUNK_BYTES);
  #head = 0;
  #count = 0;
  /** Bytes dropped because the queue was full (the line is not being read). */
  droppedBytes = 0;

  constructor(line: SerialLine) {
    this.#line = line;
  }

  get pendingBytes(): number {
    return this.#count;
  }

  /** Masks `text` and queues it, then sends what the line takes now. */
  write(text: string): void {
    const masked = maskSensitive(text);
    for (let index = 0; index < masked.length; index++) {
      if (this.#count === CONSOLE_OUTPUT_BYTES) {
        this.droppedBytes += masked.length - index;
        break;
      }
      const code = masked.charCodeAt(index);
      this.#ring[(this.#head + this.#count) % CONSOLE_OUTPUT_BYTES] = code < 128 ? code : REPLACEMENT_CHAR;
      this.#count++;
    }
    this.flush();
  }

  /** Sends queued bytes until the line refuses a chunk or the queue is empty. */
  flush(): void {
    for (let chunks = 0; this.#count > 0 && chunks < CONSOLE_OUTPUT_BYTES / CONSOLE_WRITE_CHUNK_BYTES; chunks++) {
      const length = Math.min(this.#count, CONSOLE_WRITE_CHUNK_BYTES);
      for (let index = 0; index < length; index++)
        this.#chunk[index] = this.#ring[(this.#head + index) % CONSOLE_OUTPUT_BYTES];
      if (!this.#line.write(this.#chunk, length)) return;
      this.#head = (this.#head + length) % CONSOLE_OUTPUT_BYTES;
      this.#count -= length;
    }
  }
}
