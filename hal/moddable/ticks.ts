// Time.ticks arithmetic, kept free of Moddable imports so the Node suite can test it.

export const TICKS_MODULUS = 0x1_0000_0000;

/**
 * Milliseconds from `previousTicks` to `currentTicks` of a 32-bit millisecond counter that
 * wraps every 2^32 ms (49.7 days) and may be reported signed or unsigned: the difference
 * modulo 2^32 is right either way, provided the two readings are less than 49.7 days apart.
 */
export function ticksElapsedMs(previousTicks: number, currentTicks: number): number {
  return (((currentTicks - previousTicks) % TICKS_MODULUS) + TICKS_MODULUS) % TICKS_MODULUS;
}
