// Two serial lines as one console: what either side types goes to the firmware, and what the
// firmware writes goes to both. The bench uses it so that the terminal under `npm start` stays
// a console while the same console is also on a pty for `npm run console` (the board has one
// console UART, so there is one session: a login from either side is a login for both).
import type { SerialLine } from '../../hal/ports';

export class TeeLine implements SerialLine {
  readonly #primary: SerialLine;
  readonly #secondary: SerialLine;

  constructor(primary: SerialLine, secondary: SerialLine) {
    this.#primary = primary;
    this.#secondary = secondary;
  }

  read(into: Uint8Array): number {
    const count = this.#primary.read(into);
    return count > 0 ? count : this.#secondary.read(into);
  }

  /** The primary decides; a secondary nobody has opened refuses when full, as a cable with no one on it drops bytes. */
  write(bytes: Uint8Array, length: number): boolean {
    const taken = this.#primary.write(bytes, length);
    if (taken) this.#secondary.write(bytes, length);
    return taken;
  }
}
