import assert from 'node:assert/strict';
import { authoriseBody, parseQrStart, recordProblem, type AuthoriseRequest } from '../../src/bank/wire';
import { hexOf } from '../../src/bytes';
import { crc32ByteAndUint32, SOFT_CRC } from '../../src/crc';
import { AUTH_METHODS, DENOMINATIONS_TENGE, DOUBT_REASONS, isDenomination, SESSION_OUTCOMES } from '../../src/domain';
import type { LedgerRecord } from '../../src/ledger/records';
import {
  decodeRecord,
  encodeRecord,
  ParsedRecord,
  parseRecord,
  RECORD_SIZE_MAX,
  sameRecord,
} from '../../src/ledger/records';

// One domain table (src/domain.ts) behind the ledger's validator and codec and the bank wire's
// checks: the ledger writes only what the bank accepts, and the bank accepts only what the
// ledger could have written.

const SEQUENCE = 0x10203;

/** Every kind at the edges of its fields, and its bytes on flash at SEQUENCE (from the codec before the table, whose note and close were checked against vectors made outside, test/core/ledger.test.ts). */
const LAYOUT: readonly (readonly [LedgerRecord, string])[] = [
  [
    {
      kind: 'session-opened',
      sessionId: 0x01020304,
      method: 'card',
      customerId: 'c-aigerim',
      billTiyn: 1_500_000,
      wallMs: 1_764_151_240_123,
    },
    '3c010302040302010209632d6169676572696de0c65b00b05bbaf9ab7942ca755bd1',
  ],
  [
    {
      kind: 'session-opened',
      sessionId: 7,
      method: 'qr',
      customerId: 'x'.repeat(24),
      billTiyn: Number.MAX_SAFE_INTEGER,
      wallMs: Number.NaN,
    },
    '3c010302070000000118787878787878787878787878787878787878787878787878ffffffffffffff0f000000000000f87f098ce158',
  ],
  [{ kind: 'note-escrowed', sessionId: 7, denominationTenge: 200 }, '3c020302070000000057548088'],
  [{ kind: 'note-returned', sessionId: 7, denominationTenge: 20000 }, '3c04030207000000062581fd6c'],
  [
    { kind: 'session-closed', sessionId: 7, outcome: 'recovered', depositedTiyn: 0, toBillTiyn: 0, toNextTiyn: 0 },
    '3c050302070000000300000069531bca',
  ],
  [
    { kind: 'doubt', sessionId: 7, denominationTenge: 10000, reason: 'power-cut-in-validator' },
    '3c060302070000000500492c2bea',
  ],
  [{ kind: 'doubt', sessionId: 7, denominationTenge: 0, reason: 'unknown' }, '3c06030207000000ff03c474719d'],
  [
    { kind: 'cassette-collected', notes: 1000, amountTiyn: 1_234_567_800, wallMs: 1_795_000_000_123.5 },
    '3c070302e807f884d8cc0400b8e765e51e7a42a4fcf533',
  ],
  [{ kind: 'bank-ack', ackedSequence: 0x10202 }, '3c080302020201007d5e0b3f'],
];

/** A record as the outbox sends it: its sequence first, then its fields as JSON has them (NaN is null). */
function onTheWire(record: LedgerRecord): Record<string, unknown> {
  return JSON.parse(`{"sequence":${SEQUENCE},${JSON.stringify(record).slice(1)}`) as Record<string, unknown>;
}

const OPENED: LedgerRecord = {
  kind: 'session-opened',
  sessionId: 9,
  method: 'iin',
  customerId: 'c-daniyar',
  billTiyn: 1_500_000,
  wallMs: 1_764_151_240_123,
};
const CLOSED: LedgerRecord = {
  kind: 'session-closed',
  sessionId: 9,
  outcome: 'completed',
  depositedTiyn: 2_000_000,
  toBillTiyn: 1_500_000,
  toNextTiyn: 500_000,
};
const COLLECTED: LedgerRecord = {
  kind: 'cassette-collected',
  notes: 12,
  amountTiyn: 2_000_000,
  wallMs: 1_764_151_240_123,
};

