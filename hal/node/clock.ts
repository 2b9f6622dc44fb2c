import { performance } from 'node:perf_hooks';
import type { Clock, Ticker } from '../ports';

export class NodeClock implements Clock {
  readonly #bootMs = performance.now();

  monotonicMs(): number {
    return performance.now() - this.#bootMs;
  }

  wallMs(): number {
    return Date.now();
  }
}

export class NodeTicker implements Ticker {
  #timer: NodeJS.Timeout | undefined = undefined;

  start(periodMs: number, onTick: () => void): void {
    this.stop();
    this.#timer = setInterval(onTick, periodMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
