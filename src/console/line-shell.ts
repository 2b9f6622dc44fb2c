// Line assembly for the console: typed characters become lines, with an echo, since a
// terminal on a serial line (picocom, screen, minicom) shows only what the board sends back.
// The echo goes through the console's masked write path. Digits are echoed only once their
// run ends (a space after a short group, a letter, Enter), so an IIN or card number typed
// is shown masked like any other; while a secret is typed (a login answer) each character
// is echoed as '*'.
import type { SerialLine } from '../../hal/ports';

export const CONSOLE_LINE_CHARS_MAX = 120;
const READ_CHUNK_BYTES = 64;
const CR = 13;
const LF = 10;
const BACKSPACE = 8;
const DELETE = 127;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export class LineShell {
  readonly #line: SerialLine;
  readonly #echo: (text: string) => void;
  readonly #readBuffer = new Uint8Array(READ_CHUNK_BYTES);
  readonly #lineCodes: number[] = [];
  /** How many of the line's characters have been echoed; the rest are held digits. */
  #echoedCount = 0;
  #overlong = false;
  #lastWasCr = false;
  #readIndex = 0;
  #readCount = 0;
  /** Echo '*' for every character typed (a login answer). */
  secret = false;

  constructor(line: SerialLine, echo: (text: string) => void) {
    this.#line = line;
    this.#echo = echo;
  }

  /** Returns the next complete line typed ("" for a bare Enter), or undefined. A line over the limit comes back as null. */
  poll(): string | null | undefined {
    // Bytes after the end of a line stay in the read buffer for the next poll.
    if (this.#readIndex === this.#readCount) {
      this.#readCount = this.#line.read(this.#readBuffer);
      this.#readIndex = 0;
    }
    while (this.#readIndex < this.#readCount) {
      const code = this.#readBuffer[this.#readIndex++];
      const afterCr = this.#lastWasCr;
      this.#lastWasCr = code === CR;
      if (code === LF && afterCr) continue; // CR LF is one Enter
      if (code === CR || code === LF) return this.#finishLine();
      if (code === BACKSPACE || code === DELETE) this.#erase();
      else if (code >= 32 && code < 127) this.#type(code);
    }
    return undefined;
  }

  #type(code: number): void {
    if (this.#lineCodes.length >= CONSOLE_LINE_CHARS_MAX) {
      this.#overlong = true;
      return;
    }
    this.#lineCodes.push(code);
    if (this.secret) return this.#echoUpTo(this.#lineCodes.length);
    const previous = this.#lineCodes.length > 1 ? this.#lineCodes[this.#lineCodes.length - 2] : 0;
    // A space, dash or dot after a held digit may join the next group (mask.ts reads them so).
    const separator = code === 32 || code === 45 || code === 46;
    const holds = isDigit(code) || (separator && isDigit(previous) && this.#echoedCount < this.#lineCodes.length - 1);
    if (!holds) this.#echoUpTo(this.#lineCodes.length);
  }

  #erase(): void {
    if (this.#lineCodes.length === 0) return;
    this.#lineCodes.pop();
    // Only an echoed character is erased on the screen; a held digit was never shown.
    if (this.#echoedCount > this.#lineCodes.length) {
      this.#echoedCount = this.#lineCodes.length;
      this.#echo('\b \b');
    }
  }

  /** Echoes the line's characters from the last echoed one up to `end`, as one piece so the masking sees whole runs. */
  #echoUpTo(end: number): void {
    if (end <= this.#echoedCount) return;
    const text = this.secret
      ? '*'.repeat(end - this.#echoedCount)
      : String.fromCharCode(...this.#lineCodes.slice(this.#echoedCount, end));
    this.#echoedCount = end;
    this.#echo(text);
  }

  #finishLine(): string | null {
    this.#echoUpTo(this.#lineCodes.length);
    this.#echo('\r\n');
    const text = this.#overlong ? null : String.fromCharCode(...this.#lineCodes);
    this.#lineCodes.length = 0;
    this.#echoedCount = 0;
    this.#overlong = false;
    return text;
  }
}
