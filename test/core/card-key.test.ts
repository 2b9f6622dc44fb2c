// Issue 15, item 7: the card-token key is the machine's own, provisioned with it; with none, card
// sign-in is off (never a key of zeros), the customer is told to choose another way and selftest
// says why.
import assert from 'node:assert/strict';
import type { HttpsRequest, Key, Screen, Settings } from '../../hal/ports';
import { cardTokenFor, DEMO_CARDS } from '../../hal/sim/card-reader';
import { SIM_BOARD_ATM_ID, SoftCrypto } from '../../hal/sim/peripherals';
import type { Crypto } from '../../hal/ports';
import { bytesOfHex } from '../../src/bytes';
import { readCardTokenKey } from '../../src/config/identity';
import { ConsoleWire } from './support/console-rig';
import { DeskMachine } from '../../tools/bench/machine';
import { cardDriverRig } from './support/card-driver-rig';
import { MiniBank } from './support/mini-bank';

/** Two machines' own keys ("machine-one-own-card-token-key-1" / "...-2" in ASCII). */
const KEY_ONE_HEX = '6d616368696e652d6f6e652d6f776e2d636172642d746f6b656e2d6b65792d31';
const KEY_TWO_HEX = '6d616368696e652d74776f2d6f776e2d636172642d746f6b656e2d6b65792d32';

/** A machine whose bank records every card token it is asked about. */
function machineWith(
  provisioning: { atmId?: string; cardTokenKeyHex?: string },
  settings?: (settings: Settings) => void,
) {
  const bank = new MiniBank();
  const tokens: string[] = [];
  const handler = (request: HttpsRequest) => {
    const body =
      request.body === undefined ? {} : (JSON.parse(request.body) as { method?: string; cardToken?: string });
    if (body.method === 'card' && body.cardToken !== undefined) tokens.push(body.cardToken);
    return bank.handler(request);
  };
  const machine = new DeskMachine({
    seed: 7,
    bank: handler,
    provisioning,
    settings,
  });
  return { machine, tokens };
}

function screen(machine: DeskMachine): Screen {
  const current = machine.sim.display.current;
  assert.ok(current !== undefined, 'nothing on the screen');
  return current;
}

function press(machine: DeskMachine, ...keys: Key[]): void {
  machine.sim.keypad.press(...keys);
  machine.runFor(300);
}

/** attract → Russian → the card screen → Aigerim's card in; returns the token the bank was asked about. */
function readCardAt(machine: DeskMachine, tokens: string[]): string {
  assert.ok(machine.runUntil(() => machine.sim.display.current?.id === 'attract', 10_000));
  press(machine, 'F2', 'F3');
  assert.equal(screen(machine).id, 'card');
  assert.ok(
    machine.runUntil(() => machine.sim.cardReader.entryEnabled, 2_000),
    'the shutter opens',
  );
  assert.ok(machine.sim.cardReader.insertCard(DEMO_CARDS.kaspiGoldVisa));
  assert.ok(
    machine.runUntil(() => tokens.length > 0, 20_000),
    'the bank was asked about the card',
  );
  return tokens[0];
}

