// The money invariants a scenario ends with (docs/design.md, "The money invariants"), checked
// on evidence gathered from three independent witnesses once the ledger has synced: the
// firmware's ledger (its flash), the reference bank's books (over its admin API) and the
// validator simulator's own truth (what physically reached the cassette). Pure functions over
// plain data, so a test can hand them broken evidence and see each check fail.

import type { LedgerRecord } from '../../src/ledger/records';

export interface LedgerEntry {
  readonly sequence: number;
  readonly record: LedgerRecord;
}

export interface RunEvidence {
  readonly atmId: string;
  /** The ledger's head when the run started: the run's records are the ones above it. */
  readonly startHeadSequence: number;
  readonly ledger: {
    readonly headSequence: number;
    readonly ackedSequence: number;
    /** Every record from the tail to the head, in the order readFrom gave them. */
    readonly entries: readonly LedgerEntry[];
  };
  readonly bank: {
    readonly storedSequence: number;
    /** /admin/notes after startHeadSequence: "sequence:sessionId:denomination". */
    readonly notes: readonly string[];
    readonly doubtsGained: number;
    readonly receiptsGained: number;
    readonly anomaliesGained: readonly string[];
    /** Receipt transaction ids the bank holds for each of the run's sessions, by session id. */
    readonly receiptIdsBySession: Readonly<Record<string, readonly string[]>>;
  };
  /** Notes in the validator's cassette, from its own truth; undefined with a real validator. */
  readonly cassetteTenge: readonly number[] | undefined;
  /** Assertion halts of the firmware's loop seen during the run. */
  readonly halts: readonly string[];
}

export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const DETAIL_ITEMS_MAX = 10;

/** Every invariant, in a fixed order. */
export function checkInvariants(evidence: RunEvidence): InvariantResult[] {
  return [
    ledgerSynced(evidence),
    ackNotAheadOfHead(evidence),
    noSequenceTwice(evidence),
    notesAgree(evidence),
    doubtsReported(evidence),
    sessionsAddUp(evidence),
    oneReceiptPerSessionWithMoney(evidence),
    bankSawNoAnomaly(evidence),
    firmwareNeverHalted(evidence),
  ];
}

function runEntries(evidence: RunEvidence): LedgerEntry[] {
  return evidence.ledger.entries.filter((entry) => entry.sequence > evidence.startHeadSequence);
}

/** The run's session closes, of sessions it opened (with --data, a boot may close an older one). */
function runCloses(evidence: RunEvidence): Extract<LedgerRecord, { kind: 'session-closed' }>[] {
  const opened = new Set<number>();
  const closes: Extract<LedgerRecord, { kind: 'session-closed' }>[] = [];
  for (const { record } of runEntries(evidence)) {
    if (record.kind === 'session-opened') opened.add(record.sessionId);
    if (record.kind === 'session-closed' && opened.has(record.sessionId)) closes.push(record);
  }
  return closes;
}

/** The highest sequence the bank must hold: the last record that travels (bank-acks do not). */
function lastSentSequence(evidence: RunEvidence): number {
  let last = 0;
  for (const entry of evidence.ledger.entries) if (entry.record.kind !== 'bank-ack') last = entry.sequence;
  return last;
}

function ledgerSynced(evidence: RunEvidence): InvariantResult {
  const needed = lastSentSequence(evidence);
  const stored = evidence.bank.storedSequence;
  return { name: 'ledger-synced', ok: stored >= needed, detail: `bank holds up to ${stored}, last record to send ${needed}` };
}

function ackNotAheadOfHead(evidence: RunEvidence): InvariantResult {
  const { headSequence, ackedSequence } = evidence.ledger;
  const stored = evidence.bank.storedSequence;
  const ok = ackedSequence <= headSequence && stored <= headSequence;
  return { name: 'ack-not-ahead-of-head', ok, detail: `ledger ack ${ackedSequence}, bank stored ${stored}, head ${headSequence}` };
}

function noSequenceTwice(evidence: RunEvidence): InvariantResult {
  const problems: string[] = [];
  let previous = 0;
  for (const entry of evidence.ledger.entries) {
    if (entry.sequence <= previous) problems.push(`ledger ${entry.sequence} after ${previous}`);
    previous = entry.sequence;
  }
  const seen = new Set<string>();
  for (const note of evidence.bank.notes) {
    const sequence = note.split(':')[0];
    if (seen.has(sequence)) problems.push(`bank credited sequence ${sequence} twice`);
    seen.add(sequence);
  }
  const sessionIds = new Set<number>();
  for (const entry of evidence.ledger.entries) {
    if (entry.record.kind !== 'session-opened') continue;
    if (sessionIds.has(entry.record.sessionId)) problems.push(`session ${entry.record.sessionId} opened twice`);
    sessionIds.add(entry.record.sessionId);
  }
  const count = evidence.ledger.entries.length;
  return { name: 'no-sequence-twice', ok: problems.length === 0, detail: problems.length === 0 ? `${count} ledger records, ${seen.size} bank notes, each once` : list(problems) };
}

