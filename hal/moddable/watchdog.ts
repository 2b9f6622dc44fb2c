// Watchdog: a software watchdog on a Timer, with the ESP-IDF task watchdog behind it.
//
// Two failures, two layers:
// - The loop halts (a task's assertion failed) or stops feeding (a task misses its deadline)
//   while JavaScript still runs: this watchdog's own timer sees no feed for `timeoutMs` and
//   restarts the chip (esp_restart through hal/moddable/native), so boot recovery rebuilds the
//   session from the ledger.
// - JavaScript itself never returns to the event loop (an endless loop): no timer can fire, so
//   the ESP-IDF task watchdog, enabled with panic-and-reboot in hal/moddable/sdkconfig, resets
//   the chip instead.
import Timer from 'timer';
import type { Watchdog } from '../ports';
import { type FaultHandler, guarded } from './fault';

/** How often the watchdog looks at the last feed: a quarter of the shortest timeout allowed. */
export const CHECK_PERIOD_MS = 250;
export const TIMEOUT_MS_MIN = 1000;

export class SoftwareWatchdog implements Watchdog {
  readonly #nowMs: () => number;
  readonly #restart: (reason: string) => void;
  readonly #onFault: FaultHandler;
  #timer: Timer | undefined = undefined;
  #timeoutMs = 0;
  #lastFeedMs = 0;

  constructor(nowMs: () => number, restart: (reason: string) => void, onFault: FaultHandler) {
    this.#nowMs = nowMs;
    this.#restart = restart;
    this.#onFault = onFault;
  }

  enable(timeoutMs: number): void {
    if (!(timeoutMs >= TIMEOUT_MS_MIN)) throw new Error(`watchdog timeout below ${TIMEOUT_MS_MIN} ms`);
    this.#timeoutMs = timeoutMs;
    this.#lastFeedMs = this.#nowMs();
    Timer.clear(this.#timer);
    this.#timer = Timer.repeat(
      guarded('watchdog', this.#onFault, () => this.#check()),
      CHECK_PERIOD_MS,
    );
  }

  feed(): void {
    this.#lastFeedMs = this.#nowMs();
  }

  #check(): void {
    const starvedMs = this.#nowMs() - this.#lastFeedMs;
    if (starvedMs > this.#timeoutMs) this.#restart(`watchdog: not fed for ${starvedMs} ms`);
  }
}
