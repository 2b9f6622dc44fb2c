import assert from 'node:assert/strict';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { SeededRandom } from '../../hal/sim/peripherals';
import { crc32 } from '../../src/crc';
import { encodeHeader, HEADER_BYTES, parseHeader, SectorHeader, ZAP_GUARD_BYTES } from '../../src/ledger/format';
import { ACK_LAST_BYTES, ACK_RESERVE_BYTES, BANK_ACK_RECORD_BYTES, Ledger } from '../../src/ledger/ledger';
import {
  DOUBT_RECORD_BYTES,
  ESCROW_ROOM_BYTES,
  NOTE_RECORD_BYTES,
  SESSION_CLOSED_BYTES_MAX,
  SESSION_ROOM_BYTES,
} from '../../src/session/room';
import type { LedgerRecord } from '../../src/ledger/records';
import { encodeRecord, payloadBytes, RECORD_SIZE_MAX, sameRecord } from '../../src/ledger/records';
import { makeWorkload } from '../../tools/ledger/workload';

// Vectors computed outside this code base (Python's zlib.crc32 and a hand LEB128 encoding)
// from the layout written in src/ledger/records.ts and format.ts.
const NOTE_STACKED_SEQ1 = [0x3c, 0x03, 0x01, 0x00, 0x04, 0x03, 0x02, 0x01, 0x04, 0x2e, 0xef, 0x01, 0xe5];
const SESSION_CLOSED_SEQ_10203 = [
  0x3c, 0x05, 0x03, 0x02, 0x07, 0x00, 0x00, 0x00, 0x00, 0xe0, 0xc6, 0x5b, 0x80, 0x9f, 0x49, 0xe0, 0xa7, 0x12, 0x5f,
  0x78, 0x57, 0xa6,
];
// Layout 2: sector 5, first record 0x10203, erased 9 times; checkpoint: acknowledged 0x10100 by
// bank-ack record 0x10102, newest data record 0x10202, the sector before ends at 4071.
const HEADER_5_10203_9 = [
  0x4b, 0x52, 0x4c, 0x47, 0x02, 0x05, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01,
  0x01, 0x00, 0x02, 0x01, 0x01, 0x00, 0x02, 0x02, 0x01, 0x00, 0xe7, 0x0f, 0x50, 0x67, 0x10, 0xdd,
];

function headerWith(fields: Partial<SectorHeader>): SectorHeader {
  return Object.assign(new SectorHeader(), fields);
}

const SMALL = { sizeBytes: 4096, sectorSizeBytes: 1024, pageSizeBytes: 256 };
const TWO_SECTORS = { sizeBytes: 2048, sectorSizeBytes: 1024, pageSizeBytes: 256 };

const note = (sessionId: number, denominationTenge = 5000): LedgerRecord => ({
  kind: 'note-stacked',
  sessionId,
  denominationTenge,
});

function all(ledger: Ledger): [number, LedgerRecord][] {
  const seen: [number, LedgerRecord][] = [];
  ledger.readFrom(0, 1_000_000, (sequence, record) => seen.push([sequence, record]));
  return seen;
}

function fill(ledger: Ledger, count: number, sessionId = 1): number[] {
  const sequences: number[] = [];
  for (let index = 0; index < count; index++) {
    ledger.maintain();
    const result = ledger.append(note(sessionId + index));
    if (!result.ok) break;
    sequences.push(result.sequence);
  }
  return sequences;
}

