// Fuzz: random and mutated frames into the CCNET codec and into the driver. Nothing may throw,
// and the driver may report no note that the bytes did not carry as a sound BILL STACKED.
import assert from 'node:assert/strict';
import { FrameReader, POLL_STATES, stateHasZ2 } from '../../src/cash/ccnet-codec';
import { CcnetDriver } from '../../src/cash/ccnet-driver';
import { TENGE_BILL_TABLE } from '../../hal/sim/ccnet-validator';
import type { SerialLine } from '../../hal/ports';
import { VirtualClock } from '../../hal/sim/world';

function kermit(values: ArrayLike<number>, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index++) {
    crc ^= values[index];
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

function response(data: readonly number[], extended = false): number[] {
  const body = extended ? [0x02, 0x03, 0x00, 0x00, data.length + 7, ...data] : [0x02, 0x03, data.length + 5, ...data];
  const crc = kermit(body, 0, body.length);
  return [...body, crc & 0xff, crc >> 8];
}

class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed;
  }
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x;
    return (x >>> 0) / 0x1_0000_0000;
  }
  below(count: number): number {
    return Math.floor(this.next() * count);
  }
}

const TABLE_DATA = (() => {
  const table = new Array<number>(120).fill(0);
  for (const entry of TENGE_BILL_TABLE) {
    const at = entry.billType * 5;
    table[at] = entry.digits;
    table[at + 1] = 0x4b;
    table[at + 2] = 0x5a;
    table[at + 3] = 0x54;
    table[at + 4] = entry.exponent;
  }
  return table;
})();
const TENGE_OF_TYPE = new Map(TENGE_BILL_TABLE.map((entry) => [entry.billType, entry.digits * 10 ** entry.exponent]));

function soundFrame(rng: Rng, command: number): number[] {
  const extended = rng.next() < 0.1;
  if (command === 0x37)
    return response(
      Array.from({ length: 34 }, () => 0x41 + rng.below(26)),
      extended,
    );
  if (command === 0x41) return response(TABLE_DATA, extended);
  if (command !== 0x33 || rng.next() < 0.2) return response([[0x00, 0xff, 0x30][rng.below(3)]], extended);
  const state = POLL_STATES[rng.below(POLL_STATES.length)];
  return response(stateHasZ2(state) ? [state, rng.below(26)] : [state], extended);
}

function mutate(rng: Rng, frame: number[]): number[] {
  const out = frame.slice();
  const edits = 1 + rng.below(3);
  for (let edit = 0; edit < edits; edit++) {
    const kind = rng.below(5);
    const at = rng.below(out.length);
    if (kind === 0) out[at] ^= 1 << rng.below(8);
    else if (kind === 1) out.splice(at, 1);
    else if (kind === 2) out.splice(at, 0, rng.below(256));
    else if (kind === 3) out.length = Math.max(1, at);
    else out[2] = rng.below(3) === 0 ? 0 : rng.below(256);
  }
  return out;
}

function randomBytes(rng: Rng): number[] {
  const length = 1 + rng.below(40);
  const out = Array.from({ length }, () => rng.below(256));
  if (rng.next() < 0.5) out[0] = 0x02;
  if (rng.next() < 0.5 && length > 1) out[1] = 0x03;
  return out;
}

/** Every place in `bytes` where a whole, sound BILL STACKED frame sits (independent scan). */
function soundStackedIn(bytes: readonly number[]): number[] {
  const found: number[] = [];
  for (let at = 0; at + 6 <= bytes.length; at++) {
    if (bytes[at] !== 0x02 || bytes[at + 1] !== 0x03) continue;
    const extended = bytes[at + 2] === 0;
    const length = extended ? (bytes[at + 3] << 8) | bytes[at + 4] : bytes[at + 2];
    const dataAt = at + (extended ? 5 : 3);
    if (length < 6 || at + length > bytes.length || kermit(bytes, at, at + length) !== 0) continue;
    if (bytes[dataAt] === 0x81 && dataAt + 1 < at + length - 2) found.push(bytes[dataAt + 1]);
  }
  return found;
}

