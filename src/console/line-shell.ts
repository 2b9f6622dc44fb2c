import type { SerialLine } from '../../hal/ports';

export const CONSOLE_LINE_CHARS_MAX = 120;
const READ_CHUNK_BYTES = 64;
const CR = 13;
const LF = 10;
const BACKSPACE = 8;
const DELETE = 127;

/** Assembles typed characters into lines and writes text out, over one serial line. */
export class LineShell {
  readonly #line: SerialLine;
  readonly #readBuffer = new Uint8Array(READ_CHUNK_BYTES);
  readonly #lineCodes: number[] = [];
  #overlong = false;
  #readIndex = 0;
  #readCount = 0;
  #writeBuffer = new Uint8Array(256);

  constructor(line: SerialLine) {
    this.#line = line;
  }

  /** Returns the next complete line typed, or undefined. A line over the limit comes back as null. */
  poll(): string | null | undefined {
    // Bytes after the end of a line stay in the read buffer for the next poll.
    if (this.#readIndex === this.#readCount) {
      this.#readCount = this.#line.read(this.#readBuffer);
      this.#readIndex = 0;
    }
    while (this.#readIndex < this.#readCount) {
      const code = this.#readBuffer[this.#readIndex++];
      if (code === CR || code === LF) {
        if (this.#lineCodes.length === 0 && !this.#overlong) continue;
        return this.#finishLine();
      }
      if (code === BACKSPACE || code === DELETE) {
        this.#lineCodes.pop();
      } else if (code >= 32 && code < 127) {
        if (this.#lineCodes.length < CONSOLE_LINE_CHARS_MAX) this.#lineCodes.push(code);
        else this.#overlong = true;
      }
    }
    return undefined;
  }

  #finishLine(): string | null {
    const text = this.#overlong ? null : String.fromCharCode(...this.#lineCodes);
    this.#lineCodes.length = 0;
    this.#overlong = false;
    return text;
  }

  write(text: string): void {
    if (text.length > this.#writeBuffer.length) this.#writeBuffer = new Uint8Array(text.length);
    let length = 0;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      this.#writeBuffer[length++] = code < 128 ? code : 63; // '?' for anything outside ASCII
    }
    this.#line.write(this.#writeBuffer, length);
  }
}