describe("the card-token key is the machine's own (issue 15, item 7)", () => {
  it('two machines provisioned with their own keys make different tokens of the same card, each with its key', () => {
    const one = machineWith({ atmId: 'ATM-ALA-0001', cardTokenKeyHex: KEY_ONE_HEX });
    const two = machineWith({ atmId: 'ATM-ALA-0002', cardTokenKeyHex: KEY_TWO_HEX });
    const tokenOne = readCardAt(one.machine, one.tokens);
    const tokenTwo = readCardAt(two.machine, two.tokens);
    assert.equal(tokenOne, cardTokenFor(DEMO_CARDS.kaspiGoldVisa.pan, bytesOfHex(KEY_ONE_HEX)!));
    assert.equal(tokenTwo, cardTokenFor(DEMO_CARDS.kaspiGoldVisa.pan, bytesOfHex(KEY_TWO_HEX)!));
    assert.notEqual(tokenOne, tokenTwo);
  });

  it('with no key provisioned card sign-in is off: the screens say to choose another way, the reader stays shut, selftest says why', () => {
    // A fleet key left in Settings by an earlier firmware (card.tokenkey) must not be used either.
    const { machine, tokens } = machineWith({ atmId: SIM_BOARD_ATM_ID }, (settings) =>
      settings.set('card.tokenkey', KEY_ONE_HEX),
    );
    assert.ok(machine.runUntil(() => machine.sim.display.current?.id === 'attract', 10_000));
    press(machine, 'F2');
    const method = screen(machine);
    assert.equal(method.fields.cardOffered, 0);
    assert.ok(method.lines.includes('F3 Карта Kaspi Gold — здесь недоступна'), JSON.stringify(method.lines));
    press(machine, 'F3');
    assert.equal(screen(machine).id, 'cardUnavailable');
    assert.equal(screen(machine).title, 'Вход по карте на этом банкомате недоступен — выберите QR, ИИН или ладонь');
    assert.ok(
      machine.runUntil(() => machine.sim.display.current?.id === 'method', 10_000),
      'back to choosing a way',
    );
    machine.sim.cardReader.tap(DEMO_CARDS.kaspiGoldVisa);
    assert.ok(
      machine.runUntil(() => machine.sim.display.current?.id === 'cardUnavailable', 2_000),
      'a tap is answered the same way',
    );
    assert.equal(machine.sim.cardReader.entryEnabled, false);
    assert.equal(machine.sim.cardReader.insertCard(DEMO_CARDS.kaspiGoldVisa), false, 'the shutter stays shut');
    machine.runFor(5_000);
    assert.deepEqual(tokens, []);
    const wire = new ConsoleWire(machine.sim);
    wire.login('engineer');
    assert.match(
      wire.command('selftest'),
      / {2}FAIL {2}card-key {5}no card-token key provisioned: card sign-in is off/,
    );
    assert.match(wire.command('log'), /card {5}no card-token key provisioned: card sign-in is off/);
  });

  it('takes only a key the bank could have made: 32 bytes, not blank (zeros or erased flash)', () => {
    const read = (hex: string | undefined) =>
      readCardTokenKey({
        atmId: () => SIM_BOARD_ATM_ID,
        cardTokenKey: () => (hex === undefined ? undefined : bytesOfHex(hex)),
      });
    assert.deepEqual(read(KEY_ONE_HEX), { key: bytesOfHex(KEY_ONE_HEX), problem: '' });
    assert.deepEqual(read(undefined), {
      key: undefined,
      problem: 'no card-token key provisioned: card sign-in is off',
    });
    assert.deepEqual(read('00'.repeat(32)), {
      key: undefined,
      problem: 'provisioned card-token key is blank (every byte the same): card sign-in is off',
    });
    assert.deepEqual(read('ff'.repeat(32)).key, undefined);
    assert.deepEqual(read(KEY_ONE_HEX.slice(0, 32)), {
      key: undefined,
      problem: 'provisioned card-token key is 16 bytes, not 32: card sign-in is off',
    });
    assert.deepEqual(read(`${KEY_ONE_HEX}00`).key, undefined);
  });

  it('a driver with no key never opens its entry and never computes a token', () => {
    const soft = new SoftCrypto();
    let macs = 0;
    const crypto: Crypto = {
      sha256: (...args) => soft.sha256(...args),
      hmacSha256: (...args) => {
        macs++;
        soft.hmacSha256(...args);
      },
    };
    const { world, reader, driver } = cardDriverRig(crypto, { contactlessEnabled: true, tokenKey: undefined });
    driver.enable();
    world.runFor(2_000);
    assert.equal(reader.entryEnabled, false);
    assert.equal(reader.insertCard(DEMO_CARDS.kaspiGoldVisa), false);
    reader.tap(DEMO_CARDS.kaspiGoldVisa);
    world.runFor(2_000);
    const kinds: string[] = [];
    for (let event = driver.nextEvent(); event !== undefined; event = driver.nextEvent()) kinds.push(event.kind);
    assert.deepEqual(kinds, []);
    assert.equal(macs, 0);
    assert.equal(driver.status().cardsRead, 0);
  });
});
