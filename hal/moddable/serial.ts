// SerialLine over ECMA-419 `embedded:io/serial` on the ESP32's UARTs.
//
// Facts this relies on, read from the SDK's own serial modules (modules/io/serial/esp32 and
// /lin): options {port, transmit, receive} on the ESP32 and {device} (a tty path) on Linux,
// plus {baud, format, onReadable, onWritable}; 8N1, no flow control; no software buffer:
// read() drains the 128-byte hardware FIFO and returns undefined when it is empty. They differ
// where it matters: the ESP32's read(buffer) fills the caller's buffer (a view is fine) and
// returns the count, and its write() takes a view; the Linux module only knows read(count),
// answering an ArrayBuffer (given a buffer it reads nothing), and write() wants a whole
// ArrayBuffer. So the board says which kind its runtime has (`takesViews`). write() takes all
// the bytes or throws ("output full" on the ESP32, "would overflow" on Linux); onWritable(count)
// reports the free space.
//
// Because the FIFOs are only 128 bytes each way, this adapter adds one fixed ring per direction,
// allocated at construction: onReadable moves received bytes into the receive ring the moment
// the UART interrupt reaches JavaScript, and the transmit ring feeds the FIFO from onWritable.
// A console reply of a kilobyte then goes out whole at 115200 baud instead of failing, and the
// firmware's 5 ms poll is not the only thing standing between the UART and an overflow.
import Serial from 'embedded:io/serial';
import type { SerialLine } from '../ports';
import { ByteRing } from './byte-ring';
import { type FaultHandler, guarded } from './fault';

export interface ModdableSerialOptions {
  /** Where the line is: {port, transmit, receive} pins on the ESP32, {device} on Linux. */
  readonly where:
    | { readonly port: number; readonly transmit: number; readonly receive: number }
    | { readonly device: string };
  /** True where read(buffer) and write(view) work on views of the caller's buffer (ESP32); false on Linux. */
  readonly takesViews: boolean;
  readonly baud: number;
  /** Receive ring size; a power of two. */
  readonly receiveRingBytes: number;
  /** Transmit ring size; a power of two, at least the longest single write. */
  readonly transmitRingBytes: number;
  readonly onFault: FaultHandler;
}

/** The ESP32 UART hardware FIFO, each direction. */
export const UART_FIFO_BYTES = 128;
export class ModdableSerialLine implements SerialLine {
  readonly #serial: Serial;
  readonly #receiveRing: ByteRing;
  readonly #transmitRing: ByteRing;
  /** One FIFO's worth, allocated once: the hop between the UART and the rings. */
  readonly #fifoScratch = new Uint8Array(UART_FIFO_BYTES);
  readonly #fifoScratchOut = new Uint8Array(UART_FIFO_BYTES);
  #fifoFreeBytes = 0;
  /** onWritable fires inside the Serial constructor, before #serial is assigned. */
  #ready = false;
  /** Bytes lost because the receive ring was full: a protocol driver will see a bad frame. */
  receiveOverflowBytes = 0;
  transmittedBytes = 0;

  readonly #takesViews: boolean;

  constructor(options: ModdableSerialOptions) {
    this.#receiveRing = new ByteRing(options.receiveRingBytes);
    this.#transmitRing = new ByteRing(options.transmitRingBytes);
    this.#takesViews = options.takesViews;
    // The SDK's constructor option types know only pins; the Linux module wants {device}.
    this.#serial = new Serial({
      ...options.where,
      baud: options.baud,
      format: 'buffer',
      onReadable: guarded('serial read', options.onFault, () => this.#drainFifo()),
      onWritable: guarded('serial write', options.onFault, (count: number) => {
        this.#fifoFreeBytes = count;
        this.#feedFifo();
      }),
    } as unknown as ConstructorParameters<typeof Serial>[0]);
    this.#ready = true;
    this.#feedFifo();
  }

  read(into: Uint8Array): number {
    this.#drainFifo();
    return this.#receiveRing.pop(into);
  }

  write(bytes: Uint8Array, length: number): boolean {
    if (length < 0 || length > bytes.length) throw new Error('serial write length out of range');
    if (!this.#transmitRing.push(bytes, length)) return false;
    this.#feedFifo();
    return true;
  }

  #drainFifo(): void {
    if (!this.#ready) return;
    // Bounded: the FIFO holds at most UART_FIFO_BYTES, so two reads empty it even if a byte
    // lands between them.
    for (let round = 0; round < 2; round++) {
      const count = this.#readFifo();
      if (count === 0) return;
      if (!this.#receiveRing.push(this.#fifoScratch, count)) this.receiveOverflowBytes += count;
    }
  }

  /** Up to one FIFO's worth into #fifoScratch; the count. */
  #readFifo(): number {
    if (this.#takesViews) return (this.#serial.read(this.#fifoScratch) as number | undefined) ?? 0;
    const chunk = this.#serial.read(UART_FIFO_BYTES) as ArrayBuffer | undefined;
    if (chunk === undefined) return 0;
    this.#fifoScratch.set(new Uint8Array(chunk));
    return chunk.byteLength;
  }

  #feedFifo(): void {
    if (!this.#ready) return;
    const count = Math.min(this.#fifoFreeBytes, this.#transmitRing.usedBytes, UART_FIFO_BYTES);
    if (count === 0) return;
    const view = count === UART_FIFO_BYTES ? this.#fifoScratchOut : this.#fifoScratchOut.subarray(0, count);
    this.#transmitRing.pop(this.#fifoScratchOut, count);
    this.#serial.write(this.#takesViews ? view : view.slice().buffer);
    this.#fifoFreeBytes -= count;
    this.transmittedBytes += count;
  }
}

/**
 * The console when UART0 belongs to the debugger (debug builds: xsbug speaks over UART0).
 * Output goes to the debug trace; there is no input, so the technician uses xsbug's console.
 */
export class TraceConsoleLine implements SerialLine {
  read(): number {
    return 0;
  }

  write(bytes: Uint8Array, length: number): boolean {
    trace(String.fromCharCode(...bytes.subarray(0, length)));
    return true;
  }
}
