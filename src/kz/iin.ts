// The Kazakh individual identification number (ИИН / ЖСН): its check and its birth date. Rules:
// docs/kazakhstan.md. Pure: no clock of its own (today is a parameter). Masking it: src/log/mask.ts.
import { civilFromDays } from '../log/wall-time';

export const IIN_DIGITS = 12;

export type IinReason = 'length' | 'not-digits' | 'birth-date' | 'century' | 'checksum' | 'future';

export type IinVerdict =
  | { readonly ok: true; readonly birthDate: string; readonly sex: 'male' | 'female' }
  | { readonly ok: false; readonly reason: IinReason };

/** Second weight set, used only when the first sum leaves 10 (reference: "w = (3,4,...,1,2)"). */
const WEIGHTS_SECOND = Object.freeze([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
/** Kazakhstan has one time zone, UTC+5, since 1 March 2024: "today" is the date there. */
const KAZAKHSTAN_OFFSET_MS = 5 * 3_600_000;
const DAY_MS = 86_400_000;

const REJECT_LENGTH = Object.freeze<IinVerdict>({ ok: false, reason: 'length' });
const REJECT_NOT_DIGITS = Object.freeze<IinVerdict>({ ok: false, reason: 'not-digits' });
const REJECT_CENTURY = Object.freeze<IinVerdict>({ ok: false, reason: 'century' });
const REJECT_BIRTH_DATE = Object.freeze<IinVerdict>({ ok: false, reason: 'birth-date' });
const REJECT_CHECKSUM = Object.freeze<IinVerdict>({ ok: false, reason: 'checksum' });
const REJECT_FUTURE = Object.freeze<IinVerdict>({ ok: false, reason: 'future' });

function digitAt(text: string, index: number): number {
  return text.charCodeAt(index) - 48;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The check digit the reference's algorithm gives for the first 11 digits, or -1 when both
 * weighted sums leave 10: such a number is never issued (writing 0 is another country's rule).
 */
export function iinCheckDigit(digits: string): number {
  let sum = 0;
  for (let index = 0; index < 11; index++) sum += digitAt(digits, index) * (index + 1);
  if (sum % 11 !== 10) return sum % 11;
  sum = 0;
  for (let index = 0; index < 11; index++) sum += digitAt(digits, index) * WEIGHTS_SECOND[index];
  return sum % 11 === 10 ? -1 : sum % 11;
}

/** Today's date in Kazakhstan (UTC+5) as YYYYMMDD, from the wall clock in UTC ms. */
export function kazakhstanDate(wallMs: number): number {
  const civil = civilFromDays(Math.floor((wallMs + KAZAKHSTAN_OFFSET_MS) / DAY_MS));
  return civil.year * 10_000 + civil.month * 100 + civil.day;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/**
 * Validates an IIN typed by a customer: 12 digits, a known century digit, a real birth date,
 * the check digit, and (when `todayWallMs` is a set wall clock) a birth date not after today.
 */
export function validateIin(digits: string, todayWallMs: number = Number.NaN): IinVerdict {
  if (digits.length !== IIN_DIGITS) return REJECT_LENGTH;
  for (let index = 0; index < IIN_DIGITS; index++) {
    const digit = digitAt(digits, index);
    if (!(digit >= 0 && digit <= 9)) return REJECT_NOT_DIGITS;
  }
  const centuryDigit = digitAt(digits, 6);
  // 1/2 → 1800s, 3/4 → 1900s, 5/6 → 2000s; odd male, even female; 0 and 7–9 are not issued.
  if (centuryDigit < 1 || centuryDigit > 6) return REJECT_CENTURY;
  const year = 1800 + 100 * Math.floor((centuryDigit - 1) / 2) + digitAt(digits, 0) * 10 + digitAt(digits, 1);
  const month = digitAt(digits, 2) * 10 + digitAt(digits, 3);
  const day = digitAt(digits, 4) * 10 + digitAt(digits, 5);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return REJECT_BIRTH_DATE;
  const check = iinCheckDigit(digits);
  if (check < 0 || check !== digitAt(digits, 11)) return REJECT_CHECKSUM;
  if (Number.isFinite(todayWallMs) && year * 10_000 + month * 100 + day > kazakhstanDate(todayWallMs))
    return REJECT_FUTURE;
  return {
    ok: true,
    birthDate: `${year}-${twoDigits(month)}-${twoDigits(day)}`,
    sex: centuryDigit % 2 === 1 ? 'male' : 'female',
  };
}
