import assert from 'node:assert/strict';
import type { HttpsResult } from '../../hal/ports';
import { SeededRandom } from '../../hal/sim/peripherals';
import type { DepositLane } from '../../src/bank/bank-client';
import {
  HOLD_ROOM_BYTES_MIN,
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  BATCH_RECORDS_MAX,
  HOLD_MS_MAX,
  HOLD_RECORDS_MAX,
  Outbox,
  type SyncDemand,
} from '../../src/bank/outbox';
import { SESSION_ROOM_BYTES } from '../../src/session/room';
import { appendSession, MemoryLedger } from '../../tools/bank/memory-ledger';

class HandLane implements DepositLane {
  /** The board's bank worker sends at most 4 096 bytes (hal/moddable/bank-protocol.ts). */
  readonly depositBodyBytesMax = 4096;
  readonly bodies: string[] = [];
  #onDone: ((result: HttpsResult) => void) | undefined = undefined;

  postDeposits(body: string, onDone: (result: HttpsResult) => void): boolean {
    if (this.#onDone !== undefined) return false;
    this.bodies.push(body);
    this.#onDone = onDone;
    return true;
  }

  get inFlight(): boolean {
    return this.#onDone !== undefined;
  }

  reply(result: HttpsResult): void {
    const onDone = this.#onDone;
    assert.ok(onDone, 'no batch in flight');
    this.#onDone = undefined;
    onDone(result);
  }

  ack(ackedSequence: number, status = 200): void {
    this.reply({ ok: true, status, body: JSON.stringify({ ackedSequence }) });
  }

  batch(index: number): {
    atmId: string;
    fromSequence: number;
    toSequence: number;
    records: { sequence: number; kind: string }[];
  } {
    return JSON.parse(this.bodies[index]);
  }
}

function setup() {
  const ledger = new MemoryLedger();
  const lane = new HandLane();
  const outbox = new Outbox(ledger, lane, new SeededRandom(7), 'ATM-ALA-0001');
  return { ledger, lane, outbox };
}

describe('outbox (ledger → bank, exactly once)', () => {
  it('sends the records above the ack as one batch, byte for byte as API.md shows', () => {
    const { ledger, lane, outbox } = setup();
    ledger.append({
      kind: 'session-opened',
      sessionId: 7,
      method: 'iin',
      customerId: 'c-aigerim',
      billTiyn: 1_500_000,
      wallMs: Number.NaN,
    });
    ledger.append({ kind: 'note-escrowed', sessionId: 7, denominationTenge: 20000 });
    ledger.append({ kind: 'note-stacked', sessionId: 7, denominationTenge: 20000 });
    ledger.append({
      kind: 'session-closed',
      sessionId: 7,
      outcome: 'completed',
      depositedTiyn: 2_000_000,
      toBillTiyn: 1_500_000,
      toNextTiyn: 500_000,
    });
    outbox.poll(0);
    assert.equal(
      lane.bodies[0],
      '{"atmId":"ATM-ALA-0001","fromSequence":1,"toSequence":4,"records":[' +
        '{"sequence":1,"kind":"session-opened","sessionId":7,"method":"iin","customerId":"c-aigerim","billTiyn":1500000,"wallMs":null},' +
        '{"sequence":2,"kind":"note-escrowed","sessionId":7,"denominationTenge":20000},' +
        '{"sequence":3,"kind":"note-stacked","sessionId":7,"denominationTenge":20000},' +
        '{"sequence":4,"kind":"session-closed","sessionId":7,"outcome":"completed","depositedTiyn":2000000,"toBillTiyn":1500000,"toNextTiyn":500000}]}',
    );
    lane.ack(4);
    assert.equal(ledger.ackedSequence, 4, 'the ack is written to the ledger');
    assert.equal(ledger.headSequence, 5);
    outbox.poll(100);
    assert.equal(lane.bodies.length, 1, 'a lone bank-ack record is never sent');
    assert.equal(outbox.state, 'idle');
  });

  it('splits a backlog into batches of BATCH_RECORDS_MAX and skips bank-ack records inside a range', () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [1000]); // 4 records
    outbox.poll(0);
    lane.ack(4); // bank-ack at 5
    for (let session = 2; session < 40; session++) appendSession(ledger, session, 'c-a', 0, [200]);
    outbox.poll(100);
    const second = lane.batch(1);
    assert.equal(second.fromSequence, 5);
    assert.equal(second.toSequence, 5 + BATCH_RECORDS_MAX - 1);
    assert.equal(second.records.length, BATCH_RECORDS_MAX - 1, 'the bank-ack at 5 is in the range, not in the records');
    assert.equal(second.records[0].sequence, 6);
    assert.ok(second.records.every((record) => record.kind !== 'bank-ack'));
    lane.ack(second.toSequence);
    outbox.poll(200);
    assert.equal(lane.batch(2).fromSequence, second.toSequence + 1);
  });

