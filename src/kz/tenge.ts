// Money and dates as the customer reads them, in Kazakhstan's conventions.
// Amounts are integer tiyn (1 ₸ = 100 tiyn); never a float.
import { assert } from '../assert';

/**
 * U+00A0 NO-BREAK SPACE between digit groups and before the sign: Kazakh and Russian write
 * "15 000 ₸" with a space (CLDR kk/ru use U+00A0 for grouping), and a no-break space keeps an
 * amount on one line of the screen. Not U+202F (narrow): the screen's font may lack it.
 */
export const GROUP_SEPARATOR = '\u00a0';
export const TENGE_SIGN = '\u20b8';
/** The decimal separator of kk/ru: a comma ("15 000,50 ₸"). */
export const DECIMAL_SEPARATOR = ',';
export const TIYN_PER_TENGE = 100;

function groupThousands(wholeTenge: number): string {
  const digits = `${wholeTenge}`;
  // The first group holds what is left over from threes; then one slice a group.
  const first = digits.length % 3 === 0 ? 3 : digits.length % 3;
  let grouped = digits.slice(0, first);
  for (let index = first; index < digits.length; index += 3)
    grouped += GROUP_SEPARATOR + digits.slice(index, index + 3);
  return grouped;
}

/** 1 500 000 tiyn → "15 000 ₸"; 1 500 050 tiyn → "15 000,50 ₸" (tiyn shown only when not zero). */
export function formatTiyn(amountTiyn: number): string {
  assert(
    Number.isSafeInteger(amountTiyn) && amountTiyn >= 0,
    `amount not a whole non-negative tiyn count: ${amountTiyn}`,
  );
  const wholeTenge = Math.floor(amountTiyn / TIYN_PER_TENGE);
  const tiyn = amountTiyn % TIYN_PER_TENGE;
  const fraction = tiyn === 0 ? '' : DECIMAL_SEPARATOR + (tiyn < 10 ? `0${tiyn}` : `${tiyn}`);
  return groupThousands(wholeTenge) + fraction + GROUP_SEPARATOR + TENGE_SIGN;
}

/** Alias under the name the brief used. */
export const formatTenge = formatTiyn;

/** "2026-12-10" → "10.12.2026" (dd.mm.yyyy, as Kazakh and Russian screens and receipts write it). */
export function formatDate(isoDate: string): string {
  assert(/^\d{4}-\d{2}-\d{2}$/.test(isoDate), `not a YYYY-MM-DD date: ${JSON.stringify(isoDate)}`);
  return `${isoDate.slice(8, 10)}.${isoDate.slice(5, 7)}.${isoDate.slice(0, 4)}`;
}
