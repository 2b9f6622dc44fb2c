// ECMA-419 IO classes as Moddable implements them on ESP32.
// Sources: Moddable-OpenSource/moddable documentation/io/io.md (IO Class Pattern: options object,
// onReadable(count)/onWritable(count), read() returns undefined when empty, write() never writes
// partially and throws when the output buffer is full; Serial data formats "number"/"buffer");
// the ESP32 serial options `port`, `transmit`, `receive` (pin numbers) and read(buffer) returning
// the count moved are from Moddable's ESP32 serial implementation (modules/io/serial/esp32).

declare module 'embedded:io/serial' {
  export interface SerialOptions {
    readonly port?: number;
    readonly transmit?: number;
    readonly receive?: number;
    readonly baud: number;
    readonly format?: 'number' | 'buffer';
    onReadable?(this: Serial, count: number): void;
    onWritable?(this: Serial, count: number): void;
  }
  export default class Serial {
    constructor(options: SerialOptions);
    format: 'number' | 'buffer';
    /** "buffer" format: fills `into` with what the FIFO holds, up to its length; returns the count, or undefined when the FIFO is empty. */
    read(into: ArrayBufferView): number | undefined;
    /** "buffer" format: all of `data` or an exception ("output full"); never a partial write. */
    write(data: ArrayBuffer | ArrayBufferView): void;
    close(): void;
  }
}

declare module 'embedded:io/digital' {
  export interface DigitalOptions {
    readonly pin: number;
    readonly mode: number;
  }
  export default class Digital {
    static readonly Input: number;
    static readonly InputPullUp: number;
    static readonly Output: number;
    constructor(options: DigitalOptions);
    read(): number;
    write(value: number): void;
    close(): void;
  }
}
