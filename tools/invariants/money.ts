// The money invariants (docs/design.md, "The money invariants"), one checker over one shape of
// evidence from three independent witnesses: the firmware's ledger (every record it confirmed),
// the bank's books (what it credited, holds to reconcile and receipted) and the validator's own
// truth (what physically reached the cassette, and whose hand put it in). The simulation
// (tools/sim/checker.ts) gathers the evidence with probes on virtual time, the scenario runner
// (tools/scenario/runner.ts) over the bank's admin API after a run, the core tests from their
// small bank. Pure functions over plain data, so a test can hand them broken evidence and see
// each check fail; no Node module, so the core tests run it inside XS too.

import { DENOMINATIONS_TENGE, type LedgerRecord } from '../../src/domain';

export interface LedgerEntry {
  readonly sequence: number;
  readonly record: LedgerRecord;
}

/** A note the bank credited: the note-stacked record at `sequence`, and the customer the bank credited it to when known. */
export interface CreditedNote {
  readonly sequence: number;
  readonly sessionId: number;
  readonly denominationTenge: number;
  readonly customerId?: string;
}

/** A receipt the bank issued for one of the run's sessions. */
export interface BankReceipt {
  readonly sessionId: number;
  readonly receiptId: string;
  readonly depositedTiyn: number;
}

/** A note that reached the cassette; `owner` is the customer whose hand put it in the slot, when the witness knows. */
export interface CassetteNote {
  readonly denominationTenge: number;
  readonly owner?: string;
}

export interface MoneyEvidence {
  readonly atmId: string;
  /** The ledger's head when the run started: the run's records are the ones above it. */
  readonly startHeadSequence: number;
  readonly ledger: {
    readonly headSequence: number;
    readonly ackedSequence: number;
    /** Every record the ledger confirmed that the witness still holds, in sequence order. */
    readonly entries: readonly LedgerEntry[];
  };
  readonly bank: {
    readonly storedSequence: number;
    /** The notes the bank credited from the run's records (above startHeadSequence). */
    readonly credited: readonly CreditedNote[];
    /** Notes the bank gained "to reconcile" during the run. */
    readonly doubtsGained: number;
    /** Receipts the bank issued during the run, and those it holds for the run's sessions. */
    readonly receiptsGained: number;
    readonly receipts: readonly BankReceipt[];
    /** Anomalies the bank noted during the run ("sequence:what"). */
    readonly anomaliesGained: readonly string[];
  };
  /** Every note that reached the validator's cassette during the run; undefined with a real validator. */
  readonly cassette: readonly CassetteNote[] | undefined;
  /**
   * Bills of no tenge value that a faulty validator stacked unasked and whose report a power
   * loss took before the firmware could write their doubt: nothing on flash said they were
   * coming. Not the firmware's to know (the simulation counts them apart); 0 elsewhere.
   */
  readonly unknownValueExcused?: number;
  /** What the firmware counts in the cassette now; undefined when the witness cannot ask it. */
  readonly firmwareCassette?: { readonly notes: number; readonly doubtfulNotes: number };
  /** Assertion halts of the firmware's loop that nothing excuses (a flash cut mid-write does). */
  readonly halts: readonly string[];
}

export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export type Invariant = (evidence: MoneyEvidence) => InvariantResult;

const DETAIL_ITEMS_MAX = 10;
/** Records read from the ledger per readFrom call when a witness reads it whole. */
const LEDGER_PAGE_RECORDS = 64;
const TENGE_NOTES: ReadonlySet<number> = new Set(DENOMINATIONS_TENGE);
/** The owner key of a note whose customer the witness does not know. */
const ANYONE = '?';

/** Every invariant, in a fixed order. */
export function checkInvariants(evidence: MoneyEvidence): InvariantResult[] {
  return INVARIANTS.map((invariant) => invariant(evidence));
}

/** The ones of `results` that broke, as "name: detail" lines. */
export function brokenInvariants(results: readonly InvariantResult[]): string[] {
  return results.filter((result) => !result.ok).map((result) => `${result.name}: ${result.detail}`);
}

