// Keypad: a passive key matrix scanned over GPIO with ECMA-419 `embedded:io/digital`
// (documentation/io/io.md, Digital: {pin, mode}; modes Output and InputPullUp; read()/write()).
//
// Rows are outputs held high; scanning drives one row low at a time and reads the columns
// (pulled up): a pressed key pulls its column low. A key counts as pressed after it reads down
// on DEBOUNCE_SCANS consecutive scans, and is reported once per press. The scan runs inside
// read(), at most once per SCAN_PERIOD_MS, so it costs nothing between the firmware's polls.
// Pins come from the manifest's config.keypad (docs/board.md). Columns must be GPIOs with
// internal pull-ups: not 34–39 on the ESP32, which are input-only without pull-ups.
import Digital from 'embedded:io/digital';
import type { Key, Keypad } from '../ports';

/** The keypad layout, rows top to bottom: a 4 × 5 PIN pad with function keys on the right. */
export const KEY_LAYOUT: readonly (readonly (Key | undefined)[])[] = Object.freeze([
  Object.freeze(['1', '2', '3', 'cancel', 'F1'] as const),
  Object.freeze(['4', '5', '6', 'clear', 'F2'] as const),
  Object.freeze(['7', '8', '9', undefined, 'F3'] as const),
  Object.freeze([undefined, '0', undefined, 'enter', 'F4'] as const),
]);
export const SCAN_PERIOD_MS = 10;
export const DEBOUNCE_SCANS = 3;
export const KEY_QUEUE_MAX = 8;

export class MatrixKeypad implements Keypad {
  readonly #rows: Digital[];
  readonly #columns: Digital[];
  readonly #downScans: Uint8Array;
  readonly #queue: (Key | undefined)[] = new Array(KEY_QUEUE_MAX);
  #queueHead = 0;
  #queueCount = 0;
  #lastScanMs = -SCAN_PERIOD_MS;
  readonly #nowMs: () => number;
  droppedKeys = 0;

  constructor(rowPins: readonly number[], columnPins: readonly number[], nowMs: () => number) {
    if (rowPins.length !== KEY_LAYOUT.length || columnPins.length !== KEY_LAYOUT[0].length) {
      throw new Error(`keypad needs ${KEY_LAYOUT.length} row and ${KEY_LAYOUT[0].length} column pins`);
    }
    this.#rows = rowPins.map((pin) => new Digital({ pin, mode: Digital.Output }));
    for (const row of this.#rows) row.write(1);
    this.#columns = columnPins.map((pin) => new Digital({ pin, mode: Digital.InputPullUp }));
    this.#downScans = new Uint8Array(rowPins.length * columnPins.length);
    this.#nowMs = nowMs;
  }

  read(): Key | undefined {
    const nowMs = this.#nowMs();
    if (nowMs - this.#lastScanMs >= SCAN_PERIOD_MS) {
      this.#lastScanMs = nowMs;
      this.#scan();
    }
    if (this.#queueCount === 0) return undefined;
    const key = this.#queue[this.#queueHead];
    this.#queueHead = (this.#queueHead + 1) % KEY_QUEUE_MAX;
    this.#queueCount--;
    return key;
  }

  #scan(): void {
    const columnCount = this.#columns.length;
    for (let rowIndex = 0; rowIndex < this.#rows.length; rowIndex++) {
      this.#rows[rowIndex].write(0);
      for (let columnIndex = 0; columnIndex < columnCount; columnIndex++) {
        const cell = rowIndex * columnCount + columnIndex;
        const down = this.#columns[columnIndex].read() === 0;
        if (!down) {
          this.#downScans[cell] = 0;
        } else if (this.#downScans[cell] < DEBOUNCE_SCANS) {
          this.#downScans[cell]++;
          if (this.#downScans[cell] === DEBOUNCE_SCANS) this.#enqueue(KEY_LAYOUT[rowIndex][columnIndex]);
        }
      }
      this.#rows[rowIndex].write(1);
    }
  }

  #enqueue(key: Key | undefined): void {
    if (key === undefined) return;
    if (this.#queueCount === KEY_QUEUE_MAX) {
      this.droppedKeys++;
      return;
    }
    this.#queue[(this.#queueHead + this.#queueCount) % KEY_QUEUE_MAX] = key;
    this.#queueCount++;
  }
}
