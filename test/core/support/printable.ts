// JSON text of any value, for assertion messages and leak checks in the core tests.
//
// Why not JSON.stringify directly: on Moddable's XS, JSON.stringify marks each object it visits
// (to find cycles), and an object preloaded into flash cannot be marked — a frozen constant of
// the firmware, such as a card event `{ kind: 'inserted' }`, makes it throw "read only value".
// The core suite runs with the firmware preloaded (test/moddable/core.test.ts), so it prints
// copies made of fresh objects. The firmware itself never stringifies its own constants.

function copy(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
  if (ArrayBuffer.isView(value)) return Array.from(value as Uint8Array);
  const fresh: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) fresh[key] = copy(item, depth + 1);
  return fresh;
}

export function printable(value: unknown): string {
  return JSON.stringify(copy(value, 0));
}
