// When to try the Wi-Fi again after it dropped or would not connect: exponential backoff with
// a ceiling, reset by a good connection. No Moddable imports, so the Node suite tests it
// (test/node/moddable-build.test.ts); network.ts applies it to the SDK's Wi-Fi.

export const RECONNECT_FIRST_DELAY_MS = 1000;
/** An access point that is down for hours is still asked once a minute. */
export const RECONNECT_DELAY_MS_MAX = 60_000;

export class ReconnectBackoff {
  #nextDelayMs = RECONNECT_FIRST_DELAY_MS;
  attempts = 0;

  /** The delay before the next attempt; each failure doubles it up to the ceiling. */
  nextDelayMs(): number {
    const delayMs = this.#nextDelayMs;
    this.#nextDelayMs = Math.min(this.#nextDelayMs * 2, RECONNECT_DELAY_MS_MAX);
    this.attempts++;
    return delayMs;
  }

  /** Connected: the next drop starts again from the first delay. */
  reset(): void {
    this.#nextDelayMs = RECONNECT_FIRST_DELAY_MS;
  }
}
