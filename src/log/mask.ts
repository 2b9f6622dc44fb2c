// The one masking function for everything the machine writes where a person can read it
// (the console, the event log). It masks by shape, not by knowing where a value came from,
// so a customer number that reaches the console by a path nobody foresaw is masked too.
//
//   12 digits (an IIN, kazakhstan.md)      first 2 and last 2 kept:   90********23
//   13-19 digits (a card number, PCI DSS)  at most first 6, last 4:   440043******5678
//   20 or more digits                      first 2 and last 2 kept
//   a token or key (hex, base64) >= 16     first 4 kept:              3f9a************
//
// Digits count as one run across single spaces or dashes when the groups are laid out as a
// card number or an IIN is written ("4400 4302 1234 5678", "900101 300123"), while dates,
// amounts and lists ("2026-11-26", "1000 2000 5000 10000") stay as they are. Masking keeps the length, so tables stay aligned and an echo can be
// erased character for character.

export const IIN_DIGITS = 12;
export const CARD_DIGITS_MIN = 13;
export const CARD_DIGITS_MAX = 19;
export const TOKEN_CHARS_MIN = 16;
/** The longest text masked in one call; longer text is cut (the console's replies are far shorter). */
export const MASK_TEXT_CHARS_MAX = 16 * 1024;

const MASK = '*';

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

