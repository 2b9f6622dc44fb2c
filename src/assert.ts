// Assertions stay on in production: a controller that is wrong about money stops, and the
// watchdog restarts it into recovery from the ledger.
export class AssertionFailed extends Error {}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}
