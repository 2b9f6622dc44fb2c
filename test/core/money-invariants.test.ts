// The money invariants (tools/invariants/money.ts) on hand-made evidence: the FAQ session, one
// doubt-free stack, then each break the simulation, the scenarios and the session tests rely on
// them to catch. Each check must fail on the evidence of the break it names, and only that one.
import assert from 'node:assert/strict';
import type { LedgerRecord } from '../../src/ledger/records';
import { checkInvariants, type MoneyEvidence } from '../../tools/invariants/money';
import { INVARIANT_NAMES } from './support/invariant-names';

const ATM = 'ATM-ALA-0001';

function faqEvidence(): MoneyEvidence {
  const records: LedgerRecord[] = [
    {
      kind: 'session-opened',
      sessionId: 1,
      method: 'iin',
      customerId: 'c-aigerim',
      billTiyn: 1_500_000,
      wallMs: Number.NaN,
    },
    { kind: 'note-escrowed', sessionId: 1, denominationTenge: 10_000 },
    { kind: 'note-stacked', sessionId: 1, denominationTenge: 10_000 },
    { kind: 'note-escrowed', sessionId: 1, denominationTenge: 10_000 },
    { kind: 'note-stacked', sessionId: 1, denominationTenge: 10_000 },
    {
      kind: 'session-closed',
      sessionId: 1,
      outcome: 'completed',
      depositedTiyn: 2_000_000,
      toBillTiyn: 1_500_000,
      toNextTiyn: 500_000,
    },
    { kind: 'bank-ack', ackedSequence: 6 },
  ];
  return {
    atmId: ATM,
    startHeadSequence: 0,
    ledger: {
      headSequence: 7,
      ackedSequence: 6,
      entries: records.map((record, index) => ({ sequence: index + 1, record })),
    },
    bank: {
      storedSequence: 6,
      credited: [note(3, 10_000), note(5, 10_000)],
      doubtsGained: 0,
      receiptsGained: 1,
      anomaliesGained: [],
      receipts: [{ sessionId: 1, receiptId: `${ATM}-1`, depositedTiyn: 2_000_000 }],
    },
    cassette: cassette(10_000, 10_000),
    firmwareCassette: { notes: 2, doubtfulNotes: 0 },
    halts: [],
  };
}

function note(
  sequence: number,
  denominationTenge: number,
  customerId?: string,
): MoneyEvidence['bank']['credited'][number] {
  return customerId === undefined
    ? { sequence, sessionId: 1, denominationTenge }
    : { sequence, sessionId: 1, denominationTenge, customerId };
}

function cassette(...denominationsTenge: number[]): MoneyEvidence['cassette'] {
  return denominationsTenge.map((denominationTenge) => ({ denominationTenge }));
}

function broken(evidence: MoneyEvidence): string[] {
  return checkInvariants(evidence)
    .filter((invariant) => !invariant.ok)
    .map((invariant) => invariant.name);
}

function detail(evidence: MoneyEvidence, name: string): string {
  return checkInvariants(evidence).find((result) => result.name === name)!.detail;
}

/** The FAQ run with a doubt: the third note, 5 000 ₸, in the stacker when the power went. */
function withDoubt(evidence: MoneyEvidence, owner?: string): MoneyEvidence {
  const doubt: LedgerRecord = { kind: 'doubt', sessionId: 1, denominationTenge: 5_000, reason: 'power-cut-in-stacker' };
  return {
    ...evidence,
    cassette: [
      ...evidence.cassette!,
      owner === undefined ? { denominationTenge: 5_000 } : { denominationTenge: 5_000, owner },
    ],
    ledger: {
      ...evidence.ledger,
      headSequence: 8,
      entries: [...evidence.ledger.entries, { sequence: 8, record: doubt }],
    },
    bank: { ...evidence.bank, storedSequence: 8, doubtsGained: 1 },
    firmwareCassette: { notes: 2, doubtfulNotes: 1 },
  };
}

