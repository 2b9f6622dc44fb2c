// For tests: collects everything a console wrote during the whole test run and finds any full
// IIN or card number in it. Deliberately independent of src/log/mask.ts (its own regular
// expressions): it looks for any run of 12 or more digits, for digits grouped as a card number
// or an IIN is written — by spaces, dashes or dots: 4-4-4-4, 4-6-5, 6-6-4, 6-6, and 4-4-4 or
// pairs when they read as an IIN's birth date — anywhere inside a longer run of groups, and for
// the exact secrets and customer numbers the tests planted.
// Pure TypeScript: the core tests use it inside XS too.

/** Planted values that must never appear in console output (test fixtures add theirs). */
const planted = new Set<string>();
const leaks: string[] = [];
let scannedChars = 0;

/** A maximal run of digit groups, each joined to the next by one space, dash or dot. */
const DIGIT_RUN = /\d+(?:[ .-]\d+)*/g;
/** Group sizes, joined by '-', of the ways a card number or an IIN is written. */
const NUMBER_LAYOUTS: readonly RegExp[] = [/^4-4-4-[1-4]$/, /^4-4-4-4-[1-3]$/, /^4-6-[45]$/, /^6-6-4$/, /^6-6$/];
/** Layouts lists of amounts take too: a number only when the digits start like an IIN (YYMMDD, century 1-6). */
const IIN_SHAPED_LAYOUTS: readonly RegExp[] = [/^4-4-4$/, /^2-2-2-2-2-2$/];
const IIN_HEAD = /^\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[1-6]/;
const GROUPS_IN_A_NUMBER_MAX = 8;

export function plantSecret(value: string): void {
  planted.add(value);
}

function isFullNumber(groups: readonly string[]): boolean {
  if (groups.length === 1) return groups[0].length >= 12;
  const layout = groups.map((group) => group.length).join('-');
  if (NUMBER_LAYOUTS.some((pattern) => pattern.test(layout))) return true;
  return IIN_SHAPED_LAYOUTS.some((pattern) => pattern.test(layout)) && IIN_HEAD.test(groups.join(''));
}

/** The full numbers in one run of groups: the longest at each group, none inside one already found. */
function numbersIn(run: string): string[] {
  const groups = run.split(/[ .-]/);
  const offsets: number[] = [];
  for (let index = 0, at = 0; index < groups.length; at += groups[index].length + 1, index++) offsets.push(at);
  const found: string[] = [];
  let foundEnd = 0;
  for (let first = 0; first < groups.length; first++) {
    for (let last = Math.min(groups.length, first + GROUPS_IN_A_NUMBER_MAX); last > first && last > foundEnd; last--) {
      if (!isFullNumber(groups.slice(first, last))) continue;
      found.push(run.slice(offsets[first], offsets[last - 1] + groups[last - 1].length));
      foundEnd = last;
      break;
    }
  }
  return found;
}

/** The leaks in one piece of text: full numbers and planted values. */
export function leaksIn(text: string): string[] {
  const found: string[] = [];
  DIGIT_RUN.lastIndex = 0;
  for (let match = DIGIT_RUN.exec(text); match !== null; match = DIGIT_RUN.exec(text))
    found.push(...numbersIn(match[0]));
  for (const value of planted) if (text.includes(value)) found.push(value);
  return found;
}

/** The last characters of each stream, so a number split across two reads is still seen whole. */
const tails = new Map<string, string>();
const TAIL_CHARS = 64;

/** Records console output: every byte a test reads from a console goes through here, per stream. */
export function scanConsoleOutput(text: string, stream = 'console'): void {
  scannedChars += text.length;
  const tail = tails.get(stream) ?? '';
  const seen = tail + text;
  for (const leak of leaksIn(seen)) {
    // A leak wholly inside the old tail was counted when that text came.
    if (seen.lastIndexOf(leak) + leak.length > tail.length && leaks.length < 100) leaks.push(leak);
  }
  tails.set(stream, seen.slice(-TAIL_CHARS));
}

export function consoleLeakReport(): { readonly scannedChars: number; readonly leaks: readonly string[] } {
  return { scannedChars, leaks: leaks.slice() };
}