describe('CCNET fuzz', function () {
  this.timeout(30_000);

  it('codec: 150 000 random and mutated frames, no exception, every frame found is sound', () => {
    const rng = new Rng(0x1234567);
    const reader = new FrameReader(3, false);
    const chunk = new Uint8Array(600);
    let frames = 0;
    let found = 0;
    while (frames < 150_000) {
      const sound = soundFrame(rng, [0x33, 0x37, 0x41][rng.below(3)]);
      const roll = rng.next();
      const bytes = roll < 0.3 ? sound : roll < 0.8 ? mutate(rng, sound) : randomBytes(rng);
      frames++;
      // Split across pushes at a random point, as reads split on a real line.
      const split = rng.below(bytes.length + 1);
      for (const [from, to] of [
        [0, split],
        [split, bytes.length],
      ]) {
        chunk.set(bytes.slice(from, to));
        reader.push(chunk, to - from);
        for (let scans = 0; scans < 8; scans++) {
          const result = reader.scan();
          if (result === 'frame') {
            found++;
            assert.equal(kermit(reader.buffer, 0, reader.frameLength), 0);
            assert.ok(reader.dataStart + reader.dataLength + 2 === reader.frameLength);
          }
          if (result !== 'frame' && result !== 'bad-crc') break;
          reader.drop(result);
        }
      }
      if (rng.next() < 0.05) reader.clear(); // the driver clears on each new command
    }
    assert.ok(found > 40_000, `found ${found}`);
  });

  it('driver: 100 000 frames answering its commands, no exception, no note the bytes did not carry', () => {
    const rng = new Rng(0x2468ace);
    const clock = new VirtualClock();
    const inbox: number[] = [];
    let frames = 0;
    const stackedCarried: number[] = [];
    const line: SerialLine = {
      read(into) {
        const count = Math.min(into.length, inbox.length);
        for (let index = 0; index < count; index++) into[index] = inbox.shift()!;
        return count;
      },
      write(bytes, length) {
        const command = length >= 6 && bytes[2] === length ? bytes[3] : -1;
        if (command === 0x00) return true; // our ACK: the device says nothing back
        if (rng.next() < 0.05) return true; // silence
        const burst: number[] = [];
        const count = 1 + rng.below(3);
        for (let index = 0; index < count; index++) {
          const sound = soundFrame(rng, command === 0xff ? 0x33 : command);
          const roll = rng.next();
          burst.push(...(roll < 0.55 ? sound : roll < 0.85 ? mutate(rng, sound) : randomBytes(rng)));
          frames++;
        }
        for (const billType of soundStackedIn(burst)) stackedCarried.push(billType);
        inbox.push(...burst);
        return true;
      },
    };
    const driver = new CcnetDriver(line, clock, { pollPeriodMs: 100 });
    const stacked: number[] = [];
    let escrowed = 0;
    let events = 0;
    while (frames < 100_000) {
      clock.nowMs += 5;
      driver.poll(clock.nowMs);
      for (let event = driver.nextEvent(); event !== undefined; event = driver.nextEvent()) {
        events++;
        if (event.kind === 'stacked') stacked.push(event.denominationTenge);
        if (event.kind === 'escrowed') {
          escrowed++;
          if (rng.next() < 0.5) driver.stack();
          else driver.returnNote();
        }
      }
      if (driver.status() === 'idle') driver.cashInStart();
    }
    assert.ok(
      events > 1000 && escrowed > 100,
      `the fuzz reached the note states (${events} events, ${escrowed} escrowed)`,
    );
    // A stacked bill of a type the table gives no tenge note for is told too, of unknown value (0).
    const carried = stackedCarried
      .filter((billType) => billType < 24)
      .map((billType) => TENGE_OF_TYPE.get(billType) ?? 0);
    assert.ok(stacked.length <= carried.length, `${stacked.length} stacked reported, ${carried.length} carried`);
    const remaining = carried.slice();
    for (const tenge of stacked) {
      const at = remaining.indexOf(tenge);
      assert.ok(at >= 0, `a stacked ${tenge} ₸ the bytes never carried`);
      remaining.splice(at, 1);
    }
    assert.ok(driver.stats.badAnswers > 5_000, `bad answers NAKed: ${driver.stats.badAnswers}`);
  });
});