describe('money invariants (one checker for the simulation, the scenarios and the tests)', () => {
  it('hold for a consistent run, every one named', () => {
    const results = checkInvariants(faqEvidence());
    assert.deepEqual(
      results.map((result) => result.name),
      INVARIANT_NAMES,
    );
    assert.deepEqual(broken(faqEvidence()), []);
  });

  it('catch a note the bank credited that the ledger never stacked', () => {
    const evidence = faqEvidence();
    const more = { ...evidence, bank: { ...evidence.bank, credited: [...evidence.bank.credited, note(4, 10_000)] } };
    assert.deepEqual(broken(more), ['notes-agree', 'one-receipt-per-session-with-money']);
    assert.match(detail(more, 'notes-agree'), /credited by the bank, not stacked in the ledger: 4:1:10000/);
  });

  it('catch a stacked note the bank never credited, and a sync that never finished', () => {
    const evidence = faqEvidence();
    assert.deepEqual(
      broken({ ...evidence, bank: { ...evidence.bank, credited: [note(3, 10_000)], storedSequence: 4 } }),
      ['ledger-synced', 'ack-not-ahead-of-head', 'notes-agree', 'one-receipt-per-session-with-money'],
    );
  });

  it('catch a note in the cassette nobody stacked, unless the ledger holds it as a doubt', () => {
    const evidence = faqEvidence();
    const extra = { ...evidence, cassette: cassette(10_000, 10_000, 5_000) };
    assert.deepEqual(broken(extra), ['notes-agree']);
    assert.match(detail(extra, 'notes-agree'), /1 × 5000 in the cassette, neither credited nor held as a doubt/);
    const doubted = withDoubt(evidence);
    assert.deepEqual(broken(doubted), []);
    assert.match(detail(doubted, 'notes-agree'), /doubts: session 1 5000 ₸ \(power-cut-in-stacker\)/);
    assert.deepEqual(broken({ ...doubted, bank: { ...doubted.bank, doubtsGained: 0 } }), ['doubts-reported']);
  });

  it('catch a cassette short of a credited note', () => {
    assert.deepEqual(broken({ ...faqEvidence(), cassette: cassette(10_000) }), ['notes-agree']);
  });

  it('with owners known: catch a note credited to someone else, and a doubt held for another customer', () => {
    const evidence = faqEvidence();
    const owned = { ...evidence, cassette: evidence.cassette!.map((landed) => ({ ...landed, owner: 'c-aigerim' })) };
    assert.deepEqual(broken(owned), []);
    const elsewhere = {
      ...owned,
      bank: { ...owned.bank, credited: [note(3, 10_000, 'c-aigerim'), note(5, 10_000, 'c-daniyar')] },
    };
    assert.deepEqual(broken(elsewhere), ['notes-agree']);
    assert.match(
      detail(elsewhere, 'notes-agree'),
      /credited sequence 5 to c-daniyar, the session was opened for c-aigerim/,
    );
    assert.deepEqual(broken(withDoubt(owned, 'c-aigerim')), []);
    assert.deepEqual(broken(withDoubt(owned, 'c-daniyar')), ['notes-agree']);
  });

  it('hold a bill of no tenge value as a doubt of unknown value, or excused when a cut took its report', () => {
    const evidence = faqEvidence();
    const foreign = { ...evidence, cassette: cassette(10_000, 10_000, 7) };
    assert.deepEqual(broken(foreign), ['notes-agree']);
    assert.deepEqual(broken({ ...foreign, unknownValueExcused: 1 }), []);
    const unknown: LedgerRecord = { kind: 'doubt', sessionId: 1, denominationTenge: 0, reason: 'unknown' };
    const held = {
      ...foreign,
      ledger: {
        ...foreign.ledger,
        headSequence: 8,
        entries: [...foreign.ledger.entries, { sequence: 8, record: unknown }],
      },
      bank: { ...foreign.bank, storedSequence: 8, doubtsGained: 1 },
      firmwareCassette: { notes: 2, doubtfulNotes: 1 },
    };
    assert.deepEqual(broken(held), []);
  });

  it('catch a sequence twice in the ledger and a note credited twice by the bank', () => {
    const evidence = faqEvidence();
    const entries = [...evidence.ledger.entries];
    entries.splice(3, 0, entries[2]);
    assert.ok(broken({ ...evidence, ledger: { ...evidence.ledger, entries } }).includes('no-sequence-twice'));
    assert.ok(
      broken({
        ...evidence,
        bank: { ...evidence.bank, credited: [note(3, 10_000), note(3, 10_000), note(5, 10_000)] },
      }).includes('no-sequence-twice'),
    );
  });

  it('catch a session with money and no receipt, two receipts, or a receipt for another amount', () => {
    const evidence = faqEvidence();
    assert.deepEqual(broken({ ...evidence, bank: { ...evidence.bank, receipts: [], receiptsGained: 0 } }), [
      'one-receipt-per-session-with-money',
    ]);
    assert.deepEqual(broken({ ...evidence, bank: { ...evidence.bank, receiptsGained: 2 } }), [
      'one-receipt-per-session-with-money',
    ]);
    const wrong = {
      ...evidence,
      bank: { ...evidence.bank, receipts: [{ sessionId: 1, receiptId: `${ATM}-1`, depositedTiyn: 1_000_000 }] },
    };
    assert.deepEqual(broken(wrong), ['one-receipt-per-session-with-money']);
    assert.match(detail(wrong, 'one-receipt-per-session-with-money'), /says 1000000 tiyn, the bank credited 2000000/);
  });

  it("catch a firmware cassette count that is not its ledger's since the last collection", () => {
    const evidence = faqEvidence();
    assert.deepEqual(broken({ ...evidence, firmwareCassette: { notes: 3, doubtfulNotes: 0 } }), [
      'cassette-count-is-the-ledgers',
    ]);
    const collected: LedgerRecord = { kind: 'cassette-collected', notes: 2, amountTiyn: 2_000_000, wallMs: Number.NaN };
    const after = {
      ...evidence,
      ledger: {
        ...evidence.ledger,
        headSequence: 8,
        entries: [...evidence.ledger.entries, { sequence: 8, record: collected }],
      },
      bank: { ...evidence.bank, storedSequence: 8 },
    };
    assert.deepEqual(broken(after), ['cassette-count-is-the-ledgers']);
    assert.deepEqual(broken({ ...after, firmwareCassette: { notes: 0, doubtfulNotes: 0 } }), []);
  });

  it('catch a close that does not add up to its notes, an ack past the head, an anomaly and a halt', () => {
    const evidence = faqEvidence();
    const entries = evidence.ledger.entries.map((entry) =>
      entry.record.kind === 'session-closed'
        ? { ...entry, record: { ...entry.record, depositedTiyn: 3_000_000, toNextTiyn: 1_500_000 } }
        : entry,
    );
    assert.deepEqual(broken({ ...evidence, ledger: { ...evidence.ledger, entries } }), ['sessions-add-up']);
    assert.deepEqual(broken({ ...evidence, ledger: { ...evidence.ledger, ackedSequence: 8 } }), [
      'ack-not-ahead-of-head',
    ]);
    assert.deepEqual(
      broken({ ...evidence, bank: { ...evidence.bank, anomaliesGained: ['6:deposited-differs-from-stacked'] } }),
      ['bank-saw-no-anomaly'],
    );
    assert.deepEqual(broken({ ...evidence, halts: ['session: stacked 5000 ₸ but 0 ₸ was in escrow'] }), [
      'firmware-never-halted',
    ]);
  });
});
