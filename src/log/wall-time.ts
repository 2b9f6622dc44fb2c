// Wall-clock text for people in Kazakhstan: one time zone, UTC+5, since 1 March 2024
// (reference/kazakhstan.md). No Date here: src/ reads time only through the Clock port, and
// the civil date is a few lines of integer arithmetic.

export const KAZAKHSTAN_OFFSET_MS = 5 * 3_600_000;
const DAY_MS = 86_400_000;

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** Year, month, day of a count of days since 1970-01-01 (the proleptic Gregorian calendar). */
export function civilFromDays(daysSinceEpoch: number): {
  readonly year: number;
  readonly month: number;
  readonly day: number;
} {
  // Howard Hinnant's days-to-civil: shift to eras of 400 years starting on 1 March.
  const shifted = daysSinceEpoch + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** "2026-11-26 14:03:07" in Kazakhstan time, or "clock not set" for NaN. */
export function formatWallMs(wallMs: number): string {
  if (!Number.isFinite(wallMs)) return 'clock not set';
  const localMs = Math.floor(wallMs) + KAZAKHSTAN_OFFSET_MS;
  const days = Math.floor(localMs / DAY_MS);
  const civil = civilFromDays(days);
  const secondOfDay = Math.floor((localMs - days * DAY_MS) / 1000);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  return `${civil.year}-${twoDigits(civil.month)}-${twoDigits(civil.day)} ${twoDigits(hour)}:${twoDigits(minute)}:${twoDigits(second)}`;
}
