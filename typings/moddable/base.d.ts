// Moddable base modules: timer, time, instrumentation, debug.
// Source: Moddable-OpenSource/moddable documentation/base/base.md (Timer, Time, Instrumentation).

declare module 'timer' {
  type TimerID = number;
  const Timer: {
    /** One-shot (or, with `repeat`, repeating) timer; the callback gets the timer id. */
    set(callback: (id: TimerID) => void, interval?: number, repeat?: number): TimerID;
    /** Repeating timer, called every `interval` ms until cleared. */
    repeat(callback: (id: TimerID) => void, interval: number): TimerID;
    /** Reschedules; with no interval the timer is unscheduled until scheduled again. */
    schedule(id: TimerID, interval?: number, repeat?: number): void;
    /** Cancels a timer; undefined or null is accepted and ignored. */
    clear(id: TimerID | undefined | null): void;
  };
  export default Timer;
}

declare module 'time' {
  const Time: {
    /** Sets the system time, in seconds since 1970-01-01T00:00Z. */
    set(seconds: number): void;
    /** A millisecond counter for measuring differences; not the time of day. */
    readonly ticks: number;
  };
  export default Time;
}

declare module 'instrumentation' {
  const Instrumentation: {
    /** The instrumented item at `what` (1-based): 10 system free memory, 11 slot heap bytes, 12 chunk heap bytes. */
    get(what: number): number;
  };
  export default Instrumentation;
}
