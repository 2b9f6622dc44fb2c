import assert from 'node:assert/strict';
import { CardReaderDriver, type CardEvent, type CardReaderOptions } from '../../src/card/driver';
import { DEMO_CARDS, SimCardReader, cardTokenFor, type SimCardSpec } from '../../hal/sim/card-reader';
import { SoftCrypto } from '../../hal/sim/peripherals';
import { SerialLink } from '../../hal/sim/serial-link';
import { SimTicker, SimWorld, VirtualClock } from '../../hal/sim/world';
import { printable } from './support/printable';

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(clean.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(clean.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

function toHex(bytes: Uint8Array, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++)
    text += (index > 0 ? ' ' : '') + (bytes[index] < 16 ? '0' : '') + bytes[index].toString(16).toUpperCase();
  return text;
}

const TOKEN_KEY = ascii('kaspi-red-atm-demo-token-key-v1!');
// HMAC-SHA-256(TOKEN_KEY, PAN digits), first 32 hex characters, computed outside this project
// (Python's hmac module): the tokens a machine with this key makes of the demo cards.
const TOKENS: Readonly<Record<string, string>> = {
  '4400430000000015': '93f7d4485905b00135f23d3ed4966d3f',
  '4400430000000023': '1a63c4881f94aa3ae79b1ee2b90f2aed',
  '5374000000000015': '6ff37970683402e65c673ceaaeb89940',
  '4111111111111111': 'a5edd144334d5614bfc21e35ce4dfba2',
};

function rig(options: Partial<CardReaderOptions> = {}) {
  const clock = new VirtualClock();
  const world = new SimWorld(clock);
  const link = new SerialLink(clock, 9600);
  const reader = new SimCardReader(clock, link.deviceEnd);
  const driver = new CardReaderDriver(link.boardEnd, new SoftCrypto(), {
    contactlessEnabled: false,
    tokenKey: TOKEN_KEY,
    ...options,
  });
  const ticker = new SimTicker();
  ticker.start(driver.periodMs, () => driver.poll(clock.nowMs));
  world.add(ticker);
  world.add(reader);
  const events: CardEvent[] = [];
  const drain = () => {
    for (let event = driver.nextEvent(); event !== undefined; event = driver.nextEvent()) events.push(event);
  };
  /** Runs until an event of `kind` arrives (draining as the session would), within `limitMs`. */
  const until = (kind: CardEvent['kind'], limitMs = 5000) => {
    const ok = world.runUntil(() => {
      drain();
      return events.some((event) => event.kind === kind);
    }, limitMs);
    if (!ok) assert.fail(`no '${kind}' event within ${limitMs} ms; got ${printable(events)}`);
    return events.find((event) => event.kind === kind) as CardEvent;
  };
  const insert = (card: SimCardSpec) => {
    driver.enable();
    world.runUntil(() => reader.entryEnabled, 1000);
    assert.ok(reader.insertCard(card), 'the shutter did not open');
  };
  world.runUntil(() => driver.status().state === 'idle', 1000);
  return { clock, world, link, reader, driver, ticker, events, drain, until, insert };
}

describe('card reader driver against the simulated reader (virtual time)', () => {
  it("reads a Kaspi Gold card: inserted, read with the bank's token, ejected, removed", () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    const read = sim.until('read');
    assert.deepEqual(
      sim.events.map((event) => event.kind),
      ['inserted', 'read'],
    );
    assert.deepEqual(read, {
      kind: 'read',
      cardToken: TOKENS['4400430000000015'],
      maskedPan: '**** **** **** 0015',
      kaspiGold: true,
    });
    assert.equal(cardTokenFor(DEMO_CARDS.kaspiGoldVisa.pan, TOKEN_KEY), TOKENS['4400430000000015']);
    assert.ok(
      sim.world.runUntil(() => sim.driver.status().state === 'holding', 500),
      'chip powered off, card held',
    );
    sim.driver.eject();
    sim.world.runUntil(() => sim.reader.position === 'gate', 2000);
    assert.equal(sim.reader.takeCard(), DEMO_CARDS.kaspiGoldVisa);
    sim.until('removed', 1000);
    assert.deepEqual(
      sim.events.map((event) => event.kind),
      ['inserted', 'read', 'removed'],
    );
    assert.equal(sim.driver.status().state, 'idle');
    // The whole dialogue, as the reader heard it: INIT, status polls, entry on, chip, APDUs, chip off, eject.
    assert.deepEqual(
      sim.reader.commandLog.filter((command) => command !== '10'),
      ['00', '20', 'Q0', 'Q9', 'Q9', 'Q9', 'Q9', 'Q1', '30'],
    );
  });

  it('gives the card back when the session ejects the moment the read arrives (or even on insertion)', () => {
    for (const ejectOn of ['read', 'inserted'] as const) {
      const sim = rig();
      sim.insert(DEMO_CARDS.kaspiGoldVisa);
      sim.until(ejectOn);
      sim.driver.eject();
      assert.ok(
        sim.world.runUntil(() => sim.reader.position === 'gate', 3000),
        `card not at the gate (eject on ${ejectOn})`,
      );
      sim.reader.takeCard();
      sim.until('removed', 1000);
      assert.deepEqual(
        sim.events.map((event) => event.kind),
        ejectOn === 'read' ? ['inserted', 'read', 'removed'] : ['inserted', 'removed'],
      );
      assert.equal(sim.driver.status().state, 'idle');
    }
  });

  it('reads the other demo cards: PDOL and track 2, Mastercard over T=0, a foreign card', () => {
    const cases: [SimCardSpec, boolean][] = [
      [DEMO_CARDS.kaspiGoldVisaTrack2, true],
      [DEMO_CARDS.kaspiGoldMastercard, true],
      [DEMO_CARDS.foreignVisa, false],
    ];
    for (const [card, kaspiGold] of cases) {
      const sim = rig();
      sim.insert(card);
      const read = sim.until('read');
      assert.deepEqual(
        read,
        { kind: 'read', cardToken: TOKENS[card.pan], maskedPan: `**** **** **** ${card.pan.slice(-4)}`, kaspiGold },
        card.name,
      );
    }
  });

  it('never lets the PAN out: not in an event, not in the status', () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    sim.until('read');
    const visible = printable(sim.events) + printable(sim.driver.status());
    assert.ok(!visible.includes('4400430000000015'));
    assert.ok(!visible.includes('440043'), 'not even the BIN');
  });

  it('says why a card could not be read: mute chip, no chip, no payment application', () => {
    const cases: [SimCardSpec, string][] = [
      [DEMO_CARDS.muteChip, 'mute'],
      [DEMO_CARDS.magstripeOnly, 'no-chip'],
      [DEMO_CARDS.notPayment, 'not-payment-card'],
    ];
    for (const [card, reason] of cases) {
      const sim = rig();
      sim.insert(card);
      assert.deepEqual(sim.until('read-failed'), { kind: 'read-failed', reason }, card.name);
      assert.ok(
        sim.world.runUntil(() => sim.driver.status().state === 'holding', 500),
        'the card waits inside for the session to eject it',
      );
      assert.equal(sim.reader.position, 'inside');
    }
  });

  it('refuses a tap while contactless is switched off, once per tap', () => {
    const sim = rig();
    sim.driver.enable();
    sim.reader.tap(DEMO_CARDS.kaspiGoldVisa);
    sim.until('tap-refused', 1000);
    sim.world.runFor(1000);
    sim.drain();
    assert.deepEqual(sim.events, [{ kind: 'tap-refused' }]);
    // Refused even when the session is not taking a card: the screen can still say why.
    sim.driver.disable();
    sim.reader.tap(DEMO_CARDS.foreignVisa);
    sim.world.runFor(500);
    sim.drain();
    assert.deepEqual(sim.events, [{ kind: 'tap-refused' }, { kind: 'tap-refused' }]);
  });

  it('reads a tapped card when contactless is switched on by configuration', () => {
    const sim = rig({ contactlessEnabled: true });
    sim.driver.enable();
    sim.world.runUntil(() => sim.reader.entryEnabled, 1000);
    sim.reader.tap(DEMO_CARDS.kaspiGoldVisa);
    const read = sim.until('read', 2000);
    assert.deepEqual(read, {
      kind: 'read',
      cardToken: TOKENS['4400430000000015'],
      maskedPan: '**** **** **** 0015',
      kaspiGold: true,
    });
    assert.deepEqual(
      sim.events.map((event) => event.kind),
      ['read'],
      'no card went in, so none comes out',
    );
    sim.world.runFor(500);
    assert.ok(!sim.reader.entryEnabled, 'one card per enable: the shutter closes after a tap read');
  });

  it('retains a card on request, into the bin', () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    sim.until('read');
    sim.driver.retain();
    sim.until('retained', 3000);
    assert.deepEqual(sim.reader.bin, [DEMO_CARDS.kaspiGoldVisa]);
    assert.equal(sim.reader.position, 'none');
    assert.ok(!sim.events.some((event) => event.kind === 'removed'));
    assert.equal(sim.driver.status().cardsRetained, 1);
  });

  it('retains a card that jams on its way out', () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.foreignVisa);
    sim.until('read');
    sim.reader.jamNextEject();
    sim.driver.eject();
    sim.until('retained', 5000);
    assert.deepEqual(sim.reader.bin, [DEMO_CARDS.foreignVisa]);
    assert.deepEqual(
      sim.events.map((event) => event.kind),
      ['inserted', 'read', 'retained'],
    );
    assert.match(sim.driver.status().lastFault, /jam/);
  });

  it('NAKs corrupted answers and garbage, is asked again, and never acts on a bad frame', () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.kaspiGoldMastercard);
    sim.world.runUntil(() => sim.reader.position === 'inside', 2000);
    sim.reader.sendGarbage([0x02, 0x00, 0x05, 0x50, 0x31, 0x30, 0x30, 0x30, 0x03, 0x99, 0xff, 0x15]);
    sim.reader.corruptAnswers(2);
    const read = sim.until('read');
    assert.equal((read as { cardToken: string }).cardToken, TOKENS['5374000000000015']);
    assert.ok(sim.driver.status().naksSent >= 2, `naks sent: ${sim.driver.status().naksSent}`);
    assert.ok(sim.reader.naksFromHost >= 2);
    assert.equal(sim.driver.status().linkFailures, 0);
  });

  it('sends a command again after a NAK or a lost frame', () => {
    const sim = rig();
    sim.reader.nakCommands(1);
    sim.reader.dropCommands(1);
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    sim.until('read');
    const status = sim.driver.status();
    assert.equal(status.naksReceived, 1);
    assert.ok(status.timeouts >= 1);
    assert.equal(status.linkFailures, 0);
  });

  it('reports a silent reader as one fault, probes it, and recovers', () => {
    const sim = rig();
    sim.reader.silent = true;
    const fault = sim.until('fault', 3000);
    assert.deepEqual(fault, { kind: 'fault', detail: 'no answer from the reader' });
    sim.world.runFor(10_000);
    sim.drain();
    assert.equal(sim.events.length, 1, 'one event per fault, not one per probe');
    assert.equal(sim.driver.status().state, 'fault');
    sim.reader.silent = false;
    sim.world.runUntil(() => sim.driver.status().state === 'idle', 3000);
    assert.equal(sim.driver.status().state, 'idle');
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    sim.until('read');
  });

  it('captures a card found inside at start-up (power cut mid-session)', () => {
    const sim = rig();
    sim.insert(DEMO_CARDS.kaspiGoldVisa);
    sim.world.runUntil(() => sim.reader.position === 'inside', 2000);
    // The controller restarts; the reader kept the card.
    sim.ticker.stop();
    const restarted = new CardReaderDriver(sim.link.boardEnd, new SoftCrypto(), {
      contactlessEnabled: false,
      tokenKey: TOKEN_KEY,
    });
    const ticker = new SimTicker();
    ticker.start(restarted.periodMs, () => restarted.poll(sim.clock.nowMs));
    sim.world.add(ticker);
    const events: CardEvent[] = [];
    sim.world.runUntil(() => {
      for (let event = restarted.nextEvent(); event !== undefined; event = restarted.nextEvent()) events.push(event);
      return events.length > 0;
    }, 5000);
    assert.deepEqual(events, [{ kind: 'retained' }]);
    assert.deepEqual(sim.reader.bin, [DEMO_CARDS.kaspiGoldVisa]);
  });

  it('keeps at most CARD_EVENTS_MAX events for a session that stopped draining, dropping the oldest', () => {
    const sim = rig();
    for (let cycle = 0; cycle < 3; cycle++) {
      sim.driver.enable();
      sim.world.runUntil(() => sim.reader.entryEnabled, 1000);
      sim.reader.insertCard(DEMO_CARDS.muteChip);
      sim.world.runUntil(() => sim.driver.status().state === 'holding', 3000);
      sim.driver.eject();
      sim.world.runUntil(() => sim.reader.position === 'gate', 2000);
      sim.reader.takeCard();
      sim.world.runUntil(() => sim.driver.status().state === 'idle', 1000);
    }
    const status = sim.driver.status();
    assert.equal(status.eventsQueued, 8);
    assert.equal(status.eventsDropped, 1);
    sim.drain();
    assert.deepEqual(
      sim.events.map((event) => event.kind),
      ['read-failed', 'removed', 'inserted', 'read-failed', 'removed', 'inserted', 'read-failed', 'removed'],
    );
  });
});

