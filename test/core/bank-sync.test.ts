// The bank sync at a customer's pace on the simulated machine (issue 18): the unchanged
// firmware, the validator and card reader on their cables, the NOR ledger, a small bank behind
// the simulated network. A session costs its sign-in round trips and one deposit batch at its
// close (two when its records pass a batch), and one bank-ack record, whatever the note pace.
import assert from 'node:assert/strict';
import type { Key } from '../../hal/ports';
import { NO_BANK_FAULTS } from '../../hal/sim/bank-link';
import { DEMO_CARDS } from '../../hal/sim/card-reader';
import type { AuthMethod } from '../../src/domain';
import { LOOP_TICK_MS } from '../../src/firmware';
import { ConsoleWire } from './support/console-rig';
import { DeskMachine } from '../../tools/bench/machine';
import { AIGERIM, MiniBank } from './support/mini-bank';

type Method = AuthMethod;

/** Twenty-six notes, 59 800 ₸: 54 records, more than one batch (32 records, 4 096 bytes). */
const STACK = [
  20000, 10000, 5000, 2000, 1000, 500, 200, 1000, 1000, 1000, 2000, 2000, 5000, 1000, 1000, 1000, 1000, 1000, 1000,
  1000, 500, 500, 500, 200, 200, 200,
];

function machine(): { machine: DeskMachine; bank: MiniBank } {
  const bank = new MiniBank();
  return { machine: new DeskMachine({ seed: 5, bank: bank.handler }), bank };
}

function screenId(sim: DeskMachine): string {
  return sim.sim.display.current?.id ?? '';
}

function run(sim: DeskMachine, what: string, done: () => boolean): void {
  assert.ok(sim.runUntil(done, 60_000), `${what} not reached; the screen is "${screenId(sim)}"`);
}

function press(sim: DeskMachine, ...keys: Key[]): void {
  for (const key of keys) {
    sim.sim.keypad.press(key);
    sim.runFor(150);
  }
}

function signIn(sim: DeskMachine, bank: MiniBank, method: Method): void {
  run(sim, 'attract', () => screenId(sim) === 'attract');
  press(sim, 'F2');
  if (method === 'iin') press(sim, 'F4', ...(AIGERIM.iin.split('') as Key[]), 'enter');
  if (method === 'card') {
    press(sim, 'F3');
    run(
      sim,
      'the card taken in',
      () => screenId(sim) === 'card' && sim.sim.cardReader.insertCard(DEMO_CARDS.kaspiGoldVisa),
    );
  }
  if (method === 'palm') {
    press(sim, 'F1');
    sim.sim.palm.present(AIGERIM.palmTemplate);
  }
  if (method === 'qr') {
    press(sim, 'F2');
    run(sim, 'a QR code', () => sim.sim.display.current?.qr !== undefined);
    sim.runFor(3_000);
    bank.qrState = 'confirmed';
  }
  run(sim, 'the bill', () => screenId(sim) === 'bill');
  sim.sim.keypad.press('enter');
  run(sim, 'cash-in', () => screenId(sim) === 'insert-notes' && sim.sim.validator.enabled);
}

/** Notes at a person's pace (a note a second) or as a stack the validator draws in one after another. */
function feed(sim: DeskMachine, notes: readonly number[], pace: 'second' | 'once'): void {
  const cassette = sim.firmware!.session.cassette;
  const before = cassette.notes;
  for (const [index, tenge] of notes.entries()) {
    if (pace === 'once') {
      sim.sim.validator.insert(tenge);
      continue;
    }
    const insertedAtMs = sim.sim.clock.nowMs;
    sim.sim.validator.insert(tenge);
    run(sim, `note ${index + 1} stacked`, () => cassette.notes === before + index + 1);
    sim.runFor(Math.max(0, insertedAtMs + 1_000 - sim.sim.clock.nowMs));
  }
  run(sim, 'every note stacked', () => cassette.notes === before + notes.length);
}

interface Cost {
  readonly requests: { authorise: number; qrStart: number; qrPoll: number; deposits: number };
  readonly bankAcks: number;
  readonly enterToCreditedMs: number;
  readonly closeToCreditedMs: number;
}

