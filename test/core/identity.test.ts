// Issue 15, item 4: the machine's ATM id comes from one place, the board's provisioning (the
// id its device certificate carries), and goes into every body the bank gets. The console shows
// it and cannot change it; a board without one says so and sends nothing.
import assert from 'node:assert/strict';
import type { HttpsRequest, Key, Settings } from '../../hal/ports';
import type { BankHandler } from '../../hal/sim/bank-link';
import { readIdentity } from '../../src/config/identity';
import { ConsoleWire } from './support/console-rig';
import { DeskMachine } from '../../tools/bench/machine';
import { AIGERIM, MiniBank } from './support/mini-bank';

const PROVISIONED_ATM_ID = 'ATM-ALA-0007';

/** The mini bank behind a recorder: every request's path and body's atmId, in order. */
function recordingBank(): {
  readonly handler: BankHandler;
  readonly seen: { path: string; atmId: unknown }[];
  readonly bank: MiniBank;
} {
  const bank = new MiniBank();
  const seen: { path: string; atmId: unknown }[] = [];
  const handler = (request: HttpsRequest) => {
    const body = request.body === undefined ? {} : (JSON.parse(request.body) as { atmId?: unknown });
    seen.push({ path: request.path, atmId: body.atmId });
    return bank.handler(request);
  };
  return { handler, seen, bank };
}

function machineWith(
  handler: BankHandler,
  provisioning: { atmId?: string },
  settings?: (settings: Settings) => void,
): DeskMachine {
  return new DeskMachine({
    seed: 15,
    bank: handler,
    provisioning,
    settings,
  });
}

function press(machine: DeskMachine, ...keys: Key[]): void {
  machine.sim.keypad.press(...keys);
  machine.runFor(300);
}

/** attract → Russian → IIN → bill → 5 000 ₸ → finish → synced. */
function payOneNote(machine: DeskMachine): void {
  assert.ok(
    machine.runUntil(() => machine.sim.display.current?.id === 'attract', 10_000),
    'attract screen',
  );
  press(machine, 'F2', 'F4', ...(AIGERIM.iin.split('') as Key[]), 'enter');
  assert.ok(
    machine.runUntil(() => machine.sim.display.current?.id === 'bill', 30_000),
    `bill screen, got ${machine.sim.display.current?.id}`,
  );
  press(machine, 'enter');
  assert.ok(
    machine.runUntil(() => machine.sim.display.current?.id === 'insert-notes', 10_000),
    'insert-notes screen',
  );
  machine.sim.validator.insert(5000);
  assert.ok(
    machine.runUntil(() => Number(machine.sim.display.current?.fields.depositedTiyn ?? 0) === 500_000, 20_000),
    'note stacked',
  );
  press(machine, 'enter');
  assert.ok(
    machine.runUntil(() => machine.firmware!.ledger.stats().unsyncedRecords === 0, 120_000),
    'synced',
  );
}