/** The ledger the firmware keeps, read from its tail to its head (at most `recordsMax` records). */
export function readLedgerEntries(
  ledger: {
    readonly tailSequence: number;
    readonly headSequence: number;
    readFrom(from: number, countMax: number, visit: (sequence: number, record: LedgerRecord) => void): number;
  },
  recordsMax: number,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let from = Math.max(ledger.tailSequence, 1);
  while (from <= ledger.headSequence && entries.length < recordsMax) {
    let last = -1;
    ledger.readFrom(from, LEDGER_PAGE_RECORDS, (sequence, record) => {
      entries.push({ sequence, record: { ...record } });
      last = sequence;
    });
    if (last < 0) break;
    from = last + 1;
  }
  return entries;
}

function runEntries(evidence: MoneyEvidence): LedgerEntry[] {
  return evidence.ledger.entries.filter((entry) => entry.sequence > evidence.startHeadSequence);
}

/** The customer each of the run's sessions was opened for. */
function sessionCustomers(evidence: MoneyEvidence): Map<number, string> {
  const customers = new Map<number, string>();
  for (const { record } of runEntries(evidence))
    if (record.kind === 'session-opened') customers.set(record.sessionId, record.customerId);
  return customers;
}

/** The run's session closes, of sessions it opened (with --data, a boot may close an older one). */
function runCloses(evidence: MoneyEvidence): Extract<LedgerRecord, { kind: 'session-closed' }>[] {
  const opened = new Set<number>();
  const closes: Extract<LedgerRecord, { kind: 'session-closed' }>[] = [];
  for (const { record } of runEntries(evidence)) {
    if (record.kind === 'session-opened') opened.add(record.sessionId);
    if (record.kind === 'session-closed' && opened.has(record.sessionId)) closes.push(record);
  }
  return closes;
}

/** The highest sequence the bank must hold: the last record that travels (bank-acks do not). */
function lastSentSequence(evidence: MoneyEvidence): number {
  let last = 0;
  for (const entry of evidence.ledger.entries) if (entry.record.kind !== 'bank-ack') last = entry.sequence;
  return last;
}

export function ledgerSynced(evidence: MoneyEvidence): InvariantResult {
  const needed = lastSentSequence(evidence);
  const stored = evidence.bank.storedSequence;
  return {
    name: 'ledger-synced',
    ok: stored >= needed,
    detail: `bank holds up to ${stored}, last record to send ${needed}`,
  };
}

export function ackNotAheadOfHead(evidence: MoneyEvidence): InvariantResult {
  const { headSequence, ackedSequence } = evidence.ledger;
  const stored = evidence.bank.storedSequence;
  const ok = ackedSequence <= headSequence && stored <= headSequence && ackedSequence <= stored;
  return {
    name: 'ack-not-ahead-of-head',
    ok,
    detail: `ledger ack ${ackedSequence}, bank stored ${stored}, head ${headSequence}`,
  };
}

export function noSequenceTwice(evidence: MoneyEvidence): InvariantResult {
  const problems: string[] = [];
  let previous = 0;
  for (const entry of evidence.ledger.entries) {
    if (entry.sequence <= previous) problems.push(`ledger ${entry.sequence} after ${previous}`);
    previous = entry.sequence;
  }
  const seen = new Set<number>();
  for (const note of evidence.bank.credited) {
    if (seen.has(note.sequence)) problems.push(`bank credited sequence ${note.sequence} twice`);
    seen.add(note.sequence);
  }
  const sessionIds = new Set<number>();
  for (const { sequence, record } of evidence.ledger.entries) {
    if (record.kind !== 'session-opened') continue;
    if (record.sessionId !== sequence)
      problems.push(`session-opened ${sequence} carries session id ${record.sessionId}`);
    if (sessionIds.has(record.sessionId)) problems.push(`session ${record.sessionId} opened twice`);
    sessionIds.add(record.sessionId);
  }
  const count = evidence.ledger.entries.length;
  return {
    name: 'no-sequence-twice',
    ok: problems.length === 0,
    detail: problems.length === 0 ? `${count} ledger records, ${seen.size} bank notes, each once` : list(problems),
  };
}

