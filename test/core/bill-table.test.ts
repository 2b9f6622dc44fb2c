// A bill table with entries that are not tenge notes (issue 15, item 8): a "KZT 100" entry (no
// such banknote) and a US dollar entry. Only tenge notes in circulation are enabled; a note of
// another entry that the validator stacks anyway (a faulty or misconfigured device) is held as
// a doubt of unknown value — never credited as money it is not, never a halt, never lost.
import assert from 'node:assert/strict';
import { TENGE_BILL_TABLE, type BillTableEntry } from '../../hal/sim/ccnet-validator';
import { DENOMINATIONS_TENGE } from '../../src/domain';
import type { LedgerRecord } from '../../src/ledger/records';
import { ConsoleWire } from './support/console-rig';
import { DeskMachine } from '../../tools/bench/machine';
import { screenId as screenOf, startCashIn as startCashInOn, watchHalts } from './support/machine-hands';
import { MiniBank } from './support/mini-bank';

const KZT_100_TYPE = 7; // the hole in the tenge table
const USD_100_TYPE = 13;
const TABLE_WITH_FOREIGN_ENTRIES: readonly BillTableEntry[] = [
  ...TENGE_BILL_TABLE,
  { billType: KZT_100_TYPE, digits: 1, exponent: 2, country: 'KZT', design: 'old' },
  { billType: USD_100_TYPE, digits: 1, exponent: 2, country: 'USD', design: 'old' },
];

interface Rig {
  readonly machine: DeskMachine;
  readonly bank: MiniBank;
  readonly halts: string[];
}

function rig(): Rig {
  const bank = new MiniBank();
  const machine = new DeskMachine({
    seed: 3,
    bank: bank.handler,
    validator: { billTable: TABLE_WITH_FOREIGN_ENTRIES },
  });
  return { machine, bank, halts: watchHalts(machine) };
}

const screenId = (r: Rig) => screenOf(r.machine);
const startCashIn = (r: Rig) => startCashInOn(r.machine);

function doubts(r: Rig): LedgerRecord[] {
  const ledger = r.machine.firmware!.ledger;
  const found: LedgerRecord[] = [];
  ledger.readFrom(ledger.tailSequence, 1_000, (_sequence, record) => {
    if (record.kind === 'doubt') found.push(record);
  });
  return found;
}

describe('a bill table with entries that are not tenge notes', () => {
  it('enables only tenge notes in circulation: the console lists them, a KZT 100 note is refused and the session goes on', () => {
    const r = rig();
    startCashIn(r);
    assert.deepEqual(r.machine.firmware!.validator.denominationsTenge(), DENOMINATIONS_TENGE);
    r.machine.sim.validator.insert(100);
    r.machine.sim.validator.insert(1000);
    assert.ok(
      r.machine.runUntil(() => r.machine.sim.display.current?.fields.depositedTiyn === 100_000, 20_000),
      'the 1 000 ₸ note after it was not taken',
    );
    assert.equal(screenId(r), 'insert-notes', 'the session goes on');
    assert.equal(
      r.machine.sim.validator.truth.rejected,
      1,
      'the KZT 100 entry is not enabled: the device refuses the note',
    );
    assert.deepEqual(r.machine.sim.validator.truth.cassetteTenge, [1000]);
    const wire = new ConsoleWire(r.machine.sim);
    wire.login('engineer');
    const devices = wire.command('devices');
    assert.match(devices, /bill table: 200 500 1000 2000 5000 10000 20000\r?\n/);
    assert.match(devices, /bill table: 1 tenge entries that are no note in circulation, never enabled/);
  });

  it('a note of such an entry stacked anyway is one doubt of unknown value, outside a session and in one; no halt', () => {
    const r = rig();
    r.machine.runUntil(() => screenId(r) === 'attract' && r.machine.firmware!.validator.status() === 'idle', 20_000);
    assert.ok(r.machine.sim.validator.stackUnasked(KZT_100_TYPE));
    r.machine.runFor(3_000);
    assert.ok(r.machine.sim.validator.stackUnasked(USD_100_TYPE));
    r.machine.runFor(3_000);
    startCashIn(r);
    assert.ok(r.machine.sim.validator.stackUnasked(KZT_100_TYPE));
    r.machine.runFor(3_000);
    assert.deepEqual(r.halts, []);
    assert.deepEqual(
      r.machine.sim.validator.truth.cassetteTenge,
      [100, 0, 100],
      'three items in the cassette, none a tenge note',
    );
    assert.deepEqual(
      doubts(r).map((doubt) => doubt.kind === 'doubt' && doubt.denominationTenge),
      [0, 0, 0],
      'each held as a doubt of unknown value',
    );
    assert.equal(r.machine.sim.display.current?.fields.depositedTiyn, 0, 'nothing credited for them');
    assert.equal(r.machine.firmware!.session.cassette.doubtfulNotes, 3);
    // The bank takes them as doubts too.
    r.machine.sim.keypad.press('enter');
    r.machine.runUntil(() => screenId(r) === 'attract', 60_000);
    r.machine.runFor(10_000);
    assert.deepEqual(
      r.bank.records.filter((record) => record.kind === 'doubt').map((record) => record.denominationTenge),
      [0, 0, 0],
    );
    assert.deepEqual(r.bank.creditedTenge(), []);
  });

  it('a bill the device stacked while busy is still reported after a "cheated" episode ends (npm run sim, seed 198 of 300)', () => {
    const r = rig();
    r.machine.runUntil(() => screenId(r) === 'attract' && r.machine.firmware!.validator.status() === 'idle', 20_000);
    const validator = r.machine.sim.validator;
    validator.busyFor(3_000); // it answers BUSY to every POLL
    assert.ok(validator.stackUnasked(KZT_100_TYPE));
    r.machine.runFor(1_000); // in the cassette, the report waits for a POLL it can answer
    validator.cheat(); // the episode ends before the busy spell, and used to take the report with it
    r.machine.runFor(10_000);
    assert.deepEqual(validator.truth.cassetteTenge, [100]);
    assert.deepEqual(
      doubts(r).map((doubt) => doubt.kind === 'doubt' && doubt.denominationTenge),
      [0],
      'held as a doubt of unknown value',
    );
  });
});