describe('one source of the ATM id (issue 15, item 4)', () => {
  it('puts the provisioned ATM id in every body the bank gets, whatever an old setting says', () => {
    const { handler, seen, bank } = recordingBank();
    // An earlier firmware kept an id in Settings (cfg.atm_id, default KRA-0000): it must not be read.
    const machine = machineWith(handler, { atmId: PROVISIONED_ATM_ID }, (settings) =>
      settings.set('cfg.atm_id', 'KRA-0000'),
    );
    payOneNote(machine);
    assert.deepEqual([...new Set(seen.map((request) => request.path))].sort(), ['/v1/authorise', '/v1/deposits']);
    assert.deepEqual(
      seen.filter((request) => request.atmId !== PROVISIONED_ATM_ID),
      [],
    );
    assert.deepEqual(bank.creditedTenge(), [5000]);
  });

  it('shows the id at the console and refuses to set it, saying why; the bank keeps getting the provisioned id', () => {
    const { handler, seen } = recordingBank();
    const machine = machineWith(handler, { atmId: PROVISIONED_ATM_ID });
    machine.runFor(1_000);
    const wire = new ConsoleWire(machine.sim);
    wire.login('engineer');
    assert.match(wire.command('config'), /^atm-id {7}ATM-ALA-0007 \(provisioned\)\r\ncity/);
    assert.equal(wire.command('config get atm-id'), 'atm-id ATM-ALA-0007 (provisioned)');
    assert.equal(
      wire.command('config set atm-id KRA-0001'),
      "error: atm-id is this machine's provisioned identity, the name its bank certificate carries; " +
        'the bank refuses any other, so it cannot be set here (re-provision the board to change it)',
    );
    assert.equal(machine.sim.settings.get('cfg.atm_id'), undefined, 'nothing stored');
    assert.match(wire.command('status'), /^firmware \S+ on simulator {2}atm ATM-ALA-0007 {2}uptime/);
    assert.match(wire.command('selftest'), / {2}ok {4}identity {5}ATM id ATM-ALA-0007 \(provisioned\)/);
    wire.command('logout');
    payOneNote(machine);
    assert.ok(seen.length >= 2);
    assert.deepEqual(
      seen.filter((request) => request.atmId !== PROVISIONED_ATM_ID),
      [],
    );
  });

  it('an unprovisioned board is out of service, says why at the console, and sends the bank nothing', () => {
    const { handler, seen } = recordingBank();
    const machine = machineWith(handler, {});
    machine.runFor(1_000);
    const screen = machine.sim.display.current;
    assert.equal(screen?.id, 'out-of-service');
    assert.equal(screen?.fields.reason, 'not-provisioned');
    assert.deepEqual(screen?.lines, ['Уақытша жұмыс істемейді', 'Временно не работает', 'Temporarily out of service']);
    press(machine, 'F2', 'F4');
    assert.equal(machine.sim.display.current?.id, 'out-of-service', 'a customer cannot start');
    machine.runFor(60_000);
    assert.equal(machine.sim.display.current?.id, 'out-of-service', 'still, after its timeout');
    const wire = new ConsoleWire(machine.sim);
    wire.login('engineer');
    assert.match(
      wire.command('selftest'),
      / {2}FAIL {2}identity {5}not provisioned: the board has no ATM id: out of service, nothing is sent to the bank/,
    );
    assert.match(wire.command('config get atm-id'), /^atm-id none \(not provisioned: the board has no ATM id\)$/);
    assert.match(
      wire.command('sync'),
      /last error not provisioned: the board has no ATM id: nothing is sent to the bank/,
    );
    assert.equal(
      wire.command('sync now'),
      'error: sync not started: not provisioned: the board has no ATM id: nothing is sent to the bank',
    );
    assert.match(
      wire.command('log'),
      /identity not provisioned: the board has no ATM id: out of service, nothing is sent to the bank/,
    );
    assert.deepEqual(seen, []);
    assert.equal(machine.firmware!.bank.stats.authorise + machine.firmware!.bank.stats.deposits, 0);
  });

  it("takes only an id a certificate could carry (the bank's CN rule); anything else is no id at all", () => {
    const identity = (atmId: string | undefined) => {
      const read = readIdentity({ atmId: () => atmId, cardTokenKey: () => undefined });
      return { atmId: read.atmId, atmIdProblem: read.atmIdProblem };
    };
    assert.deepEqual(identity('KZ-ALA-0001'), { atmId: 'KZ-ALA-0001', atmIdProblem: '' });
    assert.deepEqual(identity('a.b_c-D9'), { atmId: 'a.b_c-D9', atmIdProblem: '' });
    assert.equal(identity(undefined).atmIdProblem, 'not provisioned: the board has no ATM id');
    for (const bad of ['', 'KZ ALA 0001', 'KZ/ALA', 'A'.repeat(25), 'ATM-ÄLA']) {
      const read = identity(bad);
      assert.equal(read.atmId, undefined, bad);
      assert.match(read.atmIdProblem, /^provisioned ATM id ".*" is malformed \(1\.\.24 of A-Z a-z 0-9 \. _ -\)$/);
    }
  });
});