/**
 * Invariants 1–3: the bank credited exactly the ledger's stacked notes, each to the customer the
 * session was opened for; every note in the cassette is stacked in the ledger or held as a doubt
 * of its owner (or of nobody's session), and none is stacked that the cassette does not hold. A
 * bill of no tenge value is held as a doubt of unknown value (denomination 0), whoever's session
 * it fell in.
 */
export function notesAgree(evidence: MoneyEvidence): InvariantResult {
  const entries = runEntries(evidence);
  const customers = sessionCustomers(evidence);
  const problems: string[] = [];
  const stacked = new Map<number, Extract<LedgerRecord, { kind: 'note-stacked' }>>();
  const doubts: Extract<LedgerRecord, { kind: 'doubt' }>[] = [];
  for (const { sequence, record } of entries) {
    if (record.kind === 'note-stacked') stacked.set(sequence, record);
    if (record.kind === 'doubt') doubts.push(record);
  }
  creditsMatchStacked(evidence, stacked, customers, problems);
  if (evidence.cassette !== undefined)
    cassetteMatchesLedger(evidence, evidence.cassette, stacked, doubts, customers, problems);
  const doubtText =
    doubts.length === 0
      ? 'no doubts'
      : `doubts: ${list(doubts.map((doubt) => `session ${doubt.sessionId} ${doubt.denominationTenge} ₸ (${doubt.reason})`))}`;
  const cassetteText =
    evidence.cassette === undefined
      ? 'a real validator: cassette not compared'
      : `cassette ${evidence.cassette.length}`;
  const summary = `bank ${evidence.bank.credited.length}, ledger ${stacked.size}, ${cassetteText} notes; ${doubtText}`;
  return {
    name: 'notes-agree',
    ok: problems.length === 0,
    detail: problems.length === 0 ? summary : `${list(problems)}; ${summary}`,
  };
}

function creditsMatchStacked(
  evidence: MoneyEvidence,
  stacked: ReadonlyMap<number, Extract<LedgerRecord, { kind: 'note-stacked' }>>,
  customers: ReadonlyMap<number, string>,
  problems: string[],
): void {
  const creditedSequences = new Set<number>();
  for (const note of evidence.bank.credited) {
    creditedSequences.add(note.sequence);
    const record = stacked.get(note.sequence);
    if (
      record === undefined ||
      record.sessionId !== note.sessionId ||
      record.denominationTenge !== note.denominationTenge
    ) {
      problems.push(
        `credited by the bank, not stacked in the ledger: ${note.sequence}:${note.sessionId}:${note.denominationTenge}`,
      );
    } else if (note.customerId !== undefined && customers.get(note.sessionId) !== note.customerId) {
      problems.push(
        `the bank credited sequence ${note.sequence} to ${note.customerId}, the session was opened for ${customers.get(note.sessionId)}`,
      );
    }
  }
  for (const [sequence, record] of stacked) {
    if (!creditedSequences.has(sequence))
      problems.push(
        `stacked in the ledger, not credited by the bank: ${sequence}:${record.sessionId}:${record.denominationTenge}`,
      );
  }
}