describe('ledger: encoding', () => {
  it('CRC-32 gives the standard check value for "123456789"', () => {
    assert.equal(crc32(0, new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]), 0, 9), 0xcbf43926);
  });

  it('encodes records byte for byte as the layout says', () => {
    const into = new Uint8Array(RECORD_SIZE_MAX);
    const size = encodeRecord(note(0x01020304), 1, into);
    assert.deepEqual([...into.subarray(0, size)], NOTE_STACKED_SEQ1);
    const closed: LedgerRecord = {
      kind: 'session-closed',
      sessionId: 7,
      outcome: 'completed',
      depositedTiyn: 1_500_000,
      toBillTiyn: 1_200_000,
      toNextTiyn: 300_000,
    };
    assert.deepEqual([...into.subarray(0, encodeRecord(closed, 0x10203, into))], SESSION_CLOSED_SEQ_10203);
  });

  it('encodes and parses sector headers as the layout says', () => {
    const bytes = new Uint8Array(HEADER_BYTES);
    const fields = {
      sectorSequence: 5,
      firstSequence: 0x10203,
      eraseCount: 9,
      ackedSequence: 0x10100,
      ackRecordSequence: 0x10102,
      lastDataSequence: 0x10202,
      previousEndOffset: 4071,
    };
    encodeHeader(headerWith(fields), bytes);
    assert.deepEqual([...bytes], HEADER_5_10203_9);
    const parsed = new SectorHeader();
    parseHeader(bytes, parsed);
    assert.deepEqual({ ...parsed }, { ...fields, kind: 'valid', version: 2 });
    const header = parsed;
    bytes[4] = 0; // an older layout
    parseHeader(bytes, header);
    assert.equal(header.kind, 'foreign');
    bytes[0] = 0x4a;
    parseHeader(bytes, header);
    assert.equal(header.kind, 'garbage');
  });

  it('puts the first record after the first sector header on a blank part', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    assert.deepEqual(ledger.append(note(0x01020304)), { ok: true, sequence: 1 });
    assert.deepEqual(
      [...flash.bytes.subarray(HEADER_BYTES, HEADER_BYTES + NOTE_STACKED_SEQ1.length)],
      NOTE_STACKED_SEQ1,
    );
    const header = new SectorHeader();
    parseHeader(flash.bytes.subarray(0, HEADER_BYTES), header);
    assert.deepEqual([header.kind, header.sectorSequence, header.firstSequence, header.eraseCount], ['valid', 1, 1, 1]);
  });
});