function isHexLetter(code: number): boolean {
  return (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** The alphabet of hex, base64 and base64url tokens ('=' only as padding at the end). */
function isTokenChar(code: number): boolean {
  return isDigit(code) || isLower(code) || isUpper(code) || code === 43 || code === 47 || code === 95 || code === 45;
}

const EQUALS = 61;
const PADDING_CHARS_MAX = 2;
/** Letters alone look random only when long: shorter mixed-case words are camelCase names. */
const LETTERS_ONLY_TOKEN_CHARS_MIN = 24;

/** How many digits of a run of `count` digits stay visible at the start and at the end. */
function keptDigits(count: number): { readonly head: number; readonly tail: number } {
  if (count >= CARD_DIGITS_MIN && count <= CARD_DIGITS_MAX) return CARD_KEPT;
  return IIN_KEPT;
}
const CARD_KEPT = Object.freeze({ head: 6, tail: 4 });
const IIN_KEPT = Object.freeze({ head: 2, tail: 2 });

const GROUPS_MAX = 8;

/**
 * Digits written in groups count as one run only in the layouts a card or an IIN is written
 * in: 4-4-4-1..4 and 4-4-4-4-1..3 (cards), 4-6-4 and 4-6-5 (Amex, Diners), 6-6 (an IIN).
 * A list such as "1000 2000 5000 10000 20000" (a bill table) is not one of them.
 */
function isNumberLayout(groups: readonly number[], count: number): boolean {
  if (count === 2) return groups[0] === 6 && groups[1] === 6;
  if (count === 3 && groups[0] === 4 && groups[1] === 6) return groups[2] === 4 || groups[2] === 5;
  if (count !== 4 && count !== 5) return false;
  for (let index = 0; index < count - 1; index++) if (groups[index] !== 4) return false;
  return groups[count - 1] >= 1 && groups[count - 1] <= (count === 4 ? 4 : 3);
}

/** The end (exclusive) of the digit run that starts at `start`, and its digit count. */
function digitRunEnd(chars: readonly string[], start: number): { readonly end: number; readonly digits: number } {
  // First the maximal run of digit groups joined by single spaces or dashes. (A local array, not
  // a module-level scratch: modules are preloaded into flash on the board, frozen.)
  const groupSizes: number[] = [];
  let index = start;
  let groupDigits = 0;
  let firstGroupEnd = -1;
  while (index < chars.length) {
    if (isDigit(chars[index].charCodeAt(0))) {
      groupDigits++;
      index++;
      continue;
    }
    const code = chars[index].charCodeAt(0);
    const separator = code === 32 || code === 45;
    const nextIsDigit = index + 1 < chars.length && isDigit(chars[index + 1].charCodeAt(0));
    if (!separator || !nextIsDigit || groupSizes.length === GROUPS_MAX) break;
    if (firstGroupEnd < 0) firstGroupEnd = index;
    groupSizes.push(groupDigits);
    groupDigits = 0;
    index++;
  }
  groupSizes.push(groupDigits);
  if (groupSizes.length === 1) return { end: index, digits: groupDigits };
  if (isNumberLayout(groupSizes, groupSizes.length)) {
    let digits = 0;
    for (const size of groupSizes) digits += size;
    return { end: index, digits };
  }
  // Not a layout: the first group stands alone (the next one is looked at on its own).
  return { end: firstGroupEnd, digits: groupSizes[0] };
}

function maskDigitRuns(chars: string[]): void {
  let index = 0;
  while (index < chars.length) {
    if (!isDigit(chars[index].charCodeAt(0))) {
      index++;
      continue;
    }
    const run = digitRunEnd(chars, index);
    if (run.digits >= IIN_DIGITS) {
      const kept = keptDigits(run.digits);
      let digitIndex = 0;
      for (let at = index; at < run.end; at++) {
        if (!isDigit(chars[at].charCodeAt(0))) continue;
        if (digitIndex >= kept.head && digitIndex < run.digits - kept.tail) chars[at] = MASK;
        digitIndex++;
      }
    }
    index = run.end;
  }
}

/** A token is long, and looks random: all hex, or letters mixed with digits, or long and mixed case. */
function looksLikeToken(chars: readonly string[], start: number, end: number): boolean {
  if (end - start < TOKEN_CHARS_MIN) return false;
  let hexOnly = true;
  let digits = false;
  let lower = false;
  let upper = false;
  for (let index = start; index < end; index++) {
    const code = chars[index].charCodeAt(0);
    if (isDigit(code)) digits = true;
    else if (isLower(code)) lower = true;
    else if (isUpper(code)) upper = true;
    if (!isDigit(code) && !isHexLetter(code)) hexOnly = false;
  }
  return hexOnly || (digits && (lower || upper)) || (lower && upper && end - start >= LETTERS_ONLY_TOKEN_CHARS_MIN);
}

function maskTokens(chars: string[]): void {
  let index = 0;
  while (index < chars.length) {
    if (!isTokenChar(chars[index].charCodeAt(0))) {
      index++;
      continue;
    }
    let end = index;
    while (end < chars.length && isTokenChar(chars[end].charCodeAt(0))) end++;
    let padded = end;
    while (padded < chars.length && padded - end < PADDING_CHARS_MAX && chars[padded].charCodeAt(0) === EQUALS) padded++;
    if (looksLikeToken(chars, index, end)) {
      for (let at = index + 4; at < padded; at++) chars[at] = MASK;
    }
    index = padded;
  }
}

/** Returns `text` with every IIN, card number, token and key masked (same length). */
export function maskSensitive(text: string): string {
  const limited = text.length > MASK_TEXT_CHARS_MAX ? text.slice(0, MASK_TEXT_CHARS_MAX) : text;
  if (!mayNeedMasking(limited)) return limited;
  const chars = limited.split('');
  maskDigitRuns(chars);
  maskTokens(chars);
  return chars.join('');
}

/** A quick pass: text with no run of 12 digits and no 16 token characters needs nothing (most lines). */
function mayNeedMasking(text: string): boolean {
  let digitsAndSeparators = 0;
  let tokenChars = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    digitsAndSeparators = isDigit(code) || code === 32 || code === 45 ? digitsAndSeparators + 1 : 0;
    tokenChars = isTokenChar(code) || code === EQUALS ? tokenChars + 1 : 0;
    if (digitsAndSeparators >= IIN_DIGITS || tokenChars >= TOKEN_CHARS_MIN) return true;
  }
  return false;
}