function cassetteMatchesLedger(
  evidence: MoneyEvidence,
  cassette: readonly CassetteNote[],
  stacked: ReadonlyMap<number, Extract<LedgerRecord, { kind: 'note-stacked' }>>,
  doubts: readonly Extract<LedgerRecord, { kind: 'doubt' }>[],
  customers: ReadonlyMap<number, string>,
  problems: string[],
): void {
  const byOwner = cassette.some((note) => note.owner !== undefined);
  const ownerOf = (sessionId: number) => (byOwner ? (customers.get(sessionId) ?? ANYONE) : ANYONE);
  const inCassette = countBy(
    cassette.map((note) => noteKey(byOwner ? (note.owner ?? ANYONE) : ANYONE, note.denominationTenge)),
  );
  const inLedger = countBy(
    [...stacked.values()].map((record) => noteKey(ownerOf(record.sessionId), record.denominationTenge)),
  );
  const held = countBy(doubts.map((doubt) => noteKey(ownerOf(doubt.sessionId), doubt.denominationTenge)));
  let unknownValueHeld = evidence.unknownValueExcused ?? 0;
  for (const doubt of doubts) if (doubt.denominationTenge === 0) unknownValueHeld += 1;
  for (const key of new Set([...inCassette.keys(), ...inLedger.keys()])) {
    const [owner, denomination] = splitKey(key);
    let missing = (inCassette.get(key) ?? 0) - (inLedger.get(key) ?? 0);
    if (missing < 0) {
      problems.push(
        `the ledger records ${inLedger.get(key)} × ${key} stacked, the cassette holds ${inCassette.get(key) ?? 0} of them`,
      );
      continue;
    }
    if (!TENGE_NOTES.has(denomination)) {
      const take = Math.min(missing, unknownValueHeld);
      unknownValueHeld -= take;
      missing -= take;
    }
    // A note in doubt is the one case where the cassette may hold a note nobody credited: its
    // owner's doubt, or one the ledger wrote outside any session.
    for (const pool of [key, noteKey(ANYONE, denomination)]) {
      const take = Math.min(missing, held.get(pool) ?? 0);
      held.set(pool, (held.get(pool) ?? 0) - take);
      missing -= take;
    }
    if (missing > 0)
      problems.push(
        `${missing} × ${owner === ANYONE ? '' : `${owner}/`}${denomination} in the cassette, neither credited nor held as a doubt`,
      );
  }
}

export function doubtsReported(evidence: MoneyEvidence): InvariantResult {
  const ledgerDoubts = runEntries(evidence).filter((entry) => entry.record.kind === 'doubt').length;
  const ok = evidence.bank.doubtsGained === ledgerDoubts;
  return {
    name: 'doubts-reported',
    ok,
    detail: `ledger ${ledgerDoubts} doubt records, bank ${evidence.bank.doubtsGained} to reconcile`,
  };
}

/** Each closed session's deposited amount is its stacked notes, split into bill and next month. */
export function sessionsAddUp(evidence: MoneyEvidence): InvariantResult {
  const stackedTiyn = new Map<number, number>();
  const problems: string[] = [];
  for (const { record } of runEntries(evidence)) {
    if (record.kind === 'note-stacked')
      stackedTiyn.set(record.sessionId, (stackedTiyn.get(record.sessionId) ?? 0) + record.denominationTenge * 100);
  }
  const closes = runCloses(evidence);
  for (const record of closes) {
    const counted = stackedTiyn.get(record.sessionId) ?? 0;
    if (record.depositedTiyn !== counted)
      problems.push(`session ${record.sessionId} closed with ${record.depositedTiyn} tiyn, stacked ${counted}`);
    if (record.toBillTiyn + record.toNextTiyn !== record.depositedTiyn)
      problems.push(
        `session ${record.sessionId}: ${record.toBillTiyn} + ${record.toNextTiyn} ≠ ${record.depositedTiyn}`,
      );
  }
  return {
    name: 'sessions-add-up',
    ok: problems.length === 0,
    detail: problems.length === 0 ? `${closes.length} closed sessions` : list(problems),
  };
}

