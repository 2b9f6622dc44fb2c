// The ten money invariants by name, in the one checker's order (tools/invariants/money.ts): what
// the checker's own tests and the scenario runner's results must both name.
export const INVARIANT_NAMES: readonly string[] = Object.freeze([
  'ledger-synced',
  'ack-not-ahead-of-head',
  'no-sequence-twice',
  'notes-agree',
  'doubts-reported',
  'sessions-add-up',
  'one-receipt-per-session-with-money',
  'cassette-count-is-the-ledgers',
  'bank-saw-no-anomaly',
  'firmware-never-halted',
]);
