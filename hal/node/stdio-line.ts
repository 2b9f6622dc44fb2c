import type { SerialLine } from '../ports';

export const STDIO_BUFFER_BYTES = 4096;

/** The terminal as a serial line: keystrokes in (raw mode when a TTY), text out. */
export class StdioLine implements SerialLine {
  readonly #received = new Uint8Array(STDIO_BUFFER_BYTES);
  #count = 0;
  onInterrupt: () => void = () => undefined;

  constructor(
    input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    if (input.isTTY) input.setRawMode(true);
    input.on('data', (chunk: Uint8Array) => {
      for (const byte of chunk) {
        if (byte === 3) return this.onInterrupt(); // Ctrl-C in raw mode
        if (this.#count < STDIO_BUFFER_BYTES) this.#received[this.#count++] = byte;
      }
    });
    // Input that ends (a pipe, /dev/null, a service manager or a container with no terminal)
    // ends only this side of the console: the machine runs on, and the console is still on its
    // pty. It stops on SIGINT or SIGTERM, as a service does.
    if (!input.isTTY) input.on('end', () => this.#endInput());
  }

  #inputEnded = false;
  #onInputEnded: () => void = () => undefined;

  /** Calls `callback` once the input has ended (at once if it has already); the line stays writable. */
  whenInputEnds(callback: () => void): void {
    this.#onInputEnded = callback;
    if (this.#inputEnded) callback();
  }

  #endInput(): void {
    this.#inputEnded = true;
    this.#onInputEnded();
  }

  read(into: Uint8Array): number {
    const count = Math.min(into.length, this.#count);
    into.set(this.#received.subarray(0, count));
    this.#received.copyWithin(0, count, this.#count);
    this.#count -= count;
    return count;
  }

  write(bytes: Uint8Array, length: number): boolean {
    // The stream queues what it cannot send at once, so the write is always whole.
    this.output.write(bytes.slice(0, length));
    return true;
  }
}