/** Bank credited notes == ledger note-stacked == the validator's cassette (a doubt may or may not be there). */
function notesAgree(evidence: RunEvidence): InvariantResult {
  const entries = runEntries(evidence);
  const stacked = entries.flatMap((entry) => (entry.record.kind === 'note-stacked' ? [`${entry.sequence}:${entry.record.sessionId}:${entry.record.denominationTenge}`] : []));
  const doubts = entries.flatMap((entry) => (entry.record.kind === 'doubt' ? [entry.record] : []));
  const problems: string[] = [];
  const bankOnly = evidence.bank.notes.filter((note) => !stacked.includes(note));
  const ledgerOnly = stacked.filter((note) => !evidence.bank.notes.includes(note));
  if (bankOnly.length > 0) problems.push(`credited by the bank, not stacked in the ledger: ${list(bankOnly)}`);
  if (ledgerOnly.length > 0) problems.push(`stacked in the ledger, not credited by the bank: ${list(ledgerOnly)}`);
  const stackedByTenge = countBy(stacked.map((note) => Number(note.split(':')[2])));
  const doubtsByTenge = countBy(doubts.map((doubt) => doubt.denominationTenge));
  if (evidence.cassetteTenge !== undefined) {
    const cassetteByTenge = countBy(evidence.cassetteTenge);
    for (const tenge of new Set([...cassetteByTenge.keys(), ...stackedByTenge.keys()])) {
      const extra = (cassetteByTenge.get(tenge) ?? 0) - (stackedByTenge.get(tenge) ?? 0);
      // A note in doubt is the one case where the cassette may hold a note nobody credited.
      if (extra < 0 || extra > (doubtsByTenge.get(tenge) ?? 0)) {
        problems.push(`${tenge} ₸: cassette ${cassetteByTenge.get(tenge) ?? 0}, stacked ${stackedByTenge.get(tenge) ?? 0}, in doubt ${doubtsByTenge.get(tenge) ?? 0}`);
      }
    }
  }
  const doubtText = doubts.length === 0 ? 'no doubts' : `doubts: ${list(doubts.map((doubt) => `session ${doubt.sessionId} ${doubt.denominationTenge} ₸ (${doubt.reason})`))}`;
  const cassetteText = evidence.cassetteTenge === undefined ? 'a real validator: cassette not compared' : `cassette ${evidence.cassetteTenge.length}`;
  const summary = `bank ${evidence.bank.notes.length}, ledger ${stacked.length}, ${cassetteText} notes; ${doubtText}`;
  return { name: 'notes-agree', ok: problems.length === 0, detail: problems.length === 0 ? summary : `${problems.join('; ')}; ${summary}` };
}

function doubtsReported(evidence: RunEvidence): InvariantResult {
  const ledgerDoubts = runEntries(evidence).filter((entry) => entry.record.kind === 'doubt').length;
  const ok = evidence.bank.doubtsGained === ledgerDoubts;
  return { name: 'doubts-reported', ok, detail: `ledger ${ledgerDoubts} doubt records, bank ${evidence.bank.doubtsGained} to reconcile` };
}

/** Each closed session's deposited amount is its stacked notes, split into bill and next month. */
function sessionsAddUp(evidence: RunEvidence): InvariantResult {
  const stackedTiyn = new Map<number, number>();
  const problems: string[] = [];
  for (const { record } of runEntries(evidence)) {
    if (record.kind === 'note-stacked') stackedTiyn.set(record.sessionId, (stackedTiyn.get(record.sessionId) ?? 0) + record.denominationTenge * 100);
  }
  const closes = runCloses(evidence);
  for (const record of closes) {
    const counted = stackedTiyn.get(record.sessionId) ?? 0;
    if (record.depositedTiyn !== counted) problems.push(`session ${record.sessionId} closed with ${record.depositedTiyn} tiyn, stacked ${counted}`);
    if (record.toBillTiyn + record.toNextTiyn !== record.depositedTiyn) problems.push(`session ${record.sessionId}: ${record.toBillTiyn} + ${record.toNextTiyn} ≠ ${record.depositedTiyn}`);
  }
  return { name: 'sessions-add-up', ok: problems.length === 0, detail: problems.length === 0 ? `${closes.length} closed sessions` : list(problems) };
}

function oneReceiptPerSessionWithMoney(evidence: RunEvidence): InvariantResult {
  const problems: string[] = [];
  let withMoney = 0;
  for (const record of runCloses(evidence)) {
    const receipts = evidence.bank.receiptIdsBySession[String(record.sessionId)] ?? [];
    const wanted = record.depositedTiyn > 0 ? 1 : 0;
    withMoney += wanted;
    if (receipts.length !== wanted) problems.push(`session ${record.sessionId} (${record.depositedTiyn} tiyn): ${receipts.length} receipts`);
  }
  if (evidence.bank.receiptsGained !== withMoney) problems.push(`the bank issued ${evidence.bank.receiptsGained} receipts for ${withMoney} sessions with money`);
  return { name: 'one-receipt-per-session-with-money', ok: problems.length === 0, detail: problems.length === 0 ? `${withMoney} sessions with money, one receipt each` : list(problems) };
}

function bankSawNoAnomaly(evidence: RunEvidence): InvariantResult {
  const anomalies = evidence.bank.anomaliesGained;
  return { name: 'bank-saw-no-anomaly', ok: anomalies.length === 0, detail: anomalies.length === 0 ? 'none' : list(anomalies) };
}

function firmwareNeverHalted(evidence: RunEvidence): InvariantResult {
  return { name: 'firmware-never-halted', ok: evidence.halts.length === 0, detail: evidence.halts.length === 0 ? 'no assertion halted the loop' : list(evidence.halts) };
}

function countBy(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, DETAIL_ITEMS_MAX).join(', ');
  return items.length > DETAIL_ITEMS_MAX ? `${shown} and ${items.length - DETAIL_ITEMS_MAX} more` : shown;
}
