// The keypad of the Linux board: the SDK has no GPIO on Linux, so keys arrive as characters on
// a serial line (a pty the test harness types into). One character is one press:
//   0-9 digits, E enter, C cancel, X clear, a b c d the function keys F1-F4; anything else is
// ignored. The matrix keypad (keypad.ts) is the ESP32's; both implement the same Keypad port.
import type { Key, Keypad, SerialLine } from '../../ports';

const KEY_BY_CHARACTER: Readonly<Record<string, Key>> = Object.freeze({
  E: 'enter',
  C: 'cancel',
  X: 'clear',
  a: 'F1',
  b: 'F2',
  c: 'F3',
  d: 'F4',
});
/** Presses read per poll; the firmware polls far faster than anyone types. */
export const KEYS_PER_READ_MAX = 16;

export class LineKeypad implements Keypad {
  readonly #line: SerialLine;
  readonly #bytes = new Uint8Array(KEYS_PER_READ_MAX);
  #pending = 0;
  #next = 0;

  constructor(line: SerialLine) {
    this.#line = line;
  }

  read(): Key | undefined {
    for (;;) {
      if (this.#next === this.#pending) {
        this.#pending = this.#line.read(this.#bytes);
        this.#next = 0;
        if (this.#pending === 0) return undefined;
      }
      const character = String.fromCharCode(this.#bytes[this.#next++]);
      if (character >= '0' && character <= '9') return character as Key;
      const key = KEY_BY_CHARACTER[character];
      if (key !== undefined) return key;
    }
  }
}
