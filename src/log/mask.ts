// The one place a customer's numbers are masked, with one rule for each kind wherever it is shown:
// an IIN keeps its first 2 and last 2 digits, a card number its last 4 (IIN_KEPT, CARD_KEPT).
// maskIin and maskPan mask a number known to be one (a screen, a receipt, the bank's books);
// maskSensitive masks everything the machine writes where a person can read it (the console,
// the event log) by shape, not by knowing where a value came from, so a customer number that
// reaches the console by a path nobody foresaw is masked too:
//
//   12 digits (an IIN, kazakhstan.md)      first 2 and last 2 kept:   90********23
//   13-19 digits (a card number)           last 4 kept:               ************5678
//   20 or more digits                      first 2 and last 2 kept
//   a token or key (hex, base64) >= 16     first 4 kept:              3f9a************
//
// Digits written in groups (joined by single spaces, dashes or dots) count as one number when the
// groups are laid out as a card number or an IIN is written: "4400 4302 1234 5678",
// "440043 021234 5678", "4400.4302.1234.5678", "900101 300126", and — when the digits read as an
// IIN's birth date and century (see iinShaped) — "9001 0130 0126" and "90 01 01 30 01 26". Every
// layout inside a longer run counts, so a number next to a date or an amount is still found;
// lists, dates and amounts ("1000 2000 5000 10000", "2026-11-26", "15 000 000.00") stay as they
// are. Masking keeps the length, so tables stay aligned and an echo can be erased character for
// character.

import { IIN_DIGITS } from '../kz/iin';

export const CARD_DIGITS_MIN = 13;
export const CARD_DIGITS_MAX = 19;
export const TOKEN_CHARS_MIN = 16;
/** The longest text masked in one call; longer text is cut (the console's replies are far shorter). */
export const MASK_TEXT_CHARS_MAX = 16 * 1024;

const MASK = '*';

/** What of a customer's number stays visible: its first `head` and last `tail` characters. */
export interface KeptDigits {
  readonly head: number;
  readonly tail: number;
}
/** An IIN (kazakhstan.md): the first 2 and last 2 digits. */
export const IIN_KEPT: KeptDigits = Object.freeze({ head: 2, tail: 2 });
/**
 * A card number: the last 4 digits only. Stricter than PCI DSS's first 6 and last 4 on purpose:
 * the card driver keeps nothing else of the number (src/card/driver.ts), and the BIN would say
 * nothing to the customer.
 */
export const CARD_KEPT: KeptDigits = Object.freeze({ head: 0, tail: 4 });

/**
 * Whether the character at `index` of a number `length` characters long stays visible. A number
 * shorter than twice what it would show is masked whole: too short to hide anything behind.
 */
export function isKeptAt(kept: KeptDigits, index: number, length: number): boolean {
  if (length < 2 * (kept.head + kept.tail)) return false;
  return index < kept.head || index >= length - kept.tail;
}

/** An IIN for a screen, a receipt or the bank's books: "900101300017" → "90********17". */
export function maskIin(iin: string): string {
  let masked = '';
  for (let index = 0; index < iin.length; index++)
    masked += isKeptAt(IIN_KEPT, index, iin.length) ? iin.charAt(index) : MASK;
  return masked;
}

/**
 * A card number for a screen or a receipt from its digit count and its last CARD_KEPT.tail
 * digits, all the card driver keeps of it: grouped in fours from the right ("**** **** **** 0014").
 */
export function maskPanOfLength(panDigits: number, lastDigits: string): string {
  const lastAt = panDigits - lastDigits.length;
  let masked = '';
  for (let index = 0; index < panDigits; index++) {
    if (index > 0 && (panDigits - index) % 4 === 0) masked += ' ';
    masked += isKeptAt(CARD_KEPT, index, panDigits) && index >= lastAt ? lastDigits.charAt(index - lastAt) : MASK;
  }
  return masked;
}

/** A card number for a screen or a receipt: "4400430000000014" → "**** **** **** 0014". */
export function maskPan(pan: string): string {
  return maskPanOfLength(pan.length, pan.slice(pan.length - CARD_KEPT.tail));
}

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
function keptDigits(count: number): KeptDigits {
  if (count >= CARD_DIGITS_MIN && count <= CARD_DIGITS_MAX) return CARD_KEPT;
  return IIN_KEPT;
}

/** Groups one number may span: a 19-digit card in 4s is 5 groups, an IIN in pairs 6. */
const GROUPS_MAX = 8;

function isGroupSeparator(code: number): boolean {
  return code === 32 || code === 45 || code === 46; // space, dash, dot
}

/**
 * What the groups g[0..count) make: 'number' for the layouts a card number or an IIN is written
 * in — 4-4-4-1..4 and 4-4-4-4-1..3, 4-6-4 and 4-6-5 (Amex, Diners), 6-6-4 (cards), 6-6 (an
 * IIN) — 'iin-shaped' for 4-4-4 and 2-2-2-2-2-2, which lists of amounts can take too (an IIN
 * only if its digits say so), and 'none' otherwise.
 */
