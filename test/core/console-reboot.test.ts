// Issue 15, item 8: `reboot confirm` at the console is refused while a customer's session is in
// progress (a restart would strand their cash in escrow or their card in the reader), and says why.
import assert from 'node:assert/strict';
import type { Key } from '../../hal/ports';
import { FakeMachineView } from './support/fake-machine-view';
import { ConsoleRig, ConsoleWire } from './support/console-rig';
import { DeskMachine } from '../../tools/bench/machine';
import { AIGERIM, MiniBank } from './support/mini-bank';

function press(machine: DeskMachine, ...keys: Key[]): void {
  machine.sim.keypad.press(...keys);
  machine.runFor(300);
}

describe('reboot during a customer session (issue 15, item 8)', () => {
  it('is refused while the customer is paying, with the reason, and done once the machine is idle', () => {
    const bank = new MiniBank();
    const machine = new DeskMachine({ seed: 3, bank: bank.handler });
    assert.ok(machine.runUntil(() => machine.sim.display.current?.id === 'attract', 10_000));
    press(machine, 'F2', 'F4', ...(AIGERIM.iin.split('') as Key[]), 'enter');
    assert.ok(machine.runUntil(() => machine.sim.display.current?.id === 'bill', 30_000));
    press(machine, 'enter');
    assert.ok(machine.runUntil(() => machine.sim.display.current?.id === 'insert-notes', 10_000));
    machine.sim.validator.insert(5000);
    assert.ok(
      machine.runUntil(() => Number(machine.sim.display.current?.fields.depositedTiyn ?? 0) === 500_000, 20_000),
    );
    const wire = new ConsoleWire(machine.sim);
    wire.login('engineer');
    assert.equal(
      wire.command('reboot confirm'),
      'error: a customer session is in progress (cash-in); reboot once the machine is idle (it ends by itself or by timeout)',
    );
    machine.runFor(1_000);
    assert.equal(machine.sim.system.restarts, 0, 'no restart');
    assert.equal(machine.firmware!.session.state, 'cash-in', 'the customer goes on');
    assert.match(wire.command('log 1'), /reboot refused: a customer session is in progress \(cash-in\)$/);
    press(machine, 'enter');
    assert.ok(
      machine.runUntil(() => machine.firmware!.session.idle, 60_000),
      'the session ends',
    );
    assert.deepEqual(bank.creditedTenge(), [5000]);
    assert.equal(wire.command('reboot confirm'), 'rebooting');
    machine.runFor(500);
    assert.equal(machine.sim.system.restarts, 1);
  });

  it('says so at a plain `reboot` too, on any state the view reports', () => {
    const view = new FakeMachineView();
    const rig = new ConsoleRig({ view });
    rig.login('engineer');
    view.sessionState = 'card';
    assert.equal(
      rig.command('reboot'),
      'error: a customer session is in progress (card); reboot once the machine is idle (it ends by itself or by timeout)',
    );
    assert.equal(
      rig.command('reboot confirm'),
      'error: a customer session is in progress (card); reboot once the machine is idle (it ends by itself or by timeout)',
    );
    view.sessionState = undefined;
    assert.equal(rig.command('reboot confirm'), 'rebooting');
  });
});