/** Records neither side takes, each with the field the bank names. */
const REFUSED: readonly (readonly [string, Record<string, unknown>])[] = [
  ['sessionId', { ...OPENED, sessionId: 2 ** 32 }],
  ['sessionId', { ...OPENED, sessionId: 1.5 }],
  ['method', { ...OPENED, method: 'face' }],
  ['customerId', { ...OPENED, customerId: '' }],
  ['customerId', { ...OPENED, customerId: 'x'.repeat(25) }],
  ['customerId', { ...OPENED, customerId: 'c daniyar' }],
  ['customerId', { ...OPENED, customerId: 'Қ' }],
  ['billTiyn', { ...OPENED, billTiyn: -1 }],
  ['billTiyn', { ...OPENED, billTiyn: 2 ** 53 }],
  ['wallMs', { ...OPENED, wallMs: Infinity }],
  ['denominationTenge', { kind: 'note-stacked', sessionId: 9, denominationTenge: 100 }],
  ['denominationTenge', { kind: 'note-escrowed', sessionId: 9, denominationTenge: 0 }],
  ['denominationTenge', { kind: 'note-returned', sessionId: 9, denominationTenge: '200' }],
  ['outcome', { ...CLOSED, outcome: 'done' }],
  ['depositedTiyn', { ...CLOSED, toNextTiyn: 499_999 }],
  ['denominationTenge', { kind: 'doubt', sessionId: 9, denominationTenge: 300, reason: 'jam' }],
  ['reason', { kind: 'doubt', sessionId: 9, denominationTenge: 200, reason: 'lost' }],
  ['notes', { ...COLLECTED, notes: 2 ** 32 }],
  ['amountTiyn', { ...COLLECTED, amountTiyn: -100 }],
];

/** Seals bytes[0..size) again after a change: the CRC over kind, full sequence and fields. */
function reseal(bytes: Uint8Array, size: number): void {
  const crc = SOFT_CRC.crc32(crc32ByteAndUint32(0, bytes[1], SEQUENCE), bytes, 4, size - 4);
  for (let index = 0; index < 4; index++) bytes[size - 4 + index] = (crc >>> (8 * index)) & 0xff;
}

function parses(bytes: Uint8Array, size: number): ParsedRecord {
  const parsed = new ParsedRecord();
  parseRecord(bytes, 0, size, SEQUENCE, parsed);
  return parsed;
}

