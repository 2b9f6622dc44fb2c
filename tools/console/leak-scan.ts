// For tests: collects everything a console wrote during the whole test run and finds any full
// IIN or card number in it. Deliberately independent of src/log/mask.ts: it looks for any
// run of 12 or more digits, for digits grouped as a card number or an IIN is written
// (4-4-4-4, 4-6-5, 6-6), and for the exact secrets and customer numbers the tests planted.
// Pure TypeScript: the core tests use it inside XS too.

/** Planted values that must never appear in console output (test fixtures add theirs). */
const planted = new Set<string>();
const leaks: string[] = [];
let scannedChars = 0;

const FULL_NUMBERS: readonly RegExp[] = [
  /\d{12,}/g,
  /(?:^|\D)(\d{4}([ -])\d{4}\2\d{4}\2\d{1,4}(?:\2\d{1,3})?)(?!\d)/g,
  /(?:^|\D)(\d{4}[ -]\d{6}[ -]\d{4,5})(?!\d)/g,
  /(?:^|\D)(\d{6}[ -]\d{6})(?!\d)/g,
];

export function plantSecret(value: string): void {
  planted.add(value);
}

/** The leaks in one piece of text: full numbers and planted values. */
export function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const pattern of FULL_NUMBERS) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) found.push(match[1] ?? match[0]);
  }
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
