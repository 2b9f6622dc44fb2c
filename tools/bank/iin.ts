// The Kazakh IIN (ЖСН / ИИН) as the bank checks it (docs/kazakhstan.md):
// 12 digits, YYMMDD birth date, a century-and-sex digit, a serial, a check digit computed
// with two weight sets; a number whose second sum is 10 again is never issued.
const WEIGHTS_FIRST = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
const WEIGHTS_SECOND = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2] as const;

function weightedSumMod11(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < 11; index++) sum += digits[index] * weights[index];
  return sum % 11;
}

/** The century the 7th digit names (1/2 → 1800s, 3/4 → 1900s, 5/6 → 2000s), or undefined. */
function centuryOf(digit: number): number | undefined {
  if (digit === 1 || digit === 2) return 1800;
  if (digit === 3 || digit === 4) return 1900;
  if (digit === 5 || digit === 6) return 2000;
  return undefined;
}

export function isValidIin(iin: string): boolean {
  if (!/^\d{12}$/.test(iin)) return false;
  const digits = [...iin].map(Number);
  const century = centuryOf(digits[6]);
  if (century === undefined) return false;
  const year = century + digits[0] * 10 + digits[1];
  const month = digits[2] * 10 + digits[3];
  const day = digits[4] * 10 + digits[5];
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  let check = weightedSumMod11(digits, WEIGHTS_FIRST);
  if (check === 10) check = weightedSumMod11(digits, WEIGHTS_SECOND);
  if (check === 10) return false; // never issued
  return digits[11] === check;
}

/** First two and last two digits, the rest hidden: how an IIN appears in any output. */
export function maskIin(iin: string): string {
  return iin.length === 12 ? `${iin.slice(0, 2)}********${iin.slice(10)}` : '************';
}