  it('loses nothing on 5xx, malformed, short or oversized replies: the same range is sent again after a backoff', () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [5000, 5000]);
    const failures: [HttpsResult, string][] = [
      [{ ok: true, status: 500, body: 'oops' }, 'unreachable'],
      [{ ok: true, status: 200, body: '{"ackedSequence":' }, 'malformed'],
      [{ ok: true, status: 200, body: '{"ackedSequence":-1}' }, 'malformed'],
      [{ ok: true, status: 200, body: '{"ackedSequence":3}' }, 'malformed'], // below the batch's end
      [{ ok: false, failure: 'too-large', detail: '' }, 'too-large'],
      [{ ok: true, status: 400, body: '{"error":"invalid"}' }, 'rejected'],
      [{ ok: false, failure: 'timeout', detail: '' }, 'timeout'],
    ];
    let nowMs = 0;
    for (const [reply, error] of failures) {
      outbox.poll(nowMs);
      assert.equal(outbox.state, 'sending');
      lane.reply(reply);
      assert.equal(outbox.lastError, error);
      assert.equal(ledger.ackedSequence, 0);
      nowMs += BACKOFF_MAX_MS;
    }
    const bodies = new Set(lane.bodies);
    assert.equal(bodies.size, 1, 'every retry is the same batch');
    outbox.poll(nowMs);
    lane.ack(6);
    assert.equal(ledger.ackedSequence, 6);
    assert.equal(outbox.lastError, undefined);
  });

  it('backs off exponentially with jitter, capped, on the monotonic clock', () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [200]);
    let nowMs = 10_000;
    const delays: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      outbox.poll(nowMs);
      assert.equal(lane.inFlight, true);
      lane.reply({ ok: false, failure: 'connect', detail: '' });
      let waitedMs = 0;
      while (!lane.inFlight) {
        waitedMs += 50;
        outbox.poll(nowMs + waitedMs);
        assert.ok(waitedMs <= BACKOFF_MAX_MS, 'never waits beyond the cap');
      }
      delays.push(waitedMs);
      nowMs += waitedMs;
      lane.reply({ ok: false, failure: 'connect', detail: '' });
      nowMs += BACKOFF_MAX_MS; // let the second failure's wait pass
    }
    // The first wait after one failure is in [base/2, base]; after many it is in [max/2, max].
    assert.ok(delays[0] >= BACKOFF_BASE_MS / 2 && delays[0] <= BACKOFF_BASE_MS + 50, `first delay ${delays[0]}`);
    const last = delays[delays.length - 1];
    assert.ok(last >= BACKOFF_MAX_MS / 2 && last <= BACKOFF_MAX_MS + 50, `capped delay ${last}`);
    assert.ok(new Set(delays.slice(-4)).size > 1, 'jitter: capped delays differ');
  });

  it("resends from the bank's value on a gap reply (a bank restored from a backup)", () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [200]);
    outbox.poll(0);
    lane.ack(4);
    appendSession(ledger, 2, 'c-a', 0, [500]);
    outbox.poll(100);
    assert.equal(lane.batch(1).fromSequence, 5);
    lane.ack(2, 409);
    outbox.poll(200);
    assert.equal(lane.batch(2).fromSequence, 3, 'resent from what the bank holds');
    lane.ack(9);
    assert.equal(ledger.ackedSequence, 9);
  });

  it('stops without acknowledging when the bank claims more than the ledger wrote, or lacks what flash no longer has', () => {
    const ahead = setup();
    appendSession(ahead.ledger, 1, 'c-a', 0, [200]);
    ahead.outbox.poll(0);
    ahead.lane.ack(500);
    assert.equal(ahead.outbox.lastError, 'bank-ahead');
    assert.equal(ahead.ledger.ackedSequence, 0);

    const behind = setup();
    appendSession(behind.ledger, 1, 'c-a', 0, [200]);
    behind.outbox.poll(0);
    behind.lane.ack(4);
    behind.ledger.tailSequence = 4; // the ring wrapped past 1..3
    appendSession(behind.ledger, 2, 'c-a', 0, [200]);
    behind.outbox.poll(100);
    behind.lane.ack(1, 409);
    behind.outbox.poll(200);
    assert.equal(behind.outbox.lastError, 'bank-behind');
    assert.equal(behind.lane.bodies.length, 2, 'nothing sent that would leave a hole');
  });

  it('refuses an ack beyond the batch it answers as a bank anomaly: counted, logged, never recorded; sends on before believing it', () => {
    const ledger = new MemoryLedger();
    const lane = new HandLane();
    const logged: string[] = [];
    const outbox = new Outbox(ledger, lane, new SeededRandom(7), 'ATM-ALA-0001', {
      log: { record: (source, text) => logged.push(`${source}: ${text}`) },
    });
    appendSession(ledger, 1, 'c-a', 0, [5000]); // 1..4
    outbox.poll(0);
    assert.deepEqual([lane.batch(0).fromSequence, lane.batch(0).toSequence], [1, 4]);
    appendSession(ledger, 5, 'c-b', 0, [10000, 10000]); // 5..10: two notes, 20 000 ₸, never sent
    lane.ack(10);
    assert.equal(ledger.ackedSequence, 0, 'records 5..10 were never sent: the ack is not written');
    assert.equal(ledger.headSequence, 10, 'no bank-ack record');
    assert.equal(outbox.bankHoldsSequence, 0);
    assert.equal(outbox.lastError, 'bank-ahead');
    assert.equal(outbox.bankAnomalies, 1);
    assert.equal(outbox.lastAnomaly, 'bank acknowledged 10 for batch 1..4: not recorded');
    assert.deepEqual(logged, ['bank: anomaly: bank acknowledged 10 for batch 1..4: not recorded']);
    outbox.poll(BACKOFF_MAX_MS);
    const next = lane.batch(1);
    assert.deepEqual(
      [next.fromSequence, next.toSequence, next.records[0].sequence],
      [5, 10, 5],
      'the records the claim covers go before it is believed',
    );
    lane.ack(10);
    assert.equal(ledger.ackedSequence, 10, 'every record up to 10 has now been sent: the ack stands');
    assert.equal(outbox.bankAnomalies, 1);
  });

  it("after a lie at the ledger's head, sends the same batch again and takes the honest reply", () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [5000]); // 1..4, the head
    outbox.poll(0);
    lane.ack(9);
    assert.equal(outbox.lastError, 'bank-ahead');
    outbox.poll(BACKOFF_MAX_MS);
    assert.equal(lane.bodies[1], lane.bodies[0], 'nothing beyond the head to walk on to: the batch goes again');
    lane.ack(4);
    assert.equal(ledger.ackedSequence, 4);
    assert.equal(outbox.bankAnomalies, 1);
  });

  it('refuses an ack that names another ATM, and sends the same batch again', () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [5000]);
    outbox.poll(0);
    lane.reply({ ok: true, status: 200, body: '{"atmId":"ATM-ALA-0002","ackedSequence":4}' });
    assert.equal(ledger.ackedSequence, 0);
    assert.equal(outbox.lastError, 'wrong-atm');
    assert.equal(outbox.bankAnomalies, 1);
    assert.equal(outbox.lastAnomaly, 'bank acknowledged 4 for ATM ATM-ALA-0002, not this one: not recorded');
    outbox.poll(BACKOFF_MAX_MS);
    assert.equal(lane.bodies[1], lane.bodies[0]);
    lane.reply({ ok: true, status: 200, body: '{"atmId":"ATM-ALA-0001","ackedSequence":4}' });
    assert.equal(ledger.ackedSequence, 4, 'a reply naming this ATM is taken');
  });

  it("keeps the bank's ack when the ledger cannot write it, retries the write, and does not resend", () => {
    const { ledger, lane, outbox } = setup();
    appendSession(ledger, 1, 'c-a', 0, [200]);
    ledger.failAcknowledge = 'full';
    outbox.poll(0);
    lane.ack(4);
    assert.equal(outbox.lastError, 'ack-write');
    assert.equal(outbox.bankHoldsSequence, 4);
    outbox.poll(100);
    assert.equal(lane.bodies.length, 1);
    ledger.failAcknowledge = undefined;
    outbox.poll(200);
    assert.equal(ledger.ackedSequence, 4);
    assert.equal(lane.bodies.length, 1);
  });

  it("cuts batches to the link's body limit: sixteen short sessions in a row reach a board that sends 4 096 bytes at most", () => {
    // Each session opened and cancelled: two records of ~140 bytes; 32 of them made a 4 369-byte
    // body that the board's bank worker refuses ('too-large'), and the outbox resent it forever.
    const { ledger, lane, outbox } = setup();
    for (let session = 0; session < 16; session++) {
      const sessionId = ledger.headSequence + 1;
      ledger.append({
        kind: 'session-opened',
        sessionId,
        method: 'palm',
        customerId: 'c-aigerim-baimukhanbetova',
        billTiyn: 1_500_000,
        wallMs: 1_764_151_240_123,
      });
      ledger.append({
        kind: 'session-closed',
        sessionId,
        outcome: 'cancelled',
        depositedTiyn: 0,
        toBillTiyn: 0,
        toNextTiyn: 0,
      });
    }
    let stored = 0;
    for (let nowMs = 0; nowMs < 10 * BACKOFF_MAX_MS && ledger.ackedSequence < 32; nowMs += 100) {
      outbox.poll(nowMs);
      if (!lane.inFlight) continue;
      const body = lane.bodies[lane.bodies.length - 1];
      if (body.length > lane.depositBodyBytesMax) {
        lane.reply({ ok: false, failure: 'too-large', detail: 'request body over 4096 bytes' }); // as the board answers
        continue;
      }
      stored = Math.max(stored, JSON.parse(body).toSequence);
      lane.ack(stored);
    }
    assert.ok(
      ledger.ackedSequence >= 32,
      `synced through ${ledger.ackedSequence}; bodies ${lane.bodies.map((body) => body.length).join(', ')}`,
    );
    assert.ok(lane.bodies.every((body) => body.length <= 4096));
    // Each batch is the longest run of records that fits: the next record would have passed the limit.
    const first = lane.batch(0);
    const nextRecord = `,{"sequence":${first.toSequence + 1},${JSON.stringify(ledger.records[first.toSequence]).slice(1)}`;
    const grown = lane.bodies[0]
      .replace(`"toSequence":${first.toSequence},`, `"toSequence":${first.toSequence + 1},`)
      .replace(/]}$/, `${nextRecord}]}`);
    assert.ok(
      grown.length > 4096,
      `batch 1 is ${lane.bodies[0].length} bytes and could have taken record ${first.toSequence + 1}`,
    );
    assert.deepEqual(
      JSON.parse(grown).records.length,
      first.records.length + 1,
      'the grown body is the next batch the outbox refused to make',
    );
  });

  it('starts a batch only while the firmware allows it (no cash session on the serial lines)', () => {
    const ledger = new MemoryLedger();
    const lane = new HandLane();
    let allowed = false;
    const outbox = new Outbox(ledger, lane, new SeededRandom(1), 'ATM-1', { mayStart: () => allowed });
    appendSession(ledger, 1, 'c-a', 0, [200]);
    outbox.poll(0);
    assert.equal(lane.bodies.length, 0);
    allowed = true;
    outbox.poll(100);
    assert.equal(lane.bodies.length, 1);
  });

  it("starts from the ledger's ack after a reboot", () => {
    const ledger = new MemoryLedger();
    appendSession(ledger, 1, 'c-a', 0, [200]);
    ledger.acknowledge(4);
    appendSession(ledger, 2, 'c-a', 0, [1000]);
    const lane = new HandLane();
    new Outbox(ledger, lane, new SeededRandom(1), 'ATM-1').poll(0);
    assert.equal(lane.batch(0).fromSequence, 5);
    assert.equal(lane.batch(0).records[0].sequence, 6);
  });
});