describe('card reader driver against expected bytes (no simulator)', () => {
  it('sends INIT then STATUS byte for byte, NAKs a bad answer and takes the good repeat', () => {
    const clock = new VirtualClock();
    const link = new SerialLink(clock, 9600);
    const driver = new CardReaderDriver(link.boardEnd, new SoftCrypto(), {
      contactlessEnabled: false,
      tokenKey: TOKEN_KEY,
    });
    const device = link.deviceEnd;
    const buffer = new Uint8Array(64);
    const advance = (ms: number) => {
      for (let step = 0; step < ms / 5; step++) {
        clock.nowMs += 5;
        driver.poll(clock.nowMs);
      }
    };
    const heard = () => toHex(buffer, device.read(buffer));
    const say = (text: string) => device.write(hex(text), hex(text).length);

    driver.poll(clock.nowMs);
    advance(20);
    assert.equal(heard(), '02 00 03 43 30 30 03 41'); // INIT (PROTOCOL.md §8)
    say('06 02 00 05 50 30 30 30 30 03 54'); // ACK; positive, no card, no tap
    advance(30);
    assert.equal(driver.status().state, 'idle');
    assert.equal(heard(), '02 00 03 43 31 30 03 40'); // STATUS
    say('06 02 00 05 50 31 30 30 30 03 99'); // ACK; an answer with a wrong BCC
    advance(30);
    assert.equal(heard(), '15'); // NAK
    say('02 00 05 50 31 30 30 31 03 54'); // the repeat (a tap seen)
    advance(30);
    assert.equal(heard(), '');
    assert.deepEqual(driver.nextEvent(), { kind: 'tap-refused' });
    assert.equal(driver.status().naksSent, 1);
  });

  it('gives up after 3 sends of a command nobody ACKs', () => {
    const clock = new VirtualClock();
    const link = new SerialLink(clock, 9600);
    const driver = new CardReaderDriver(link.boardEnd, new SoftCrypto(), {
      contactlessEnabled: false,
      tokenKey: TOKEN_KEY,
    });
    const buffer = new Uint8Array(64);
    let heard = '';
    for (let ms = 0; ms <= 1500; ms += 5) {
      clock.nowMs = ms;
      driver.poll(ms);
      const count = link.deviceEnd.read(buffer);
      if (count > 0) heard += ` ${toHex(buffer, count)}`;
    }
    const init = '02 00 03 43 30 30 03 41';
    assert.equal(heard.trim(), `${init} ${init} ${init}`);
    assert.deepEqual(driver.nextEvent(), { kind: 'fault', detail: 'no answer from the reader' });
    assert.equal(driver.status().state, 'fault');
  });
});
