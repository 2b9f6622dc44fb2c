// A pseudo-terminal pair: the slave is a real tty path that serialport (or a terminal
// program) opens as if it were a USB-serial adapter; the master is a SerialLine that a
// simulated device (or a test) drives. Real serial I/O, no hardware.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { ReadStream } from 'node:tty';
import * as nodePty from 'node-pty';
import { performance } from 'node:perf_hooks';
import type { SerialLine } from '../ports';
import { validatorOnCable, type CcnetValidatorSim, type CcnetValidatorOptions } from '../sim/ccnet-validator';
import type { SerialLink } from '../sim/serial-link';
import { VirtualClock } from '../sim/world';
import { ByteFifo } from './serial-port';

export const PTY_RECEIVE_BUFFER_BYTES = 4096;
/** Bytes queued towards the slave and not yet taken by the kernel; beyond this a write is refused. */
export const PTY_TRANSMIT_QUEUE_BYTES = 4096;

export interface PtyMaster extends SerialLine {
  /** Received bytes dropped because nobody read them in time. */
  readonly overflowBytes: number;
  close(): void;
}

export interface PtyPair {
  /** The tty path to hand to openSerialLine or a terminal program. */
  readonly path: string;
  readonly master: PtyMaster;
}

// node-pty's typings do not declare `open()` (openpty without a child process), but the
// module exports it on Unix; this is the shape it returns.
interface OpenedPty {
  readonly master: ReadStream;
  readonly slave: ReadStream;
  readonly ptsName: string;
  readonly fd: number;
}
type PtyOpen = (options: { encoding: null }) => OpenedPty;

class MasterLine implements PtyMaster {
  readonly #fd: number;
  readonly #stream: ReadStream;
  readonly #holdFd: number;
  readonly #received = new ByteFifo(PTY_RECEIVE_BUFFER_BYTES);
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #writing = false;
  #closed = false;

  constructor(fd: number, stream: ReadStream, holdFd: number) {
    this.#fd = fd;
    this.#stream = stream;
    this.#holdFd = holdFd;
    // Take the master stream over from node-pty: its own handlers throw on errors it does
    // not expect, and an error here only means the other side went away.
    stream.removeAllListeners('error');
    stream.removeAllListeners('close');
    stream.removeAllListeners('data');
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Uint8Array) => this.#received.push(chunk));
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
    if (this.#queuedBytes + length > PTY_TRANSMIT_QUEUE_BYTES) return false;
    this.#queue.push(Buffer.from(bytes.subarray(0, length)));
    this.#queuedBytes += length;
    if (!this.#writing) this.#drain();
    return true;
  }

  // The master fd is non-blocking (libuv made it so): write what the kernel takes, retry on
  // EAGAIN on a later turn, keep order.
  #drain(): void {
    if (this.#closed || this.#queue.length === 0) {
      this.#writing = false;
      return;
    }
    this.#writing = true;
    const chunk = this.#queue[0];
    fs.write(this.#fd, chunk, 0, chunk.length, null, (error, written) => {
      if (this.#closed) return;
      if (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          setImmediate(() => this.#drain());
          return;
        }
        this.#queue.length = 0; // the other side is gone: drop, as a cut cable would
        this.#queuedBytes = 0;
        this.#writing = false;
        return;
      }
      this.#queuedBytes -= written;
      if (written >= chunk.length) this.#queue.shift();
      else this.#queue[0] = chunk.subarray(written);
      this.#drain();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.destroy();
    try {
      fs.closeSync(this.#holdFd);
    } catch {
      // already closed
    }
  }
}

/** Opens a pty pair; the slave starts raw (no echo, no CR/LF mapping) so bytes pass unchanged. */
export function openPtyPair(): PtyPair {
  const open = (nodePty as unknown as { open: PtyOpen }).open;
  const opened = open({ encoding: null });
  const path = opened.ptsName;
  // node-pty reads the slave itself and would steal the bytes meant for whoever opens the
  // path. Keep the slave alive through a plain fd nobody reads (when the last slave fd
  // closes, the master sees a hang-up), then stop node-pty's reader.
  const holdFd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  opened.slave.removeAllListeners('error');
  opened.slave.on('error', () => undefined);
  opened.slave.destroy();
  // A fresh pty echoes and maps CR/LF; serialport sets raw mode when it opens the path, but
  // a byte written before that would be echoed back. stty is the portable way from Node.
  spawnSync('stty', [process.platform === 'darwin' ? '-f' : '-F', path, 'raw', '-echo'], { stdio: 'ignore' });
  return { path, master: new MasterLine(opened.fd, opened.master, holdFd) };
}

/** The simulated validator answering on the master side of a pty, in real time. */
export interface SimulatorBridge {
  readonly sim: CcnetValidatorSim;
  /** The simulated cable inside the bridge: set `boardEnd.fault` / `deviceEnd.fault` to inject noise. */
  readonly link: SerialLink;
  readonly clock: VirtualClock;
  stop(): void;
}

/** How often the bridge moves bytes and steps the simulator (ms of real time). */
export const BRIDGE_STEP_MS = 1;
/** The cable inside the bridge is near-instant: the pty and the OS give the real delays. */
const BRIDGE_LINK_BAUD = 1_000_000;
const BRIDGE_CHUNK_BYTES = 256;
/** Steps of the simulator per bridge turn at most (it never has this many events in 1 ms). */
const BRIDGE_STEPS_MAX = 64;

/**
 * Runs a CcnetValidatorSim on `master` (the device end of a pty pair): the firmware, or a
 * test, opens the pair's path with openSerialLine and talks CCNET over real serial I/O.
 * Virtual time follows the real clock.
 */
export function runValidatorOnPty(master: SerialLine, options: CcnetValidatorOptions = {}): SimulatorBridge {
  const startMs = performance.now();
  const clock = new VirtualClock();
  const { link, sim } = validatorOnCable(clock, options, BRIDGE_LINK_BAUD);
  const chunk = new Uint8Array(BRIDGE_CHUNK_BYTES);
  const pump = (): void => {
    clock.nowMs = performance.now() - startMs;
    for (let got = master.read(chunk); got > 0; got = master.read(chunk)) link.boardEnd.write(chunk, got);
    for (let steps = 0; steps < BRIDGE_STEPS_MAX && sim.nextEventMs() <= clock.nowMs; steps++) sim.step(clock.nowMs);
    for (let got = link.boardEnd.read(chunk); got > 0; got = link.boardEnd.read(chunk)) {
      if (!master.write(chunk, got)) break; // the pty is full: the bytes are lost, as on a wire
    }
  };
  const timer = setInterval(pump, BRIDGE_STEP_MS);
  return { sim, link, clock, stop: () => clearInterval(timer) };
}