/** A session as the customer makes it, record by record, on the outbox's clock: opened, then notes. */
function openSession(ledger: MemoryLedger, sessionId: number): void {
  ledger.append({
    kind: 'session-opened',
    sessionId,
    method: 'iin',
    customerId: 'c-aigerim',
    billTiyn: 1_500_000,
    wallMs: Number.NaN,
  });
}

function note(ledger: MemoryLedger, sessionId: number, denominationTenge: number): void {
  ledger.append({ kind: 'note-escrowed', sessionId, denominationTenge });
  ledger.append({ kind: 'note-stacked', sessionId, denominationTenge });
}

function closeSession(ledger: MemoryLedger, sessionId: number, depositedTiyn: number): void {
  ledger.append({
    kind: 'session-closed',
    sessionId,
    outcome: 'completed',
    depositedTiyn,
    toBillTiyn: depositedTiyn,
    toNextTiyn: 0,
  });
}

function bankAcks(ledger: MemoryLedger): number[] {
  return ledger.records.filter((record) => record.kind === 'bank-ack').map((record) => record.ackedSequence as number);
}

function policyRig() {
  const ledger = new MemoryLedger();
  const lane = new HandLane();
  const demand: { now: SyncDemand } = { now: 'quiet' };
  const outbox = new Outbox(ledger, lane, new SeededRandom(3), 'ATM-ALA-0001', { demand: () => demand.now });
  return { ledger, lane, outbox, demand };
}