describe('ledger: append, read, mount', () => {
  it('a blank part mounts empty', () => {
    const ledger = Ledger.mount(new NorFlashEmulator(SMALL));
    assert.deepEqual([ledger.headSequence, ledger.tailSequence, ledger.ackedSequence], [0, 1, 0]);
    assert.deepEqual(ledger.mountReport, { recordsFound: 0, skipped: 0, tornRecords: 0, sectorsErased: 4, notes: [] });
    assert.equal(
      ledger.readFrom(1, 10, () => assert.fail('nothing to visit')),
      0,
    );
  });

  it('numbers records contiguously, reads them back in order and finds them again after a mount', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    const records: LedgerRecord[] = [
      {
        kind: 'session-opened',
        sessionId: 42,
        method: 'palm',
        customerId: 'KR-000123',
        billTiyn: 1_234_500,
        wallMs: Number.NaN,
      },
      { kind: 'note-escrowed', sessionId: 42, denominationTenge: 20000 },
      { kind: 'note-stacked', sessionId: 42, denominationTenge: 20000 },
      { kind: 'note-returned', sessionId: 42, denominationTenge: 200 },
      { kind: 'doubt', sessionId: 42, denominationTenge: 1000, reason: 'power-cut-in-stacker' },
      {
        kind: 'session-closed',
        sessionId: 42,
        outcome: 'completed',
        depositedTiyn: 2_000_000,
        toBillTiyn: 1_234_500,
        toNextTiyn: 765_500,
      },
      { kind: 'cassette-collected', notes: 1, amountTiyn: 2_000_000, wallMs: 1_795_000_000_123.5 },
    ];
    for (const [index, record] of records.entries())
      assert.deepEqual(ledger.append(record), { ok: true, sequence: index + 1 });
    assert.deepEqual(ledger.acknowledge(6), { ok: true, sequence: 8 });
    const expected = [...records, { kind: 'bank-ack', ackedSequence: 6 } as LedgerRecord];
    const check = (mounted: Ledger) => {
      const seen = all(mounted);
      assert.deepEqual(
        seen.map(([sequence]) => sequence),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      for (const [index, [, record]] of seen.entries())
        assert.ok(sameRecord(record, expected[index]), JSON.stringify(record));
      assert.deepEqual([mounted.headSequence, mounted.tailSequence, mounted.ackedSequence], [8, 1, 6]);
    };
    check(ledger);
    const again = Ledger.mount(flash);
    check(again);
    assert.equal(again.mountReport.recordsFound, 8);
    assert.equal(again.stats().unsyncedRecords, 1);
    assert.deepEqual(again.append(note(1)), { ok: true, sequence: 9 });
  });

  it('reads from any sequence, at most countMax, and resumes where the last read stopped', () => {
    const ledger = Ledger.mount(new NorFlashEmulator(SMALL));
    fill(ledger, 150);
    const seen: number[] = [];
    assert.equal(
      ledger.readFrom(70, 5, (sequence) => seen.push(sequence)),
      5,
    );
    assert.equal(
      ledger.readFrom(75, 100, (sequence) => seen.push(sequence)),
      76,
    );
    assert.deepEqual(
      seen,
      Array.from({ length: 81 }, (_, index) => 70 + index),
    );
  });

  it('refuses invalid records without writing', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    const written = flash.bytesProgrammed;
    const invalid: unknown[] = [
      { kind: 'note-stacked', sessionId: 1, denominationTenge: 300 },
      { kind: 'note-stacked', sessionId: -1, denominationTenge: 500 },
      { kind: 'session-opened', sessionId: 1, method: 'palm', customerId: 'x'.repeat(25), billTiyn: 0, wallMs: 0 },
      { kind: 'session-opened', sessionId: 1, method: 'palm', customerId: 'Қ', billTiyn: 0, wallMs: 0 },
      { kind: 'session-opened', sessionId: 1, method: 'palm', customerId: 'a', billTiyn: 1.5, wallMs: 0 },
      {
        kind: 'session-closed',
        sessionId: 1,
        outcome: 'completed',
        depositedTiyn: 100,
        toBillTiyn: 50,
        toNextTiyn: 49,
      },
      { kind: 'cassette-collected', notes: 1, amountTiyn: Number.MAX_SAFE_INTEGER + 1, wallMs: 0 },
      { kind: 'mystery' },
    ];
    for (const record of invalid)
      assert.deepEqual(ledger.append(record as LedgerRecord), { ok: false, error: 'invalid' }, JSON.stringify(record));
    assert.deepEqual(ledger.acknowledge(1), { ok: false, error: 'invalid' }); // above the head
    assert.equal(flash.bytesProgrammed, written);
  });

  it('ignores an ack that is not above the current one, without writing', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    fill(ledger, 5);
    assert.deepEqual(ledger.acknowledge(4), { ok: true, sequence: 6 });
    const written = flash.bytesProgrammed;
    assert.deepEqual(ledger.acknowledge(3), { ok: true, sequence: 6 });
    assert.deepEqual(ledger.append({ kind: 'bank-ack', ackedSequence: 4 }), { ok: true, sequence: 6 });
    assert.equal(flash.bytesProgrammed, written);
    assert.equal(ledger.ackedSequence, 4);
  });

  it('is full when wrapping would erase unacknowledged records; an ack unblocks it', () => {
    const flash = new NorFlashEmulator(TWO_SECTORS);
    const ledger = Ledger.mount(flash);
    const sequences = fill(ledger, 500);
    const head = ledger.headSequence;
    assert.ok(head > 60 && head < 160, `held ${head}`);
    assert.deepEqual(ledger.append(note(9)), { ok: false, error: 'full' });
    const before = new Uint8Array(flash.bytes);
    assert.deepEqual(ledger.append(note(9)), { ok: false, error: 'full' });
    assert.deepEqual(flash.bytes, before);
    // The bank's ack still fits (room is kept for it), and then the ring wraps.
    assert.deepEqual(ledger.acknowledge(head), { ok: true, sequence: head + 1 });
    ledger.maintain();
    assert.equal(fill(ledger, 20).length, 20);
    assert.ok(ledger.tailSequence > 1 && ledger.tailSequence <= head + 1);
    assert.equal(sequences.length, head);
    const remounted = Ledger.mount(flash);
    assert.equal(remounted.headSequence, head + 21);
    assert.equal(remounted.ackedSequence, head);
  });

  it("restarts that append nothing cost no room: after fifty of them the bank's acknowledgement still frees the ring", () => {
    const flash = new NorFlashEmulator(TWO_SECTORS);
    let ledger = Ledger.mount(flash);
    fill(ledger, 500);
    const head = ledger.headSequence;
    assert.ok(ledger.roomBytes() < 13, `room ${ledger.roomBytes()}`);
    ledger = Ledger.mount(flash);
    // How many promised records a copy of the flash takes after one restart...
    const copy = Ledger.mount(new NorFlashEmulator(TWO_SECTORS, flash.bytes.slice()));
    let promisedAfterOne = 0;
    while (copy.append(note(2), 'promised').ok) promisedAfterOne++;
    assert.ok(promisedAfterOne > 20);
    const before = flash.bytesProgrammed;
    for (let restart = 0; restart < 50; restart++) ledger = Ledger.mount(flash);
    assert.equal(
      flash.bytesProgrammed - before,
      50 * (HEADER_BYTES + 1),
      'each mount re-programs the head header and the last commit mark, nothing more',
    );
    // ...and after fifty more: the same.
    const again = Ledger.mount(new NorFlashEmulator(TWO_SECTORS, flash.bytes.slice()));
    let promisedAfterFifty = 0;
    while (again.append(note(2), 'promised').ok) promisedAfterFifty++;
    assert.equal(promisedAfterFifty, promisedAfterOne);
    assert.deepEqual(ledger.append(note(1)), { ok: false, error: 'full' });
    assert.deepEqual(ledger.acknowledge(head), { ok: true, sequence: head + 1 });
    ledger.maintain();
    assert.equal(fill(ledger, 20).length, 20, 'the ring moved on');
    assert.equal(Ledger.mount(flash).headSequence, head + 21);
  });

  it("keeps the full ledger's last bytes in tiers: ordinary, promised, acknowledgements, and the ack that frees the ring", () => {
    const flash = new NorFlashEmulator(TWO_SECTORS);
    const ledger = Ledger.mount(flash);
    fill(ledger, 500); // ordinary appends stop ACK_RESERVE_BYTES short of the head sector's end
    const sectorBytes = TWO_SECTORS.sectorSizeBytes;
    const freeAfterOrdinary = () => ledger.roomBytes() + ACK_RESERVE_BYTES;
    const ordinaryFree = freeAfterOrdinary();
    assert.ok(ordinaryFree >= ACK_RESERVE_BYTES && ordinaryFree < ACK_RESERVE_BYTES + 13);
    // Promised records go on down to ACK_LAST_BYTES (the next boot's zap and one bank-ack).
    let promised = 0;
    while (ledger.append(note(2), 'promised').ok) promised++;
    assert.equal(promised, Math.floor((ordinaryFree - ACK_LAST_BYTES) / 13));
    const headAfterPromised = ledger.headSequence;
    const free = ordinaryFree - promised * 13;
    assert.ok(free >= ACK_LAST_BYTES && free < ACK_LAST_BYTES + 13);
    assert.equal(ledger.roomBytes(), 0);
    // An acknowledgement that leaves the sector after the head blocked stops at ACK_LAST_BYTES too.
    const tailLast = ledger.tailSequence + 10; // the tail sector holds more than ten records
    let acks = 0;
    while (ledger.acknowledge(acks + 1).ok && acks < 100) acks++;
    assert.equal(acks, Math.floor((free - ACK_LAST_BYTES) / BANK_ACK_RECORD_BYTES));
    assert.ok(acks + 1 < tailLast, 'none of them reached the end of the tail sector');
    // The one that makes the blocking sector reclaimable may take the very last bytes.
    assert.equal(ledger.acknowledge(headAfterPromised).ok, true);
    ledger.maintain();
    assert.equal(fill(ledger, 5).length, 5);
    assert.ok(sectorBytes > ACK_RESERVE_BYTES + ACK_LAST_BYTES);
  });

  it("reports the room for ordinary records: a sector less the reserve while the ring can move on, else the head's rest", () => {
    const ledger = Ledger.mount(new NorFlashEmulator(TWO_SECTORS));
    assert.equal(ledger.roomBytes(), TWO_SECTORS.sectorSizeBytes - HEADER_BYTES - ACK_RESERVE_BYTES);
    fill(ledger, 100); // into the second sector: the first holds unacknowledged records
    const used = (ledger.locate(ledger.headSequence) % TWO_SECTORS.sectorSizeBytes) + 13;
    assert.equal(ledger.roomBytes(), TWO_SECTORS.sectorSizeBytes - used - ACK_RESERVE_BYTES);
    const room = ledger.roomBytes();
    assert.ok(ledger.append(note(3)).ok);
    assert.equal(ledger.roomBytes(), room - 13);
    ledger.acknowledge(ledger.headSequence);
    assert.equal(
      ledger.roomBytes(),
      TWO_SECTORS.sectorSizeBytes - HEADER_BYTES - ACK_RESERVE_BYTES,
      'acknowledged: the ring can move on',
    );
  });

  it("the session's room sums are the records' largest sizes on flash", () => {
    const into = new Uint8Array(RECORD_SIZE_MAX);
    const big = Number.MAX_SAFE_INTEGER;
    assert.equal(
      encodeRecord(
        {
          kind: 'session-closed',
          sessionId: 0xffffffff,
          outcome: 'recovered',
          depositedTiyn: big,
          toBillTiyn: 2 ** 52,
          toNextTiyn: big - 2 ** 52,
        },
        1,
        into,
      ),
      SESSION_CLOSED_BYTES_MAX,
    );
    assert.equal(
      encodeRecord({ kind: 'note-escrowed', sessionId: 0xffffffff, denominationTenge: 20000 }, 1, into),
      NOTE_RECORD_BYTES,
    );
    assert.equal(
      encodeRecord({ kind: 'doubt', sessionId: 0xffffffff, denominationTenge: 20000, reason: 'unknown' }, 1, into),
      DOUBT_RECORD_BYTES,
    );
    assert.equal(encodeRecord({ kind: 'bank-ack', ackedSequence: 0xffffffff }, 1, into), BANK_ACK_RECORD_BYTES);
    const opened = encodeRecord(
      { kind: 'session-opened', sessionId: 1, method: 'palm', customerId: 'x'.repeat(24), billTiyn: big, wallMs: 1 },
      1,
      into,
    );
    assert.equal(opened, RECORD_SIZE_MAX);
    assert.equal(SESSION_ROOM_BYTES, RECORD_SIZE_MAX + ESCROW_ROOM_BYTES);
  });

  it('erases ahead of need in maintain(), never on an append when maintain keeps up', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    for (let round = 0; round < 10; round++) {
      fill(ledger, 40, round * 100);
      assert.equal(ledger.acknowledge(ledger.headSequence).ok, true);
    }
    assert.equal(ledger.headSequence, 410);
    assert.equal(ledger.erasesOnAppend, 0);
    assert.ok(flash.totalErases >= 5);
  });
});