function layoutOf(groups: readonly number[], first: number, count: number): 'number' | 'iin-shaped' | 'none' {
  const at = (index: number) => groups[first + index];
  if (count === 2) return at(0) === 6 && at(1) === 6 ? 'number' : 'none';
  if (count === 3) {
    if (at(0) === 4 && at(1) === 6 && (at(2) === 4 || at(2) === 5)) return 'number';
    if (at(0) === 6 && at(1) === 6 && at(2) === 4) return 'number';
    if (at(0) === 4 && at(1) === 4 && at(2) === 4) return 'iin-shaped';
    return 'none';
  }
  if (count === 6) {
    for (let index = 0; index < 6; index++) if (at(index) !== 2) return 'none';
    return 'iin-shaped';
  }
  if (count !== 4 && count !== 5) return 'none';
  for (let index = 0; index < count - 1; index++) if (at(index) !== 4) return 'none';
  return at(count - 1) >= 1 && at(count - 1) <= (count === 4 ? 4 : 3) ? 'number' : 'none';
}

/** Whether 12 digits read as an IIN's head: a month 01-12, a day 01-31 and a century digit 1-6 (kazakhstan.md). */
function iinShaped(digits: readonly number[]): boolean {
  const month = digits[2] * 10 + digits[3];
  const day = digits[4] * 10 + digits[5];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && digits[6] >= 1 && digits[6] <= 6;
}

/**
 * One maximal run of digit groups from `start`: the groups' [start, end) in `starts`/`ends`
 * (their digit counts are end - start). Returns the index after the run.
 */
function readRun(chars: readonly string[], start: number, starts: number[], ends: number[]): number {
  let index = start;
  for (;;) {
    const groupStart = index;
    while (index < chars.length && isDigit(chars[index].charCodeAt(0))) index++;
    starts.push(groupStart);
    ends.push(index);
    const joined =
      index + 1 < chars.length &&
      isGroupSeparator(chars[index].charCodeAt(0)) &&
      isDigit(chars[index + 1].charCodeAt(0));
    if (!joined) return index;
    index++;
  }
}

/**
 * Marks the digits of groups [first, last) to be masked, keeping the head and tail the kind of
 * number allows; 'iin-shaped' groups only when their digits read as an IIN. Returns whether it marked.
 */
function markNumber(
  chars: readonly string[],
  starts: readonly number[],
  ends: readonly number[],
  first: number,
  last: number,
  layout: 'number' | 'iin-shaped',
  marks: Uint8Array,
): boolean {
  const digits: number[] = [];
  for (let group = first; group < last; group++) {
    for (let at = starts[group]; at < ends[group]; at++) digits.push(chars[at].charCodeAt(0) - 48);
  }
  if (layout === 'iin-shaped' && !iinShaped(digits)) return false;
  const kept = keptDigits(digits.length);
  let digitIndex = 0;
  for (let group = first; group < last; group++) {
    for (let at = starts[group]; at < ends[group]; at++, digitIndex++) {
      if (!isKeptAt(kept, digitIndex, digits.length)) marks[at] = 1;
    }
  }
  return true;
}

/**
 * Marks, in one run, the longest number that starts at each group (a lone group of 12 digits or
 * more counts). A number wholly inside one already marked is skipped: it has a masked digit
 * already (at most 10 of a number's digits stay visible, and it has 12 or more).
 */
function markRun(
  chars: readonly string[],
  starts: readonly number[],
  ends: readonly number[],
  marks: Uint8Array,
): void {
  const sizes: number[] = [];
  for (let group = 0; group < starts.length; group++) sizes.push(ends[group] - starts[group]);
  let markedEnd = 0; // groups before this one lie inside a number already marked
  for (let first = 0; first < sizes.length; first++) {
    let found = false;
    for (
      let count = Math.min(GROUPS_MAX, sizes.length - first);
      count >= 2 && !found && first + count > markedEnd;
      count--
    ) {
      const layout = layoutOf(sizes, first, count);
      if (layout !== 'none') found = markNumber(chars, starts, ends, first, first + count, layout, marks);
      if (found) markedEnd = first + count;
    }
    if (!found && first + 1 > markedEnd && sizes[first] >= IIN_DIGITS) {
      markNumber(chars, starts, ends, first, first + 1, 'number', marks);
      markedEnd = first + 1;
    }
  }
}

function maskDigitRuns(chars: string[]): void {
  const marks = new Uint8Array(chars.length);
  const starts: number[] = [];
  const ends: number[] = [];
  let index = 0;
  while (index < chars.length) {
    if (!isDigit(chars[index].charCodeAt(0))) {
      index++;
      continue;
    }
    starts.length = 0;
    ends.length = 0;
    index = readRun(chars, index, starts, ends);
    markRun(chars, starts, ends, marks);
  }
  for (let at = 0; at < chars.length; at++) if (marks[at] === 1) chars[at] = MASK;
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
    while (padded < chars.length && padded - end < PADDING_CHARS_MAX && chars[padded].charCodeAt(0) === EQUALS)
      padded++;
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
    digitsAndSeparators = isDigit(code) || isGroupSeparator(code) ? digitsAndSeparators + 1 : 0;
    tokenChars = isTokenChar(code) || code === EQUALS ? tokenChars + 1 : 0;
    if (digitsAndSeparators >= IIN_DIGITS || tokenChars >= TOKEN_CHARS_MIN) return true;
  }
  return false;
}
