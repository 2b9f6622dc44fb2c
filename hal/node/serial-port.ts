// A SerialLine over a real tty (a USB-serial adapter, or the slave side of a pty) through the
// `serialport` package. The port is polled like ECMA-419 embedded:io/serial: received bytes
// wait in a bounded buffer filled from the 'data' event (as the UART FIFO fills on the
// board), and a write is taken whole or refused, never cut.
import { SerialPort } from 'serialport';
import type { SerialLine } from '../ports';

/** Received bytes kept until read; beyond this they are dropped and counted, as a full FIFO drops them. */
export const SERIAL_RECEIVE_BUFFER_BYTES = 4096;
/** Bytes handed to the OS but not yet drained; a write beyond this is refused (all or none). */
export const SERIAL_TRANSMIT_QUEUE_BYTES = 4096;

/** A bounded byte FIFO: the software receive buffer of a Node serial adapter. */
export class ByteFifo {
  readonly #bytes: Uint8Array;
  #head = 0;
  #count = 0;
  /** Bytes dropped because the FIFO was full. */
  overflowBytes = 0;

  constructor(capacityBytes: number) {
    if (!(capacityBytes > 0)) throw new RangeError('FIFO capacity must be positive');
    this.#bytes = new Uint8Array(capacityBytes);
  }

  get count(): number {
    return this.#count;
  }

  push(chunk: Uint8Array): void {
    const capacity = this.#bytes.length;
    for (let index = 0; index < chunk.length; index++) {
      if (this.#count === capacity) {
        this.overflowBytes += chunk.length - index;
        return;
      }
      this.#bytes[(this.#head + this.#count) % capacity] = chunk[index];
      this.#count++;
    }
  }

  /** Moves up to `into.length` bytes into `into` from index 0; returns the count. */
  pop(into: Uint8Array): number {
    const capacity = this.#bytes.length;
    let count = 0;
    while (count < into.length && this.#count > 0) {
      into[count++] = this.#bytes[this.#head];
      this.#head = (this.#head + 1) % capacity;
      this.#count--;
    }
    return count;
  }
}

export interface NodeSerialLine extends SerialLine {
  /** Received bytes dropped because nobody read them in time (the software FIFO was full). */
  readonly overflowBytes: number;
  close(): Promise<void>;
}

class SerialPortLine implements NodeSerialLine {
  readonly #port: SerialPort;
  readonly #received = new ByteFifo(SERIAL_RECEIVE_BUFFER_BYTES);
  #inFlightBytes = 0;
  #closed = false;

  constructor(port: SerialPort) {
    this.#port = port;
    port.on('data', (chunk: Uint8Array) => this.#received.push(chunk));
    // A vanished device (USB unplugged, pty closed) must not crash the process: the line
    // just goes quiet, and the driver above sees a device that does not answer.
    port.on('error', () => undefined);
    port.on('close', () => {
      this.#closed = true;
    });
  }

  get overflowBytes(): number {
    return this.#received.overflowBytes;
  }

  read(into: Uint8Array): number {
    return this.#received.pop(into);
  }

  write(bytes: Uint8Array, length: number): boolean {
    if (this.#closed) return false;
    if (length === 0) return true;
    if (this.#inFlightBytes + length > SERIAL_TRANSMIT_QUEUE_BYTES) return false;
    this.#inFlightBytes += length;
    // The stream keeps the chunk until the OS took it, so it must be a copy of the caller's buffer.
    this.#port.write(Buffer.from(bytes.subarray(0, length)), () => {
      this.#inFlightBytes -= length;
    });
    return true;
  }

  close(): Promise<void> {
    if (this.#closed || !this.#port.isOpen) {
      this.#closed = true;
      return Promise.resolve();
    }
    this.#closed = true;
    return new Promise((resolve) => this.#port.close(() => resolve()));
  }
}

/** Opens `path` at `baud`, 8N1, no flow control (as the board's UART), raw. */
export function openSerialLine(path: string, baud: number): Promise<NodeSerialLine> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({
      path,
      baudRate: baud,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      rtscts: false,
      xon: false,
      xoff: false,
      autoOpen: false,
    });
    port.open((error) => {
      if (error) reject(error);
      else resolve(new SerialPortLine(port));
    });
  });
}
