// The Crc port on the board, in native code: CRC-16/KERMIT (CCNET) by the SDK's CRC16
// (modules/data/crc: a 256-entry table in C; typings/crc.d.ts), CRC-32 by the project's own
// native function (esp_rom_crc32_le in the ESP32's ROM; the SDK has no CRC-32). The firmware's
// TypeScript CRCs (src/crc.ts) are what these are checked against (test/moddable/crc).
//
// The SDK's CRC16 takes a whole buffer (or a view) and continues from its own state, so each
// checksum starts with reset(). The firmware asks for a range of its frame buffers, always from
// index 0 (a frame is at the front of its buffer) but for a resync past a damaged frame: the view
// of each (buffer, length) is made once and kept, so the poll loop makes no garbage.
import { CRC16 } from 'crc';
import { crc32 } from 'atm/native';
import type { Crc } from '../ports';

/** CRC-16/KERMIT as the CRC catalogue gives it: poly 0x1021, init 0, input and output reflected, no final XOR. */
const KERMIT_POLYNOMIAL = 0x1021;
/** Buffers whose views are kept (the CCNET driver's transmit and receive buffers), and views kept per buffer (frame lengths seen). */
const BUFFERS_KEPT_MAX = 4;
const VIEWS_PER_BUFFER_MAX = 24;

export class NativeCrc implements Crc {
  readonly #kermit = new CRC16(KERMIT_POLYNOMIAL, 0, true, true, 0);
  readonly #views = new Map<Uint8Array, Map<number, Uint8Array>>();

  crc16Kermit(bytes: Uint8Array, start: number, end: number): number {
    if (!(start >= 0 && start <= end && end <= bytes.length)) throw new RangeError('crc16Kermit: range out of bounds');
    // reset() returns nothing in the SDK's C (its typing says `this`): called on its own.
    this.#kermit.reset();
    return this.#kermit.checksum(this.#view(bytes, start, end));
  }

  crc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
    return crc32(crc, bytes, start, end);
  }

  /** bytes[start..end) as a view: the buffer itself, a kept view, or (a resync, or past the bounds above) a new one. */
  #view(bytes: Uint8Array, start: number, end: number): Uint8Array {
    if (start === 0 && end === bytes.length) return bytes;
    if (start !== 0) return bytes.subarray(start, end);
    let views = this.#views.get(bytes);
    if (views === undefined) {
      if (this.#views.size >= BUFFERS_KEPT_MAX) return bytes.subarray(0, end);
      views = new Map<number, Uint8Array>();
      this.#views.set(bytes, views);
    }
    let view = views.get(end);
    if (view === undefined) {
      view = bytes.subarray(0, end);
      if (views.size < VIEWS_PER_BUFFER_MAX) views.set(end, view);
    }
    return view;
  }
}