describe('ledger: a mount reads the headers and the head sector only', () => {
  const BOARD = { sizeBytes: 128 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 };
  /** A mount's stats are the running ledger's, but for the zap guard it keeps after the head's last record. */
  const statsAfterMount = (ledger: Ledger) => ({
    ...ledger.stats(),
    usedBytes: ledger.stats().usedBytes + ZAP_GUARD_BYTES,
  });

  it("on a full 128 KiB partition (the board's) it reads every header and the head's records, nothing behind the head", () => {
    const flash = new NorFlashEmulator(BOARD);
    const ledger = Ledger.mount(flash);
    const sequences = fill(ledger, 20_000); // the bank is down: the ring fills, then refuses
    assert.ok(sequences.length > 9_000 && ledger.roomBytes() < 600, `${sequences.length} notes`);
    const reads: [number, number][] = [];
    const read = flash.read.bind(flash);
    flash.read = (offset, into, length) => {
      reads.push([offset, length]);
      return read(offset, into, length);
    };
    const mounted = Ledger.mount(flash);
    const headSector = Math.floor(ledger.locate(ledger.headSequence) / BOARD.sectorSizeBytes);
    const behindHead = reads.filter(
      ([offset, length]) =>
        !(offset % BOARD.sectorSizeBytes === 0 && length === HEADER_BYTES) &&
        Math.floor(offset / BOARD.sectorSizeBytes) !== headSector,
    );
    assert.deepEqual(behindHead, []);
    assert.equal(reads.filter(([, length]) => length === HEADER_BYTES).length >= 32, true);
    assert.deepEqual(
      [mounted.headSequence, mounted.tailSequence, mounted.ackedSequence],
      [ledger.headSequence, ledger.tailSequence, 0],
    );
    assert.deepEqual(mounted.stats(), statsAfterMount(ledger));
    assert.equal(mounted.mountReport.recordsFound, ledger.headSequence);
    // Read back, every record behind the head is there.
    assert.equal(all(mounted).length, ledger.headSequence);
  });

  it("takes the bank's acknowledgement from the head's header when the head holds no bank-ack", () => {
    const flash = new NorFlashEmulator(SMALL); // 1 KiB sectors: 76 notes fill one after its header, with a byte to spare
    const ledger = Ledger.mount(flash);
    fill(ledger, 70);
    assert.deepEqual(ledger.acknowledge(70), { ok: true, sequence: 71 });
    fill(ledger, 10, 100); // the sixth opens sector 1
    assert.deepEqual(ledger.sectorStates().slice(0, 2), ['tail', 'head']);
    const mounted = Ledger.mount(flash);
    assert.deepEqual([mounted.headSequence, mounted.ackedSequence], [81, 70]);
    assert.deepEqual(mounted.stats(), statsAfterMount(ledger));
    assert.equal(mounted.stats().unsyncedRecords, 10);
    assert.deepEqual(mounted.acknowledge(70), { ok: true, sequence: 71 }, 'the bank-ack record that holds it');
  });

  it('takes the newest data record and where the sector before ends from the header when the head holds a bank-ack alone', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    fill(ledger, 76);
    assert.deepEqual(ledger.acknowledge(76), { ok: true, sequence: 77 }); // no room left in sector 0: it opens sector 1
    assert.deepEqual(ledger.sectorStates().slice(0, 2), ['tail', 'head']);
    const mounted = Ledger.mount(flash);
    assert.deepEqual([mounted.headSequence, mounted.ackedSequence], [77, 76]);
    assert.deepEqual(mounted.stats(), statsAfterMount(ledger));
    assert.equal(mounted.stats().unsyncedRecords, 0, 'nothing to send: the newest data record is acknowledged');
  });
});

