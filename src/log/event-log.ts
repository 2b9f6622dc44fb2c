// The recent-events ring: what happened on this machine lately (logins, lockouts, config
// changes, collections, device faults), for the console's `log`. Bounded in entries and in
// characters per entry, and masked when written: a secret never reaches the ring at all, so
// no reader of it (console, a future upload) can leak one.
import type { Clock } from '../../hal/ports';
import { assert } from '../assert';
import { maskSensitive } from './mask';

export const EVENT_LOG_ENTRIES_MAX = 64;
export const EVENT_SOURCE_CHARS_MAX = 12;
export const EVENT_TEXT_CHARS_MAX = 100;

export interface LoggedEvent {
  /** 1, 2, 3, ... since boot; a gap between two listed events means older ones were overwritten. */
  readonly number: number;
  readonly monotonicMs: number;
  /** The wall clock when it was written, or NaN while the clock was not set. */
  readonly wallMs: number;
  readonly source: string;
  readonly text: string;
}

class Slot implements LoggedEvent {
  number = 0;
  monotonicMs = 0;
  wallMs = Number.NaN;
  source = '';
  text = '';
}

export class EventLog {
  readonly #clock: Clock;
  // Slots are made once; writing an event replaces two strings, nothing else.
  readonly #slots: readonly Slot[];
  #written = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    const slots: Slot[] = [];
    for (let index = 0; index < EVENT_LOG_ENTRIES_MAX; index++) slots.push(new Slot());
    this.#slots = slots;
  }

  /** Events written since boot (the newest one's number). */
  get written(): number {
    return this.#written;
  }

  /** How many events the ring holds now. */
  get size(): number {
    return Math.min(this.#written, EVENT_LOG_ENTRIES_MAX);
  }

  record(source: string, text: string): void {
    const slot = this.#slots[this.#written % EVENT_LOG_ENTRIES_MAX];
    this.#written++;
    slot.number = this.#written;
    slot.monotonicMs = this.#clock.monotonicMs();
    slot.wallMs = this.#clock.wallMs();
    slot.source = maskSensitive(
      source.length > EVENT_SOURCE_CHARS_MAX ? source.slice(0, EVENT_SOURCE_CHARS_MAX) : source,
    );
    slot.text = maskSensitive(text.length > EVENT_TEXT_CHARS_MAX ? text.slice(0, EVENT_TEXT_CHARS_MAX) : text);
  }

  /** Visits the newest `count` events (at most the ring's size), oldest first; returns how many. */
  visitNewest(count: number, visit: (event: LoggedEvent) => void): number {
    assert(Number.isInteger(count) && count >= 0, 'event count must be a whole number');
    const visited = Math.min(count, this.size);
    for (let offset = visited; offset > 0; offset--) {
      visit(this.#slots[(this.#written - offset) % EVENT_LOG_ENTRIES_MAX]);
    }
    return visited;
  }
}
