// Doubts on the whole simulated machine (issue 15, item 5): a note whose fate the machine could
// not know is sent as exactly one doubt, however the validator reports it later; and a note the
// validator stacked while the controller alone restarted is credited, not doubted.
import assert from 'node:assert/strict';
import { STATE_STACKING } from '../../src/cash/ccnet-codec';
import type { LedgerRecord } from '../../src/ledger/records';
import { DeskMachine } from '../../tools/bench/machine';
import { KZT_100_TYPE, TABLE_WITH_FOREIGN_ENTRIES } from '../../tools/sim/money-faults';
import { screenId as screenOf, startCashIn as startCashInOn } from './support/machine-hands';
import { MiniBank } from './support/mini-bank';

interface Rig {
  readonly machine: DeskMachine;
  readonly bank: MiniBank;
}

function rig(seed = 1): Rig {
  const bank = new MiniBank();
  return { machine: new DeskMachine({ seed, bank: bank.handler }), bank };
}

const screenId = (r: Rig) => screenOf(r.machine);
const startCashIn = (r: Rig) => startCashInOn(r.machine);

function ledgerRecords(r: Rig): LedgerRecord[] {
  const ledger = r.machine.firmware!.ledger;
  const records: LedgerRecord[] = [];
  ledger.readFrom(ledger.tailSequence, 10_000, (_sequence, record) => records.push(record));
  return records;
}

/** Back at attract with every record at the bank. */
function settle(r: Rig): void {
  const settled = r.machine.runUntil(() => {
    const firmware = r.machine.firmware;
    return firmware?.session.idle === true && firmware.ledger.stats().unsyncedRecords === 0;
  }, 5 * 60_000);
  assert.ok(settled, `not settled: session ${r.machine.firmware?.session.state}`);
}

/** A note jammed in the stacker: the session ends with it in doubt; the technician clears the jam later. */
function jammedNote(r: Rig, beforeClearing: (r: Rig) => void): void {
  startCashIn(r);
  r.machine.sim.validator.jamNextStack();
  r.machine.sim.validator.insert(5000);
  // The session waits for the jammed note, then closes with it in doubt and says goodbye.
  assert.ok(
    r.machine.runUntil(() => ledgerRecords(r).some((record) => record.kind === 'session-closed'), 60_000),
    'the session never closed',
  );
  r.machine.runUntil(() => screenId(r) === 'attract', 60_000);
  beforeClearing(r);
  r.machine.sim.validator.clearJam(); // pushed the rest of the way in: reported stacked
  r.machine.runFor(10_000);
  settle(r);
  assert.deepEqual(r.machine.sim.validator.truth.cassetteTenge, [5000]);
}

function doubtsOf(r: Rig): number[] {
  return r.bank.records.filter((record) => record.kind === 'doubt').map((record) => record.denominationTenge!);
}