/** Each session with money has one receipt, stating what the bank credited in it, no more, no less. */
export function oneReceiptPerSessionWithMoney(evidence: MoneyEvidence): InvariantResult {
  const problems: string[] = [];
  const creditedTiyn = new Map<number, number>();
  for (const note of evidence.bank.credited)
    creditedTiyn.set(note.sessionId, (creditedTiyn.get(note.sessionId) ?? 0) + note.denominationTenge * 100);
  let withMoney = 0;
  for (const record of runCloses(evidence)) {
    const receipts = evidence.bank.receipts.filter((receipt) => receipt.sessionId === record.sessionId);
    const wanted = record.depositedTiyn > 0 ? 1 : 0;
    withMoney += wanted;
    if (receipts.length !== wanted)
      problems.push(`session ${record.sessionId} (${record.depositedTiyn} tiyn): ${receipts.length} receipts`);
    for (const receipt of receipts) {
      const credited = creditedTiyn.get(record.sessionId) ?? 0;
      if (receipt.depositedTiyn !== credited)
        problems.push(
          `receipt ${receipt.receiptId} says ${receipt.depositedTiyn} tiyn, the bank credited ${credited} in that session`,
        );
    }
  }
  if (evidence.bank.receiptsGained !== withMoney)
    problems.push(`the bank issued ${evidence.bank.receiptsGained} receipts for ${withMoney} sessions with money`);
  return {
    name: 'one-receipt-per-session-with-money',
    ok: problems.length === 0,
    detail: problems.length === 0 ? `${withMoney} sessions with money, one receipt each` : list(problems),
  };
}

/** Invariant 4: the firmware's cassette count is its ledger's totals since the last collection. */
export function cassetteCountIsTheLedgers(evidence: MoneyEvidence): InvariantResult {
  const counted = evidence.firmwareCassette;
  const entries = evidence.ledger.entries;
  if (counted === undefined)
    return { name: 'cassette-count-is-the-ledgers', ok: true, detail: 'the firmware was not asked' };
  if (entries.length > 0 && entries[0].sequence > 1) {
    return {
      name: 'cassette-count-is-the-ledgers',
      ok: true,
      detail: `the ledger's first ${entries[0].sequence - 1} records are gone: not compared`,
    };
  }
  let notes = 0;
  let doubtfulNotes = 0;
  for (const { record } of entries) {
    if (record.kind === 'cassette-collected') [notes, doubtfulNotes] = [0, 0];
    if (record.kind === 'note-stacked') notes += 1;
    if (record.kind === 'doubt') doubtfulNotes += 1;
  }
  const ok = counted.notes === notes && counted.doubtfulNotes === doubtfulNotes;
  return {
    name: 'cassette-count-is-the-ledgers',
    ok,
    detail: `the firmware counts ${counted.notes} notes + ${counted.doubtfulNotes} doubtful in the cassette, its ledger recorded ${notes} + ${doubtfulNotes} since the last collection`,
  };
}

export function bankSawNoAnomaly(evidence: MoneyEvidence): InvariantResult {
  const anomalies = evidence.bank.anomaliesGained;
  return {
    name: 'bank-saw-no-anomaly',
    ok: anomalies.length === 0,
    detail: anomalies.length === 0 ? 'none' : list(anomalies),
  };
}

export function firmwareNeverHalted(evidence: MoneyEvidence): InvariantResult {
  return {
    name: 'firmware-never-halted',
    ok: evidence.halts.length === 0,
    detail: evidence.halts.length === 0 ? 'no assertion halted the loop' : list(evidence.halts),
  };
}

const INVARIANTS: readonly Invariant[] = Object.freeze([
  ledgerSynced,
  ackNotAheadOfHead,
  noSequenceTwice,
  notesAgree,
  doubtsReported,
  sessionsAddUp,
  oneReceiptPerSessionWithMoney,
  cassetteCountIsTheLedgers,
  bankSawNoAnomaly,
  firmwareNeverHalted,
]);

function noteKey(owner: string, denominationTenge: number): string {
  return `${owner}/${denominationTenge}`;
}

function splitKey(key: string): [string, number] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), Number(key.slice(slash + 1))];
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, DETAIL_ITEMS_MAX).join(', ');
  return items.length > DETAIL_ITEMS_MAX ? `${shown} and ${items.length - DETAIL_ITEMS_MAX} more` : shown;
}
