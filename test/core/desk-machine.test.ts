// The one desk machine's reset line (tools/bench/machine.ts): a failed assertion halts the loop,
// the loop stops feeding the watchdog, the watchdog bites and the board boots again into
// recovery — on the desk as on the board. (Before issue 16 only the simulation's machine did
// this; `npm start` stayed halted.)
import assert from 'node:assert/strict';
import type { Task } from '../../src/loop/scheduler';
import { DeskMachine } from '../../tools/bench/machine';
import { breakAtNextPoll, INJECTED_HALT_MESSAGE } from '../../tools/sim/halt-faults';
import { screenId, startCashIn, watchHalts } from './support/machine-hands';
import { MiniBank } from './support/mini-bank';

describe('the desk machine: the watchdog resets a halted loop', () => {
  it('a failed assertion mid-session: the watchdog bites, the board boots again, recovery credits the stacked note', () => {
    const bank = new MiniBank();
    const machine = new DeskMachine({ seed: 11, bank: bank.handler });
    const halts = watchHalts(machine);
    startCashIn(machine);
    machine.sim.validator.insert(5000);
    assert.ok(
      machine.runUntil(() => machine.firmware!.session.cassette.notesOf(5000) === 1, 30_000),
      'the note was not stacked',
    );
    const halted = machine.firmware!;
    breakAtNextPoll(machine.firmware!.session as unknown as Task);

    assert.ok(
      machine.runUntil(() => machine.counts.watchdogResets === 1, 60_000),
      'the watchdog never bit',
    );
    assert.equal(halts.length > 0 && halts[0].includes(`session: ${INJECTED_HALT_MESSAGE}`), true, halts.join('\n'));
    assert.ok(
      machine.runUntil(() => machine.firmware !== undefined && machine.firmware !== halted, 10_000),
      'no boot after the bite',
    );
    assert.equal(machine.counts.boots, 2);
    assert.ok(
      machine.runUntil(
        () => screenId(machine) === 'attract' && machine.firmware!.ledger.stats().unsyncedRecords === 0,
        5 * 60_000,
      ),
      `not back at attract with everything at the bank: ${screenId(machine)}`,
    );
    assert.deepEqual(bank.creditedTenge(), [5000], 'the note stacked before the halt is credited once');
    assert.deepEqual(machine.sim.validator.truth.cassetteTenge, [5000]);
    assert.equal(machine.firmware!.scheduler.halt, undefined, 'the new boot runs');
  });

  it('a machine whose loop never halts is never reset', () => {
    const machine = new DeskMachine({ seed: 11, bank: new MiniBank().handler });
    machine.runFor(10 * 60_000);
    assert.equal(machine.counts.watchdogResets, 0);
    assert.equal(machine.counts.boots, 1);
  });
});