describe('doubts: one note, one doubt; a note stacked during a controller restart is credited', () => {
  it('a note jammed in the stacker is one doubt, when the validator later reports it stacked', () => {
    const r = rig();
    jammedNote(r, () => undefined);
    assert.deepEqual(doubtsOf(r), [5000], 'exactly one doubt record for the one note');
    assert.deepEqual(r.bank.creditedTenge(), []);
    assert.equal(r.machine.firmware!.session.cassette.doubtfulNotes, 1);
    const linked = [] as string[];
    r.machine.firmware!.log.visitNewest(64, (event) => {
      if (/already held as a doubt/.test(event.text)) linked.push(event.text);
    });
    assert.equal(linked.length, 1, 'the report is linked to the doubt in the log');
  });

  it('one doubt still, when the controller restarted between the doubt and the report', () => {
    const r = rig();
    jammedNote(r, (machine) => {
      machine.machine.restartController(500);
      machine.machine.runFor(10_000); // the driver resets the validator, which finishes the note and reports it
      assert.deepEqual(machine.machine.sim.validator.truth.reportedStackedTenge, [5000]);
    });
    assert.deepEqual(doubtsOf(r), [5000]);
    assert.equal(r.machine.firmware!.session.cassette.doubtfulNotes, 1);
  });

  it('one doubt still, when the power was cut with the note jammed (the validator reports it at power-up)', () => {
    const r = rig();
    jammedNote(r, (machine) => {
      machine.machine.powerCut(2_000);
      machine.machine.runFor(10_000); // back on: the validator finishes the note it held and reports it
      assert.deepEqual(machine.machine.sim.validator.truth.reportedStackedTenge, [5000]);
    });
    assert.deepEqual(doubtsOf(r), [5000]);
    assert.equal(r.machine.firmware!.session.cassette.doubtfulNotes, 1);
  });

  it('a note stacked while the controller alone restarts is credited, whenever in the stacking the restart falls', () => {
    let restarts = 0;
    for (const offMs of [0, 50, 300, 1_200]) {
      for (const intoStackingMs of [0, 250, 400]) {
        const r = rig();
        startCashIn(r);
        r.machine.sim.validator.insert(5000);
        assert.ok(r.machine.runUntil(() => r.machine.sim.validator.state === STATE_STACKING, 10_000));
        r.machine.runFor(intoStackingMs);
        r.machine.restartController(offMs);
        restarts += 1;
        r.machine.runUntil(() => screenId(r) === 'attract', 60_000);
        settle(r);
        const context = `restart ${intoStackingMs} ms into stacking, controller off ${offMs} ms`;
        assert.deepEqual(r.machine.sim.validator.truth.cassetteTenge, [5000], context);
        assert.deepEqual(r.bank.creditedTenge(), [5000], `${context}: credited`);
        assert.deepEqual(doubtsOf(r), [], `${context}: no doubt`);
        assert.equal(r.machine.firmware!.session.outcomes.recovered, 1, context);
      }
    }
    assert.equal(restarts, 12);
  });

  it('a bill of no tenge value stacked while a restart still settles a note in escrow: that note stays in escrow, credited or held as its own doubt (seed 79)', () => {
    // Found by npm run sim once the watchdog's resets moved its timelines: the unknown bill's
    // doubt was taken for the escrowed note's, and the 10 000 ₸ note was neither credited nor doubted.
    const bank = new MiniBank();
    const machine = new DeskMachine({
      seed: 1,
      bank: bank.handler,
      validator: { billTable: TABLE_WITH_FOREIGN_ENTRIES },
    });
    const r: Rig = { machine, bank };
    startCashIn(r);
    machine.sim.validator.insert(10000);
    assert.ok(machine.runUntil(() => machine.sim.validator.state === STATE_STACKING, 10_000));
    machine.runFor(300);
    const boots = machine.counts.boots;
    machine.restartController(328);
    assert.ok(machine.runUntil(() => machine.counts.boots > boots, 5_000));
    machine.runFor(1_600);
    assert.ok(machine.sim.validator.stackUnasked(KZT_100_TYPE), 'the faulty device stacks the foreign bill');
    machine.runUntil(() => screenId(r) === 'attract', 60_000);
    settle(r);
    assert.deepEqual(
      machine.sim.validator.truth.cassetteTenge.filter((tenge) => tenge === 10000),
      [10000],
    );
    const tenThousands = [...bank.creditedTenge(), ...doubtsOf(r)].filter((tenge) => tenge === 10000);
    assert.deepEqual(tenThousands, [10000], 'the 10 000 ₸ note is credited or doubted, once');
    assert.ok(doubtsOf(r).includes(0), 'the bill of no tenge value is its own doubt');
  });

  it('a jam cleared as the technician closes the cassette: the stacked report is still heard (seed 298)', () => {
    // The simulator's insertCassette set the idle state over a stacked report waiting for its
    // POLL, so the note landed unheard; a cassette that was never out now changes nothing.
    const bank = new MiniBank();
    const machine = new DeskMachine({
      seed: 1,
      bank: bank.handler,
      validator: { billTable: TABLE_WITH_FOREIGN_ENTRIES },
    });
    const r: Rig = { machine, bank };
    machine.runFor(20_000);
    machine.sim.validator.jamNextStack();
    assert.ok(machine.sim.validator.stackUnasked(KZT_100_TYPE));
    machine.runFor(60_000);
    machine.sim.validator.clearJam();
    machine.sim.validator.insertCassette();
    machine.runFor(10_000);
    settle(r);
    assert.deepEqual(machine.sim.validator.truth.cassetteTenge, [100]);
    assert.deepEqual(doubtsOf(r), [0], 'the bill of no tenge value is held as a doubt');
  });
});
