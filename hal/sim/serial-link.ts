import type { SerialLine } from '../ports';
import type { VirtualClock } from './world';

/** 8N1 at 9600 baud: 10 bits a byte. */
export function byteTimeMs(baud: number): number {
  return 10_000 / baud;
}

export const LINK_BUFFER_BYTES = 4096;

/** One direction of a simulated cable: bytes arrive a byte-time apart, in a bounded FIFO. */
class Direction {
  readonly bytes = new Uint8Array(LINK_BUFFER_BYTES);
  readonly arrivalMs = new Float64Array(LINK_BUFFER_BYTES);
  head = 0;
  count = 0;
  lastArrivalMs = 0;
  overflows = 0;

  push(byte: number, arrivalMs: number): void {
    if (this.count === LINK_BUFFER_BYTES) {
      this.overflows++;
      return;
    }
    const index = (this.head + this.count) % LINK_BUFFER_BYTES;
    this.bytes[index] = byte;
    this.arrivalMs[index] = arrivalMs;
    this.count++;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}

/** A byte filter on the wire for fault injection: return the byte to deliver, or -1 to drop it. */
export type WireFault = (byte: number) => number;

class LinkEnd implements SerialLine {
  readonly #clock: VirtualClock;
  readonly #incoming: Direction;
  readonly #outgoing: Direction;
  readonly #byteMs: number;
  fault: WireFault | undefined = undefined;

  constructor(clock: VirtualClock, incoming: Direction, outgoing: Direction, byteMs: number) {
    this.#clock = clock;
    this.#incoming = incoming;
    this.#outgoing = outgoing;
    this.#byteMs = byteMs;
  }

  read(into: Uint8Array): number {
    const incoming = this.#incoming;
    const nowMs = this.#clock.nowMs;
    let count = 0;
    while (count < into.length && incoming.count > 0 && incoming.arrivalMs[incoming.head] <= nowMs) {
      into[count++] = incoming.bytes[incoming.head];
      incoming.head = (incoming.head + 1) % LINK_BUFFER_BYTES;
      incoming.count--;
    }
    return count;
  }

  write(bytes: Uint8Array, length: number): boolean {
    const outgoing = this.#outgoing;
    if (LINK_BUFFER_BYTES - outgoing.count < length) return false;
    let arrivalMs = Math.max(this.#clock.nowMs, outgoing.lastArrivalMs);
    for (let index = 0; index < length; index++) {
      arrivalMs += this.#byteMs;
      const byte = this.fault === undefined ? bytes[index] : this.fault(bytes[index]);
      if (byte >= 0) outgoing.push(byte & 0xff, arrivalMs);
    }
    outgoing.lastArrivalMs = arrivalMs;
    return true;
  }

  /** The arrival time of the next byte waiting for this end, or Infinity. */
  nextArrivalMs(): number {
    return this.#incoming.count > 0 ? this.#incoming.arrivalMs[this.#incoming.head] : Infinity;
  }
}

/** A simulated serial cable between the board (`boardEnd`) and a device (`deviceEnd`). */
export class SerialLink {
  readonly boardEnd: LinkEnd;
  readonly deviceEnd: LinkEnd;
  readonly #directions: readonly Direction[];
  readonly #toBoard: Direction;
  readonly #toDevice: Direction;

  constructor(clock: VirtualClock, baud: number) {
    const toBoard = new Direction();
    const toDevice = new Direction();
    this.#directions = [toBoard, toDevice];
    this.#toBoard = toBoard;
    this.#toDevice = toDevice;
    const byteMs = byteTimeMs(baud);
    this.boardEnd = new LinkEnd(clock, toBoard, toDevice, byteMs);
    this.deviceEnd = new LinkEnd(clock, toDevice, toBoard, byteMs);
  }

  /** When the last byte the board has written reaches the device (in the past once it has). */
  get boardOutputArrivesMs(): number {
    return this.#toDevice.lastArrivalMs;
  }

  /** A power cut: bytes on the wire and in the UARTs' buffers are gone. */
  clear(): void {
    for (const direction of this.#directions) direction.clear();
  }

  /** The board alone restarts: what its UART had received is gone; what it sent is the device's. */
  clearTowardBoard(): void {
    this.#toBoard.clear();
  }
}

export type { LinkEnd };
