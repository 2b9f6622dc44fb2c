// The CCNET driver against the simulated validator, in virtual time: the start-up sequence
// byte for byte, the 10 ms answer/ACK rule, every POLL state and fault, power cuts with a
// note inside, the local escrow rule, and noise on the line (none lost, none doubled).
import assert from 'node:assert/strict';
import { makeCcnetRig, type CcnetRig } from '../../tools/ccnet/rig';
import { ESCROW_DECISION_MS, NO_ANSWER_RESET_MS } from '../../src/cash/ccnet-driver';
import { POLL_STATES } from '../../src/cash/ccnet-codec';
import { wireNoise } from '../../hal/sim/ccnet-validator';
import type { CashEvent } from '../../src/cash/cash-acceptor';
import { DENOMINATIONS_TENGE } from '../../src/domain';

const SPEC_RESET = [0x02, 0x03, 0x06, 0x30, 0x41, 0xb3];
const SPEC_POLL = [0x02, 0x03, 0x06, 0x33, 0xda, 0x81];
const SPEC_ACK = [0x02, 0x03, 0x06, 0x00, 0xc2, 0x82];

/** CRC-16/KERMIT written out bit by bit in the test, independent of the codec. */
function kermit(values: readonly number[]): number {
  let crc = 0;
  for (const value of values) {
    crc ^= value;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

function commandFrame(command: number, data: readonly number[] = []): number[] {
  const body = [0x02, 0x03, 6 + data.length, command, ...data];
  const crc = kermit(body);
  return [...body, crc & 0xff, crc >> 8];
}

interface Sent {
  readonly atMs: number;
  readonly bytes: number[];
}

/** Records what the driver writes, one entry per write (bytes of one write share a time). */
function recordDriverWrites(rig: CcnetRig): Sent[] {
  const sent: Sent[] = [];
  rig.link.boardEnd.fault = (byte) => {
    const last = sent[sent.length - 1];
    if (last !== undefined && last.atMs === rig.clock.nowMs) last.bytes.push(byte);
    else sent.push({ atMs: rig.clock.nowMs, bytes: [byte] });
    return byte;
  };
  return sent;
}

function kindsOf(events: readonly CashEvent[]): string[] {
  return events.map((event) => (event.kind === 'fault' ? `fault:${event.fault}` : event.kind));
}

describe('CCNET driver with the simulated validator', () => {
  it('starts with POLL, RESET, IDENTIFICATION, GET BILL TABLE, ENABLE — byte for byte — and ACKs each data answer', () => {
    const rig = makeCcnetRig();
    const sent = recordDriverWrites(rig);
    rig.world.runFor(3000);
    const frames = sent.map((entry) => entry.bytes);
    assert.deepEqual(frames[0], SPEC_POLL, 'first learn the power-up state');
    assert.deepEqual(frames[1], SPEC_ACK, 'the power-up answer is data: ACKed');
    assert.deepEqual(frames[2], SPEC_RESET);
    const identification = frames.findIndex((frame) => frame[3] === 0x37);
    assert.deepEqual(frames[identification], commandFrame(0x37));
    assert.deepEqual(frames[identification + 1], SPEC_ACK);
    assert.deepEqual(frames[identification + 2], commandFrame(0x41));
    assert.deepEqual(frames[identification + 3], SPEC_ACK);
    // Types 0..6 (old designs) and 8..12 (Saka) are tenge; escrow all of them.
    assert.deepEqual(frames[identification + 4], commandFrame(0x34, [0x00, 0x1f, 0x7f, 0x00, 0x1f, 0x7f]));
    assert.deepEqual(rig.driver.denominationsTenge(), DENOMINATIONS_TENGE);
    assert.equal(rig.driver.status(), 'cash-in');
    assert.equal(rig.sim.enabled, true);
    assert.match(rig.driver.identification(), /^SM-KZ1702/);
  });

  it("ACKs within 10 ms, keeps 10 ms of silence after an ACK, and polls every 150 ms, inside the spec's 100–200 ms", () => {
    const rig = makeCcnetRig();
    const sent = recordDriverWrites(rig);
    for (let index = 0; index < 20; index++)
      rig.sim.insert(index % 2 === 0 ? 1000 : 5000, index % 3 === 0 ? 'saka' : 'old');
    rig.world.runFor(60_000);
    assert.equal(rig.session.stackedTenge.length, 20);
    assert.equal(rig.sim.truth.ackTimeouts, 0, 'the device never waited more than 10 ms for an ACK');
    for (let index = 1; index < sent.length; index++) {
      if (sent[index - 1].bytes.join() !== SPEC_ACK.join()) continue;
      const ackEndMs = sent[index - 1].atMs + 6 * (10_000 / 9600);
      assert.ok(sent[index].atMs - ackEndMs >= 10, `bus silence after ACK at ${sent[index - 1].atMs}`);
    }
    const polls = sent.filter((entry) => entry.bytes.join() === SPEC_POLL.join());
    let gapsAtPeriod = 0;
    for (let index = 1; index < polls.length; index++) {
      const gapMs = polls[index].atMs - polls[index - 1].atMs;
      assert.ok(gapMs >= 100 - 1e-9, `never polls faster than 100 ms (gap ${gapMs})`);
      if (Math.abs(gapMs - 150) <= 5) gapsAtPeriod++;
    }
    assert.ok(gapsAtPeriod > polls.length * 0.8, 'most gaps are the 150 ms period');
    assert.ok(
      rig.driver.stats.pollDeviationWorstMs <= 5,
      `worst deviation ${rig.driver.stats.pollDeviationWorstMs} ms`,
    );
  });

  it('reaches every POLL state and reports every fault, then clears it', () => {
    const rig = makeCcnetRig();
    const { sim, world, session } = rig;
    world.runFor(3000);
    sim.insert(1000);
    sim.insert('clipped');
    world.runFor(4000);
    session.policy = 'return';
    sim.insert(2000);
    world.runFor(4000);
    session.policy = 'stack';
    sim.busyFor(700);
    world.runFor(1000);
    sim.insert(500);
    world.runFor(100);
    sim.pauseFor(500);
    world.runFor(3000);
    // Faults, one by one, each cleared by the technician.
    sim.removeCassette();
    world.runFor(1000);
    sim.insertCassette();
    world.runFor(1000);
    sim.fail(0x55);
    world.runFor(1000);
    sim.repair();
    world.runFor(1000);
    sim.cheat();
    world.runFor(2000);
    sim.jamNextAccept();
    sim.insert(200);
    world.runFor(1000);
    sim.clearJam();
    world.runFor(1000);
    sim.jamNextStack();
    sim.insert(10_000);
    world.runFor(3000);
    sim.clearJam();
    world.runFor(2000);
    sim.cassetteCapacity = sim.truth.cassetteTenge.length + 1;
    sim.insert(20_000);
    world.runFor(3000);
    sim.emptyCassette();
    world.runFor(2000);
    // Power cuts with a note in the head and in the stacker.
    sim.insert(5000);
    assert.ok(world.runUntil(() => sim.state === 0x80, 5000));
    sim.powerCut(1000);
    world.runFor(6000);
    sim.insert(5000, 'saka');
    assert.ok(world.runUntil(() => sim.state === 0x17, 5000));
    sim.powerCut(1000);
    world.runFor(8000);
    // Holding: the driver never asks for it (it decides at once); the test sends HOLD itself.
    const missing = POLL_STATES.filter((state) => state !== 0x1a && !sim.truth.statesReported.has(state));
    assert.deepEqual(
      missing.map((state) => state.toString(16)),
      [],
    );
    const kinds = kindsOf(session.events);
    for (const fault of ['cassette-removed', 'failure', 'cheated', 'jam-validator', 'jam-stacker', 'cassette-full']) {
      assert.ok(kinds.includes(`fault:${fault}`), `fault ${fault} reported`);
    }
    assert.ok(
      session.events.some((event) => event.kind === 'fault' && event.fault === 'failure' && event.failureCode === 0x55),
    );
    assert.equal(
      kinds.filter((kind) => kind.startsWith('fault:')).length,
      kinds.filter((kind) => kind === 'fault-cleared').length,
      'every fault cleared',
    );
    assert.ok(session.events.some((event) => event.kind === 'rejected' && event.reason === 'length'));
    assert.ok(session.events.some((event) => event.kind === 'returned' && event.denominationTenge === 2000));
    assert.deepEqual(
      session.events.filter((event) => event.kind === 'power-up-with-bill'),
      [
        { kind: 'power-up-with-bill', where: 'validator' },
        { kind: 'power-up-with-bill', where: 'stacker' },
      ],
    );
    // The jammed note landed in the cassette and was reported once; the cassette is the truth.
    assert.deepEqual(session.stackedTenge, sim.truth.reportedStackedTenge);
    assert.equal(rig.driver.status(), 'cash-in');
    assert.equal(rig.scheduler.halt, undefined);
  });

  it('credits a note the stacker had at a power cut once the device reports it after initialisation', () => {
    const rig = makeCcnetRig();
    const { sim, world, session } = rig;
    world.runFor(3000);
    sim.insert(10_000, 'saka');
    assert.ok(world.runUntil(() => sim.state === 0x17, 5000));
    const cassetteBefore = sim.truth.cassetteTenge.length;
    sim.powerCut(2000);
    world.runFor(2500);
    assert.equal(rig.driver.status(), 'unknown', 'after a power-up report, until initialised again');
    world.runFor(6000);
    assert.deepEqual(kindsOf(session.events), ['escrowed', 'power-up-with-bill', 'stacked']);
    assert.deepEqual(sim.truth.cassetteTenge.slice(cassetteBefore), [10_000]);
    assert.deepEqual(session.stackedTenge, [10_000]);
    assert.equal(rig.driver.status(), 'cash-in', 'enabled again after the re-initialisation');
  });

  it('a note in the head at a power cut is given back, never credited', () => {
    const rig = makeCcnetRig();
    const { sim, world, session } = rig;
    world.runFor(3000);
    sim.insert(2000);
    assert.ok(world.runUntil(() => sim.state === 0x15, 5000));
    sim.powerCut(500);
    world.runFor(8000);
    assert.deepEqual(kindsOf(session.events), ['power-up-with-bill']);
    assert.deepEqual(sim.truth.cassetteTenge, []);
    assert.deepEqual(sim.truth.returnedTenge, [2000]);
  });

  it("returns an undecided note itself after ESCROW_DECISION_MS, well before the device's 10 s", () => {
    const rig = makeCcnetRig();
    const { sim, world, session } = rig;
    session.policy = 'wait';
    world.runFor(3000);
    sim.insert(5000);
    assert.ok(world.runUntil(() => session.events.length === 1, 5000));
    const escrowedAtMs = rig.clock.nowMs;
    assert.ok(world.runUntil(() => session.events.length === 2, 10_000));
    assert.deepEqual(session.events[1], { kind: 'returned', denominationTenge: 5000 });
    const tookMs = rig.clock.nowMs - escrowedAtMs;
    assert.ok(tookMs >= ESCROW_DECISION_MS && tookMs < 8000, `returned after ${tookMs} ms`);
    assert.equal(sim.truth.escrowTimeouts, 0, 'the device did not have to time out');
    assert.equal(rig.driver.stack(), false, 'nothing left to stack');
  });

  it('cashInEnd returns the note in escrow first, then disables the device', () => {
    const rig = makeCcnetRig({ noSession: true });
    const { sim, world, driver } = rig;
    world.runFor(3000);
    assert.equal(driver.status(), 'idle');
    assert.equal(driver.cashInStart(), true);
    assert.equal(driver.cashInStart(), false, 'not idle any more');
    world.runFor(500);
    sim.insert(1000);
    let escrowed: CashEvent | undefined;
    assert.ok(
      world.runUntil(() => {
        escrowed = driver.nextEvent();
        return escrowed !== undefined;
      }, 5000),
    );
    assert.deepEqual(escrowed, { kind: 'escrowed', denominationTenge: 1000 });
    assert.equal(driver.cashInEnd(), true);
    assert.equal(driver.stack(), false, 'decided already');
    world.runFor(3000);
    assert.deepEqual(driver.nextEvent(), { kind: 'returned', denominationTenge: 1000 });
    assert.equal(sim.enabled, false);
    assert.equal(driver.status(), 'idle');
    assert.deepEqual(sim.truth.cassetteTenge, []);
  });

  it('sends RESET after 5 s without an answer and again at least every 10 s, then recovers', () => {
    const rig = makeCcnetRig();
    const sent = recordDriverWrites(rig);
    rig.world.runFor(3000);
    const cutAtMs = rig.clock.nowMs;
    rig.sim.powerCut(30_000);
    rig.world.runFor(29_000);
    const resets = sent
      .filter((entry) => entry.atMs > cutAtMs && entry.bytes.join() === SPEC_RESET.join())
      .map((entry) => entry.atMs - cutAtMs);
    assert.ok(resets.length >= 3, `resets at ${resets.join(', ')}`);
    // Silence counts from the last answer, which came up to one poll period before the cut.
    assert.ok(
      resets[0] >= NO_ANSWER_RESET_MS - 200 && resets[0] <= NO_ANSWER_RESET_MS + 300,
      `first RESET ${resets[0]} ms after the cut`,
    );
    for (let index = 1; index < resets.length; index++) assert.ok(resets[index] - resets[index - 1] <= 10_000);
    assert.equal(rig.driver.status(), 'fault');
    rig.world.runFor(6000);
    assert.deepEqual(kindsOf(rig.session.events), ['fault:no-answer', 'fault-cleared']);
    assert.equal(rig.driver.status(), 'cash-in');
  });

  it('works with extended (LNG = 0) answers and with answers slow but inside 10 ms', () => {
    const rig = makeCcnetRig({ sim: { extendedFrames: true, responseDelayMs: 8 } });
    for (const note of [200, 20_000, 500]) rig.sim.insert(note);
    rig.world.runFor(10_000);
    assert.deepEqual(rig.session.stackedTenge, [200, 20_000, 500]);
    assert.equal(rig.driver.stats.timeouts, 0);
  });

  it('never acts on answers later than the spec allows: no events, a no-answer fault', () => {
    const rig = makeCcnetRig({ sim: { responseDelayMs: 40 } });
    rig.sim.insert(1000);
    rig.world.runFor(8000);
    assert.ok(rig.driver.stats.timeouts > 10);
    assert.deepEqual(kindsOf(rig.session.events), ['fault:no-answer']);
    assert.equal(rig.driver.status(), 'fault');
  });

  it('300 notes with bytes flipped and dropped both ways: every stacked note reported once, nothing else', () => {
    const rig = makeCcnetRig();
    const toDevice = wireNoise(7, 0.004, 0.002);
    const toBoard = wireNoise(11, 0.004, 0.002);
    rig.link.boardEnd.fault = toDevice.fault;
    rig.link.deviceEnd.fault = toBoard.fault;
    const notes = DENOMINATIONS_TENGE;
    for (let index = 0; index < 300; index++)
      rig.sim.insert(
        notes[(index * 5) % notes.length],
        index % 4 === 0 && notes[(index * 5) % notes.length] !== 200 && notes[(index * 5) % notes.length] !== 20_000
          ? 'saka'
          : 'old',
      );
    assert.ok(rig.world.runUntil(() => rig.sim.notesWaiting === 0 && rig.sim.state === 0x14, 2_000_000));
    rig.world.runFor(2000);
    const truth = rig.sim.truth;
    assert.ok(
      toDevice.flipped() + toBoard.flipped() > 100 && toDevice.dropped() + toBoard.dropped() > 50,
      'the noise was real',
    );
    assert.ok(rig.driver.stats.badAnswers > 20 && truth.badCommandFrames > 10);
    assert.equal(truth.cassetteTenge.length + truth.returnedTenge.length, 300);
    assert.deepEqual(rig.session.stackedTenge, truth.cassetteTenge, 'none lost, none doubled, same order');
    const returned = rig.session.events
      .filter((event) => event.kind === 'returned')
      .map((event) => (event as { denominationTenge: number }).denominationTenge);
    assert.deepEqual(returned, truth.returnedTenge);
    assert.equal(rig.scheduler.halt, undefined);
  });
});

describe('CCNET validator simulator on its own (the test is the controller)', () => {
  it('holds a note on HOLD (1A) and answers commands byte for byte', () => {
    const rig = makeCcnetRig({ noSession: true, driver: { pollPeriodMs: 200 } }); // a slow poll leaves room for the test's own HOLD
    const { sim, world, driver } = rig;
    world.runFor(3000);
    driver.cashInStart();
    world.runFor(500);
    sim.insert(1000);
    assert.ok(world.runUntil(() => sim.state === 0x80, 3000));
    // Between the driver's polls, send HOLD ourselves and read the device's ACK.
    const captured: number[] = [];
    rig.link.deviceEnd.fault = (byte) => {
      captured.push(byte);
      return byte;
    };
    world.runUntil(() => false, 50);
    captured.length = 0;
    rig.link.boardEnd.write(Uint8Array.from(commandFrame(0x38)), 6);
    world.runFor(20);
    assert.deepEqual(captured.slice(0, 6), SPEC_ACK, 'the device ACKs HOLD with the very frame the spec prints');
    world.runFor(400);
    assert.ok(sim.truth.statesReported.has(0x1a));
    rig.link.deviceEnd.fault = undefined;
  });
});