describe('ledger: power cuts and bad input', () => {
  it('an append cut at each of its operations is absent or whole, and the next append follows it', () => {
    for (let cutAt = 0; cutAt < 2; cutAt++) {
      for (let seed = 1; seed <= 12; seed++) {
        const flash = new NorFlashEmulator(SMALL);
        const ledger = Ledger.mount(flash);
        fill(ledger, 10);
        flash.schedulePowerCut(cutAt, seed);
        assert.deepEqual(ledger.append(note(77)), { ok: false, error: 'io' });
        flash.restorePower();
        const mounted = Ledger.mount(flash);
        assert.ok(mounted.headSequence === 10 || mounted.headSequence === 11);
        const records = all(mounted);
        if (mounted.headSequence === 11) assert.ok(sameRecord(records[10][1], note(77)));
        const twice = Ledger.mount(flash);
        assert.deepEqual(all(twice), records);
        const next = twice.append(note(78));
        assert.deepEqual(next, { ok: true, sequence: mounted.headSequence + 1 });
        assert.equal(Ledger.mount(flash).headSequence, mounted.headSequence + 1);
        assert.equal(flash.illegalPrograms, 0);
      }
    }
  });

  it('mounts random bytes, all zeros and all 0x55 without throwing, and reports what it skipped', () => {
    const random = new SeededRandom(99);
    for (const pattern of ['random', 'zeros', '0x55']) {
      const image = new Uint8Array(SMALL.sizeBytes);
      if (pattern === 'random') random.fill(image);
      if (pattern === '0x55') image.fill(0x55);
      const flash = new NorFlashEmulator(SMALL, image);
      const ledger = Ledger.mount(flash);
      assert.deepEqual([ledger.headSequence, ledger.tailSequence, ledger.ackedSequence], [0, 1, 0]);
      assert.equal(ledger.mountReport.skipped, 4, pattern);
      assert.equal(flash.bytesProgrammed, 0, 'the mount writes nothing when nothing is ours');
      ledger.maintain();
      assert.deepEqual(ledger.append(note(1)), { ok: true, sequence: 1 });
      assert.equal(Ledger.mount(flash).headSequence, 1);
    }
  });

  it('never erases a sector with a header from another layout version', () => {
    const flash = new NorFlashEmulator(SMALL);
    const foreign = new Uint8Array(HEADER_BYTES);
    encodeHeader(headerWith({ sectorSequence: 1, firstSequence: 1, eraseCount: 1 }), foreign);
    foreign[4] = 0; // layout 0
    flash.program(1024, foreign, HEADER_BYTES);
    flash.program(1024 + 100, new Uint8Array([1, 2, 3]), 3);
    const kept = flash.bytes.slice(1024, 2048);
    let ledger = Ledger.mount(flash);
    assert.match(ledger.mountReport.notes.join('\n'), /layout version 0/);
    for (let round = 0; round < 6; round++) {
      fill(ledger, 60, round * 100);
      ledger.acknowledge(ledger.headSequence);
      ledger = Ledger.mount(flash);
    }
    assert.ok(ledger.headSequence > 300);
    assert.deepEqual(flash.bytes.slice(1024, 2048), kept);
    assert.equal(flash.erasesPerSector[1], 0);
  });

  it('does not take a valid-looking record inside a torn one', () => {
    const flash = new NorFlashEmulator(SMALL);
    const ledger = Ledger.mount(flash);
    fill(ledger, 3);
    // Where record 4 would go: a torn body (state byte still 0xFF) that carries a whole record 4 inside.
    const lookalike = new Uint8Array(RECORD_SIZE_MAX);
    const size = encodeRecord(note(666), 4, lookalike);
    const at = ledger.locate(3) + 13;
    flash.program(at + 1, new Uint8Array([0x02, 0x04]), 2);
    flash.program(at + 3, lookalike, size);
    const mounted = Ledger.mount(flash);
    assert.equal(mounted.headSequence, 3);
    assert.equal(mounted.mountReport.tornRecords, 1);
    assert.deepEqual(mounted.append(note(4)), { ok: true, sequence: 4 });
    const last = all(Ledger.mount(flash)).pop();
    assert.ok(last !== undefined && sameRecord(last[1], note(4)));
  });

  it('programs each note within 1.3x of its payload bytes', () => {
    const flash = new NorFlashEmulator({ sizeBytes: 64 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 });
    const ledger = Ledger.mount(flash);
    let payload = 0;
    let noteBytes = 0;
    for (const step of makeWorkload({ seed: 5, sessions: 100, notesPerSessionMax: 6, ackEverySessions: 1 })) {
      if (step.kind === 'maintain') ledger.maintain();
      if (step.kind === 'ack') ledger.acknowledge(ledger.headSequence);
      if (step.kind !== 'append') continue;
      const before = flash.bytesProgrammed;
      assert.equal(ledger.append(step.record).ok, true);
      payload += payloadBytes(step.record);
      if (step.record.kind === 'note-escrowed' || step.record.kind === 'note-stacked')
        noteBytes += flash.bytesProgrammed - before;
    }
    assert.ok(flash.bytesProgrammed / payload <= 1.3, `${flash.bytesProgrammed} programmed for ${payload} payload`);
    assert.ok(noteBytes > 0);
  });
});