describe('the domain table: ledger and bank wire', () => {
  it('holds what the rules fix: the tenge notes in circulation, and the lists in their order on flash', () => {
    // The National Bank's notes (docs/kazakhstan.md): the one place a test spells them.
    assert.deepEqual(DENOMINATIONS_TENGE, [200, 500, 1000, 2000, 5000, 10000, 20000]);
    assert.deepEqual([100, 199, 201, 50000, 0, -200].filter(isDenomination), []);
    // A byte on flash names each by its index: reordering one is a new ledger layout.
    assert.deepEqual(AUTH_METHODS, ['palm', 'qr', 'card', 'iin']);
    assert.deepEqual(SESSION_OUTCOMES, ['completed', 'cancelled', 'timeout', 'recovered']);
    assert.deepEqual(DOUBT_REASONS, ['power-cut-in-validator', 'power-cut-in-stacker', 'jam', 'unknown']);
  });

  it("an authorisation carries each method's own credential and nothing else, byte for byte", () => {
    const requests: readonly AuthoriseRequest[] = [
      { method: 'palm', palmTemplate: 'pt-1' },
      { method: 'qr', qrSessionId: 'q-1' },
      { method: 'card', cardToken: 'ct-1' },
      { method: 'iin', iin: '900101300126' },
    ];
    assert.deepEqual(
      requests.map((request) => request.method),
      AUTH_METHODS,
      'every method of the table',
    );
    assert.deepEqual(
      requests.map((request) => authoriseBody('ATM-1', request)),
      [
        '{"atmId":"ATM-1","method":"palm","palmTemplate":"pt-1"}',
        '{"atmId":"ATM-1","method":"qr","qrSessionId":"q-1"}',
        '{"atmId":"ATM-1","method":"card","cardToken":"ct-1"}',
        '{"atmId":"ATM-1","method":"iin","iin":"900101300126"}',
      ],
    );
  });

  it("a QR session id is an id of the table's shape: printable ASCII, no space, at most 64", () => {
    const start = (qrSessionId: string) => parseQrStart({ qrSessionId, payload: 'kaspi://pay', expiresInMs: 60_000 });
    assert.equal(start(`${'q~!'.repeat(21)}x`)?.qrSessionId.length, 64);
    for (const refused of ['', 'q 1', 'q\u007f', 'қ', 'x'.repeat(65)])
      assert.equal(start(refused), undefined, JSON.stringify(refused));
  });

  it('lays out every record kind byte for byte as before, and reads each back the same', () => {
    const into = new Uint8Array(RECORD_SIZE_MAX);
    for (const [record, hex] of LAYOUT) {
      const size = encodeRecord(record, SEQUENCE, into);
      assert.ok(size > 0, record.kind);
      assert.equal(hexOf(into, size), hex, record.kind);
      const parsed = parses(into, size);
      assert.deepEqual([parsed.failure, parsed.sizeBytes, parsed.sequence], [undefined, size, SEQUENCE], record.kind);
      const back = decodeRecord(into, 0);
      assert.ok(sameRecord(back, record), JSON.stringify(back));
      assert.deepEqual(Object.keys(back), Object.keys(record), 'the fields in the order the bank is sent them');
    }
  });

  it("the bank takes every record the ledger writes, as the outbox sends it, except the ledger's own bank-ack", () => {
    for (const [record] of LAYOUT) {
      assert.equal(recordProblem(onTheWire(record)), record.kind === 'bank-ack' ? 'kind' : undefined, record.kind);
    }
  });

  it('the ledger refuses what the bank refuses, and the bank names the field', () => {
    for (const [field, record] of REFUSED) {
      const text = JSON.stringify(record);
      assert.equal(
        encodeRecord(record as unknown as LedgerRecord, SEQUENCE, new Uint8Array(RECORD_SIZE_MAX)),
        0,
        `ledger took ${text}`,
      );
      assert.equal(recordProblem({ sequence: SEQUENCE, ...record }), field, `bank on ${text}`);
    }
    assert.equal(
      recordProblem({ ...onTheWire(OPENED), wallMs: null }),
      undefined,
      'an unset wall clock is null on the wire',
    );
    assert.equal(recordProblem({ ...onTheWire(CLOSED), extra: 1 }), 'extra');
  });

  it('a record on flash whose fields the table does not allow is not read, its CRC whole or not', () => {
    const into = new Uint8Array(RECORD_SIZE_MAX);
    const opened = encodeRecord(OPENED, SEQUENCE, into);
    into[4 + 4 + 1 + 1 + 1] = 0x20; // 'c daniyar': a space in the customer id (after session id, method, length, 'c')
    reseal(into, opened);
    assert.equal(parses(into, opened).failure, 'fields');
    assert.equal(
      encodeRecord({ ...COLLECTED, notes: 2 ** 32 }, SEQUENCE, into),
      0,
      'the codec writes no record the ledger refuses',
    );
    const collected = encodeRecord({ ...COLLECTED, notes: 2 ** 32 - 1 }, SEQUENCE, into);
    assert.equal(hexOf(into, 9), '3c070302ffffffff0f');
    into.set([0x80, 0x80, 0x80, 0x80, 0x10], 4); // 2^32 notes, in as many bytes
    reseal(into, collected);
    assert.equal(parses(into, collected).failure, 'fields');
    const closed = encodeRecord(CLOSED, SEQUENCE, into);
    into[closed - 4 - 3] -= 1; // toNextTiyn 499 999: the first of its three varint bytes, 0xa0 a1 1e
    reseal(into, closed);
    assert.equal(parses(into, closed).failure, 'fields');
  });
});
