// The subset of node:assert/strict that the core tests use, for the XS engine.
function fail(message: string | undefined, fallback: string): never {
  throw new Error(message ?? fallback);
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

const assert = {
  ok(value: unknown, message?: string): void {
    if (!value) fail(message, `expected truthy, got ${String(value)}`);
  },
  equal(actual: unknown, expected: unknown, message?: string): void {
    if (!Object.is(actual, expected)) fail(message, `${String(actual)} !== ${String(expected)}`);
  },
  notEqual(actual: unknown, expected: unknown, message?: string): void {
    if (Object.is(actual, expected)) fail(message, `${String(actual)} === ${String(expected)}`);
  },
  deepEqual(actual: unknown, expected: unknown, message?: string): void {
    if (!same(actual, expected)) fail(message, `${JSON.stringify(actual)} differs from ${JSON.stringify(expected)}`);
  },
  match(text: string, pattern: RegExp, message?: string): void {
    if (!pattern.test(text)) fail(message, `${JSON.stringify(text)} does not match ${String(pattern)}`);
  },
  throws(block: () => unknown, pattern?: RegExp, message?: string): void {
    try {
      block();
    } catch (error) {
      if (pattern !== undefined && !pattern.test(String(error instanceof Error ? error.message : error))) {
        fail(message, `threw ${String(error)}, not matching ${String(pattern)}`);
      }
      return;
    }
    fail(message, 'expected a throw');
  },
};

export default assert;
