// Issue 15, item 8: the card number must not outlive its read anywhere in the driver — not in the
// PAN buffer, and not in the frame and receive buffers that carried the chip's answers (the PAN in
// BCD, tag 5A or track 2 in 57) — nor in the digest's scratch.
import assert from 'node:assert/strict';
import type { Crypto } from '../../hal/ports';
import { DEMO_CARDS, type SimCardSpec } from '../../hal/sim/card-reader';
import { SoftCrypto } from '../../hal/sim/peripherals';
import { asciiBytes } from '../../src/bytes';
import type { CardEvent } from '../../src/card/driver';
import { cardDriverRig } from './support/card-driver-rig';
import { printable } from './support/printable';

const TOKEN_KEY = asciiBytes('machine-one-own-card-token-key-1');

/** The PAN as the chip sends it (BCD, two digits a byte) and as the driver holds it (ASCII digits). */
function panForms(pan: string): Uint8Array[] {
  const bcd = new Uint8Array(pan.length >> 1);
  for (let index = 0; index < bcd.length; index++) bcd[index] = parseInt(pan.slice(index * 2, index * 2 + 2), 16);
  return [bcd, asciiBytes(pan)];
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    let index = 0;
    while (index < needle.length && haystack[start + index] === needle[index]) index++;
    if (index === needle.length) return true;
  }
  return false;
}

/** Reads one card through the driver; returns the driver's buffers and every buffer the crypto was handed. */
function readOnce(card: SimCardSpec) {
  const soft = new SoftCrypto();
  const handed: Uint8Array[] = [];
  const crypto: Crypto = {
    sha256: (data, length, out) => {
      handed.push(data, out);
      soft.sha256(data, length, out);
    },
    hmacSha256: (key, data, length, out) => {
      handed.push(data, out);
      soft.hmacSha256(key, data, length, out);
    },
  };
  const { world, reader, driver } = cardDriverRig(crypto, { contactlessEnabled: false, tokenKey: TOKEN_KEY });
  driver.enable();
  assert.ok(world.runUntil(() => reader.entryEnabled, 1000));
  assert.ok(reader.insertCard(card));
  const events: CardEvent[] = [];
  const read = world.runUntil(() => {
    for (let event = driver.nextEvent(); event !== undefined; event = driver.nextEvent()) events.push(event);
    return events.some((event) => event.kind === 'read');
  }, 10_000);
  if (!read) assert.fail(printable(events));
  return { driver, handed, world, reader };
}

describe('the card number does not linger after a read (issue 15, item 8)', () => {
  for (const card of [DEMO_CARDS.kaspiGoldVisa, DEMO_CARDS.kaspiGoldVisaTrack2, DEMO_CARDS.kaspiGoldMastercard]) {
    it(`${card.name}: no buffer of the driver's, nor any the digest was handed, holds the PAN once it is a token`, () => {
      const { driver, handed, world, reader } = readOnce(card);
      const buffers = [...driver.buffersForInspection(), ...handed];
      assert.ok(buffers.length >= 5);
      const forms = panForms(card.pan);
      const holding = () => buffers.filter((buffer) => forms.some((form) => contains(buffer, form))).length;
      assert.equal(holding(), 0, 'right after the token is made');
      // The rest of the session: the chip is powered off, the card is given back and taken.
      driver.eject();
      world.runUntil(() => reader.position === 'gate', 3000);
      reader.takeCard();
      world.runFor(1000);
      assert.equal(holding(), 0, 'after the session');
    });
  }
});