describe('outbox: when records go (the sync policy)', () => {
  it("holds a cash session's records while the customer pays, sends them in one batch at the close, and writes one bank-ack", () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    openSession(ledger, 1);
    let nowMs = 0;
    for (const tenge of [10000, 5000, 1000]) {
      // a note a second
      note(ledger, 1, tenge);
      for (let tick = 0; tick < 10; tick++) {
        nowMs += 100;
        outbox.poll(nowMs);
      }
    }
    assert.equal(lane.bodies.length, 0, 'nothing travels while the customer pays');
    assert.equal(outbox.holding, true);
    closeSession(ledger, 1, 1_600_000);
    demand.now = 'now';
    outbox.creditNow(nowMs); // the session closed: the batch goes in this tick, not at the next poll
    assert.deepEqual([lane.batch(0).fromSequence, lane.batch(0).toSequence, lane.batch(0).records.length], [1, 8, 8]);
    lane.ack(8);
    assert.deepEqual(bankAcks(ledger), [8], 'the answer is written at once: the customer waits for "credited"');
    demand.now = 'quiet';
    for (let tick = 0; tick < 100; tick++) {
      nowMs += 100;
      outbox.poll(nowMs);
    }
    assert.equal(lane.bodies.length, 1, 'one round trip for the whole session');
  });

  it("sends a held session's records early when a full batch waits, and writes the bank's answer once, with the closing batch's", () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    openSession(ledger, 1);
    let nowMs = 0;
    for (let count = 0; count < 26; count++) {
      note(ledger, 1, 1000);
      nowMs += 1_000;
      outbox.poll(nowMs);
      if (lane.inFlight) lane.ack(lane.batch(lane.bodies.length - 1).toSequence);
    }
    assert.equal(lane.bodies.length, 1, 'one batch before the close');
    assert.deepEqual(
      [lane.batch(0).fromSequence, lane.batch(0).toSequence],
      [1, HOLD_RECORDS_MAX],
      'a full batch, sent when it was full',
    );
    assert.deepEqual(bankAcks(ledger), [], "its answer waits for the closing batch's");
    assert.equal(outbox.bankHoldsSequence, HOLD_RECORDS_MAX);
    closeSession(ledger, 1, 2_600_000);
    demand.now = 'now';
    outbox.creditNow(nowMs);
    assert.deepEqual([lane.batch(1).fromSequence, lane.batch(1).toSequence], [HOLD_RECORDS_MAX + 1, 54]);
    lane.ack(54);
    assert.deepEqual(bankAcks(ledger), [54], 'one bank-ack record for the session');
  });

  it("writes a held batch's answer when a second one comes before the close, so a restart resends one batch at most", () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    openSession(ledger, 1);
    let nowMs = 0;
    for (let count = 0; count < 40; count++) {
      note(ledger, 1, 500);
      nowMs += 1_000;
      outbox.poll(nowMs);
      if (lane.inFlight) lane.ack(lane.batch(lane.bodies.length - 1).toSequence);
    }
    assert.equal(lane.bodies.length, 2);
    assert.deepEqual(
      bankAcks(ledger),
      [2 * HOLD_RECORDS_MAX],
      "written with the second batch's answer: both in one record",
    );
  });

  it('sends held records once the oldest has waited HOLD_MS_MAX, whatever the session does', () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    outbox.poll(0);
    openSession(ledger, 1);
    note(ledger, 1, 200);
    outbox.poll(100); // first seen here
    outbox.poll(100 + HOLD_MS_MAX - 1);
    assert.equal(lane.bodies.length, 0);
    outbox.poll(100 + HOLD_MS_MAX);
    assert.deepEqual([lane.batch(0).fromSequence, lane.batch(0).toSequence], [1, 3]);
    note(ledger, 1, 500);
    outbox.poll(200 + HOLD_MS_MAX); // seen while the batch is in flight: its wait starts here
    lane.ack(3);
    outbox.poll(200 + 2 * HOLD_MS_MAX - 1);
    assert.equal(lane.bodies.length, 1);
    outbox.poll(200 + 2 * HOLD_MS_MAX);
    assert.deepEqual([lane.batch(1).fromSequence, lane.batch(1).toSequence], [4, 5]);
  });

  it('keeps an idle-time record from a customer signing in, and sends it at the next quiet moment', () => {
    const { ledger, lane, outbox, demand } = policyRig();
    ledger.append({ kind: 'cassette-collected', notes: 12, amountTiyn: 4_800_000, wallMs: Number.NaN });
    demand.now = 'hold'; // a customer pressed a key: their authorisation should not wait behind a batch
    for (let nowMs = 0; nowMs < 60_000; nowMs += 100) outbox.poll(nowMs);
    assert.equal(lane.bodies.length, 0);
    demand.now = 'quiet';
    outbox.poll(60_000);
    assert.equal(lane.batch(0).records[0].kind, 'cassette-collected');
    lane.ack(1);
    assert.deepEqual(bankAcks(ledger), [1]);
  });

  it('the console\'s "sync now" sends what the session holds', () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    openSession(ledger, 1);
    outbox.poll(0);
    assert.equal(lane.bodies.length, 0);
    assert.equal(outbox.retryNow(), true);
    outbox.poll(100);
    assert.equal(lane.bodies.length, 1);
    lane.ack(1);
    note(ledger, 1, 1000);
    outbox.poll(200);
    assert.equal(lane.bodies.length, 1, 'once: the hold is back after that batch');
  });

  it('holds nothing while the ledger is short of room: records go and the answer is written at once, so the ring can move on', () => {
    assert.ok(HOLD_ROOM_BYTES_MIN >= 4 * SESSION_ROOM_BYTES, 'a hold never costs a customer a note');
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    ledger.room = HOLD_ROOM_BYTES_MIN - 1;
    openSession(ledger, 1);
    note(ledger, 1, 1000);
    outbox.poll(0);
    assert.deepEqual([lane.batch(0).fromSequence, lane.batch(0).toSequence], [1, 3]);
    lane.ack(3);
    assert.deepEqual(bankAcks(ledger), [3]);
  });

  it("after a power cut with one answer unwritten, the next boot's first batch is answered exactly: no anomaly", () => {
    const { ledger, lane, outbox, demand } = policyRig();
    demand.now = 'hold';
    openSession(ledger, 1);
    for (let count = 0; count < 17; count++) note(ledger, 1, 1000);
    outbox.poll(0);
    lane.ack(HOLD_RECORDS_MAX); // the bank holds 1..32; the ledger's ack is 0
    note(ledger, 1, 1000);
    // The power goes; the next boot's recovery closes the session and the outbox starts from the ledger.
    closeSession(ledger, 1, 1_800_000);
    const afterBoot = new Outbox(ledger, lane, new SeededRandom(4), 'ATM-ALA-0001', { demand: () => 'quiet' });
    afterBoot.poll(0);
    assert.deepEqual(
      [lane.batch(1).fromSequence, lane.batch(1).toSequence],
      [1, HOLD_RECORDS_MAX],
      'the unwritten batch again, record for record',
    );
    lane.ack(HOLD_RECORDS_MAX); // the bank's stored sequence: exactly the batch's end
    assert.equal(afterBoot.bankAnomalies, 0);
    afterBoot.poll(100);
    lane.ack(ledger.headSequence);
    assert.equal(ledger.ackedSequence, ledger.headSequence - 1);
  });
});
