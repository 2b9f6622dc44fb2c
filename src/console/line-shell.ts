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
  #writeBuffer = new Uint8Array(256);

  constructor(line: SerialLine) {
    this.#line = line;
  }

  /** Returns the next complete line typed, or undefined. A line over the limit comes back as null. */
  poll(): string | null | undefined {
    const count = this.#line.read(this.#readBuffer);
    for (let index = 0; index < count; index++) {
      const code = this.#readBuffer[index];
      if (code === CR || code === LF) {
        if (this.#lineCodes.length === 0 && !this.#overlong) continue;
        return this.#finishLine(index + 1, count);
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

  // Bytes after the end of a line in the same read stay for the next poll.
  #finishLine(consumed: number, count: number): string | null {
    const text = this.#overlong ? null : String.fromCharCode(...this.#lineCodes);
    this.#lineCodes.length = 0;
    this.#overlong = false;
    for (let index = consumed; index < count; index++) {
      const code = this.#readBuffer[index];
      if (code >= 32 && code < 127 && this.#lineCodes.length < CONSOLE_LINE_CHARS_MAX) this.#lineCodes.push(code);
    }
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