/** One customer on a fresh machine: what the session cost the link and the ledger, and how soon "credited" came. */
function session(method: Method, notes: readonly number[], pace: 'second' | 'once'): Cost {
  const { machine: sim, bank } = machine();
  run(sim, 'attract', () => screenId(sim) === 'attract');
  const firmware = sim.firmware!;
  const headBefore = firmware.ledger.headSequence;
  signIn(sim, bank, method);
  feed(sim, notes, pace);
  const enterAtMs = sim.sim.clock.nowMs;
  sim.sim.keypad.press('enter');
  // The summary says "crediting" in the tick the session-closed record is written.
  run(sim, 'the session closed', () => sim.sim.display.current?.fields.message === 'crediting');
  const closedAtMs = sim.sim.clock.nowMs;
  run(sim, '"credited"', () => sim.sim.display.current?.fields.message === 'credited');
  const creditedAtMs = sim.sim.clock.nowMs;
  sim.runFor(60_000); // back at attract: anything still to go goes now
  assert.equal(firmware.ledger.stats().unsyncedRecords, 0);
  assert.deepEqual(bank.creditedTenge(), [...notes]);
  let bankAcks = 0;
  firmware.ledger.readFrom(headBefore + 1, 1_000, (_sequence, record) => {
    if (record.kind === 'bank-ack') bankAcks += 1;
  });
  const { authorise, qrStart, qrPoll, deposits } = firmware.bank.stats;
  return {
    requests: { authorise, qrStart, qrPoll, deposits },
    bankAcks,
    enterToCreditedMs: creditedAtMs - enterAtMs,
    closeToCreditedMs: creditedAtMs - closedAtMs,
  };
}

describe("bank sync at a person's pace (one deposit batch per session, not one per record)", () => {
  it('IIN, 26 notes at a note a second: authorise and two deposit batches (54 records), one bank-ack record', () => {
    const cost = session('iin', STACK, 'second');
    assert.deepEqual(cost.requests, { authorise: 1, qrStart: 0, qrPoll: 0, deposits: 2 });
    assert.equal(cost.bankAcks, 1);
  });

  it('card and palm, two notes at a note a second or all at once: authorise and one deposit batch, one bank-ack record', () => {
    for (const method of ['card', 'palm'] as const) {
      for (const pace of ['second', 'once'] as const) {
        const cost = session(method, [10000, 10000], pace);
        assert.deepEqual(cost.requests, { authorise: 1, qrStart: 0, qrPoll: 0, deposits: 1 }, `${method}, ${pace}`);
        assert.equal(cost.bankAcks, 1, `${method}, ${pace}`);
      }
    }
  });

  it('Kaspi QR: start, its polls, authorise and one deposit batch', () => {
    const cost = session('qr', [5000, 5000, 5000], 'second');
    assert.deepEqual({ ...cost.requests, qrPoll: 0 }, { authorise: 1, qrStart: 1, qrPoll: 0, deposits: 1 });
    assert.ok(cost.requests.qrPoll >= 1);
    assert.equal(cost.bankAcks, 1);
  });

  it('a session a power cut interrupted goes in one batch with its recovered close, and one bank-ack', () => {
    const { machine: sim, bank } = machine();
    signIn(sim, bank, 'iin');
    feed(sim, [1000, 1000, 1000], 'second');
    sim.powerCut(2_000);
    run(sim, 'the restart', () => sim.firmware !== undefined && sim.firmware.session.state === 'recovering');
    const firmware = sim.firmware!;
    const headAtBoot = firmware.ledger.headSequence;
    run(
      sim,
      'recovered and synced',
      () => screenId(sim) === 'attract' && firmware.ledger.stats().unsyncedRecords === 0,
    );
    sim.runFor(60_000);
    assert.equal(firmware.bank.stats.deposits, 1, "the interrupted session's records and its close in one batch");
    let bankAcks = 0;
    firmware.ledger.readFrom(headAtBoot + 1, 100, (_sequence, record) => {
      if (record.kind === 'bank-ack') bankAcks += 1;
    });
    assert.equal(bankAcks, 1);
    assert.deepEqual(bank.creditedTenge(), [1000, 1000, 1000]);
    assert.equal(bank.records.filter((record) => record.kind === 'session-closed').length, 1);
  });

  it("the console's sync says the queue is held while a customer pays, and not once the session is sent", () => {
    const { machine: sim, bank } = machine();
    signIn(sim, bank, 'iin');
    feed(sim, [1000, 1000], 'second');
    const wire = new ConsoleWire(sim.sim);
    wire.login('engineer');
    assert.match(
      wire.command('sync'),
      /^queued 5 records, held while a customer is at the machine; bank acknowledged through 0\r\n/,
    );
    sim.sim.keypad.press('enter');
    run(sim, '"credited"', () => sim.sim.display.current?.fields.message === 'credited');
    assert.match(wire.command('sync'), /^queued 1 records; bank acknowledged through 6\r\n/);
  });

  it('"credited" comes one round trip after the session is closed: its batch leaves in the same tick', () => {
    const cost = session('iin', [10000, 10000], 'second');
    // The link's round trip, then the session's next look at the ledger (its period, on the loop's tick).
    const boundMs = NO_BANK_FAULTS.latencyMs + 20 + LOOP_TICK_MS;
    assert.ok(
      cost.closeToCreditedMs <= boundMs,
      `closed → credited in ${cost.closeToCreditedMs} ms, more than ${boundMs}`,
    );
    assert.ok(
      cost.enterToCreditedMs <= 100,
      `ENTER → credited in ${cost.enterToCreditedMs} ms (155 ms before the sync policy)`,
    );
  });
});
