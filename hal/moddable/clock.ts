// Clock and Ticker over Moddable's `time` and `timer` modules.
// Source: documentation/base/base.md — Time.ticks is a millisecond counter for differences,
// not the time of day; Time.set(seconds) sets Unix time, which Date then reports;
// Timer.repeat(callback, interval) / Timer.clear(id).
import Time from 'time';
import Timer from 'timer';
import type { Clock, Ticker } from '../ports';
import { type FaultHandler, guarded } from './fault';
import { ticksElapsedMs } from './ticks';

/** Date.now() below this (2025-01-01T00:00Z) means nobody has set the clock since boot. */
export const WALL_CLOCK_VALID_AFTER_MS = 1_735_689_600_000;

export class ModdableClock implements Clock {
  #lastTicks: number;
  #monotonicMs = 0;

  constructor() {
    this.#lastTicks = Time.ticks;
  }

  /**
   * Time.ticks is a 32-bit millisecond counter on the device (it wraps after 49.7 days; it may
   * be signed). Accumulating the modular difference keeps this monotonic across the wrap, as
   * long as it is read at least once per 49 days — the loop reads it every tick.
   */
  monotonicMs(): number {
    const ticks = Time.ticks;
    const elapsedMs = ticksElapsedMs(this.#lastTicks, ticks);
    this.#lastTicks = ticks;
    this.#monotonicMs += elapsedMs;
    return this.#monotonicMs;
  }

  /** NaN until SNTP (hal/moddable/network.ts) has set the clock: TLS must not trust 1970. */
  wallMs(): number {
    const nowMs = Date.now();
    return nowMs >= WALL_CLOCK_VALID_AFTER_MS ? nowMs : Number.NaN;
  }
}

export class ModdableTicker implements Ticker {
  #timer: Timer | undefined = undefined;
  readonly #onFault: FaultHandler;

  constructor(onFault: FaultHandler) {
    this.#onFault = onFault;
  }

  start(periodMs: number, onTick: () => void): void {
    if (!(periodMs > 0)) throw new Error('ticker period must be positive');
    this.stop();
    this.#timer = Timer.repeat(guarded('loop tick', this.#onFault, onTick), periodMs);
  }

  stop(): void {
    Timer.clear(this.#timer);
    this.#timer = undefined;
  }
}
