// The customer's session end to end on the simulated machine: the unchanged firmware, the
// CCNET validator and card reader simulators on their cables, the NOR ledger, and a small
// bank behind the simulated network. Values are read from the screen's fields, not its text.
import assert from 'node:assert/strict';
import { DEMO_CARDS } from '../../hal/sim/card-reader';
import type { HttpsRequest, Key, Screen } from '../../hal/ports';
import { ConsoleWire } from './support/console-rig';
import { CriticalPathProbe } from '../../tools/sim/critical-path';
import { DeskMachine } from '../../tools/bench/machine';
import {
  ackNotAheadOfHead,
  brokenInvariants,
  cassetteCountIsTheLedgers,
  doubtsReported,
  firmwareNeverHalted,
  ledgerSynced,
  noSequenceTwice,
  notesAgree,
  readLedgerEntries,
  sessionsAddUp,
  type MoneyEvidence,
} from '../../tools/invariants/money';
import { AIGERIM, MiniBank } from './support/mini-bank';

interface Rig {
  readonly machine: DeskMachine;
  readonly bank: MiniBank;
}

function rig(seed = 1): Rig {
  const bank = new MiniBank();
  const machine = new DeskMachine({ seed, bank: bank.handler });
  return { machine, bank };
}

function screen(rig: Rig): Screen {
  const current = rig.machine.sim.display.current;
  assert.ok(current !== undefined, 'nothing on the screen');
  return current;
}

function waitForScreen(rig: Rig, id: string, limitMs = 30_000): Screen {
  const reached = rig.machine.runUntil(() => rig.machine.sim.display.current?.id === id, limitMs);
  assert.ok(reached, `screen "${id}" not reached; on screen: ${rig.machine.sim.display.current?.id}`);
  return screen(rig);
}

function press(rig: Rig, ...keys: Key[]): void {
  rig.machine.sim.keypad.press(...keys);
  rig.machine.runFor(200);
}

function typeIin(rig: Rig, iin: string): void {
  press(rig, ...(iin.split('') as Key[]), 'enter');
}

/** attract → Russian → IIN → the bill. */
function signInByIin(rig: Rig): Screen {
  waitForScreen(rig, 'attract');
  press(rig, 'F2');
  assert.equal(screen(rig).id, 'method');
  press(rig, 'F4');
  typeIin(rig, AIGERIM.iin);
  return waitForScreen(rig, 'bill');
}

function depositedTiyn(rig: Rig): number {
  return Number(screen(rig).fields.depositedTiyn ?? 0);
}

function feedNotes(rig: Rig, notes: readonly number[]): void {
  const before = depositedTiyn(rig);
  const sum = notes.reduce((total, note) => total + note * 100, 0);
  for (const note of notes) rig.machine.sim.validator.insert(note);
  const done = rig.machine.runUntil(
    () => screen(rig).id === 'insert-notes' && depositedTiyn(rig) === before + sum,
    30_000,
  );
  assert.ok(done, `deposited ${depositedTiyn(rig)} tiyn, expected ${before + sum}`);
}

describe('customer session on the simulated machine', () => {
  it('FAQ: bill 15 000 ₸, 20 000 ₸ deposited → 5 000 ₸ to next month, next bill 10 000 ₸, credited once', () => {
    const r = rig();
    const bill = signInByIin(r);
    assert.equal(bill.language, 'ru');
    assert.equal(bill.fields.billTiyn, 1_500_000);
    press(r, 'enter');
    waitForScreen(r, 'insert-notes');
    feedNotes(r, [5000, 5000, 5000, 5000]);
    const before = screen(r).fields;
    assert.deepEqual([before.toBillTiyn, before.toNextTiyn, before.nextBillTiyn], [1_500_000, 500_000, 1_000_000]);
    press(r, 'enter');
    const done = waitForScreen(r, 'summary');
    r.machine.runUntil(() => screen(r).fields.message === 'credited', 30_000);
    assert.equal(screen(r).fields.message, 'credited');
    assert.equal(done.fields.depositedTiyn, 2_000_000);
    assert.deepEqual(r.bank.creditedTenge(), [5000, 5000, 5000, 5000]);
    assert.deepEqual(r.machine.sim.validator.truth.cassetteTenge, [5000, 5000, 5000, 5000]);
    const closed = r.bank.records.filter((record) => record.kind === 'session-closed');
    assert.equal(closed.length, 1);
    assert.deepEqual([closed[0].toBillTiyn, closed[0].toNextTiyn], [1_500_000, 500_000]);
  });

  it('refuses an IIN with a wrong check digit, says why, and counts the attempt', () => {
    const r = rig();
    waitForScreen(r, 'attract');
    press(r, 'F3', 'F4');
    typeIin(r, '950614400012');
    assert.equal(screen(r).id, 'iin');
    assert.equal(screen(r).fields.error, 'checksum');
    assert.equal(screen(r).fields.attemptsLeft, 2);
    assert.equal(r.bank.records.length, 0);
  });

  it('returns a clipped note with a reason and credits only the good ones', () => {
    const r = rig();
    signInByIin(r);
    press(r, 'enter');
    waitForScreen(r, 'insert-notes');
    r.machine.sim.validator.insert('clipped');
    feedNotes(r, [1000]);
    assert.equal(r.machine.sim.validator.truth.rejected, 1);
    press(r, 'enter');
    r.machine.runUntil(() => screen(r).fields.message === 'credited', 30_000);
    assert.deepEqual(r.bank.creditedTenge(), [1000]);
  });

  it('signs in with an inserted Kaspi Gold card, and says so when a card is only tapped', () => {
    const r = rig();
    waitForScreen(r, 'attract');
    press(r, 'F3', 'F3');
    assert.equal(screen(r).id, 'card');
    r.machine.sim.cardReader.tap(DEMO_CARDS.kaspiGoldVisa);
    r.machine.runUntil(() => screen(r).fields.message === 'contactlessOff', 5_000);
    assert.equal(screen(r).fields.message, 'contactlessOff');
    r.machine.sim.cardReader.insertCard(DEMO_CARDS.kaspiGoldVisa);
    const bill = waitForScreen(r, 'bill');
    assert.equal(bill.fields.billTiyn, AIGERIM.billTiyn);
  });

  it('takes a tap once contactless is switched on by configuration, with no restart', () => {
    const r = rig();
    waitForScreen(r, 'attract');
    assert.deepEqual(r.machine.firmware!.config.set('contactless', 'on'), { ok: true });
    press(r, 'F3', 'F3');
    r.machine.sim.cardReader.tap(DEMO_CARDS.kaspiGoldVisa);
    assert.equal(waitForScreen(r, 'bill').fields.billTiyn, AIGERIM.billTiyn);
  });

  it('signs in with the palm after a poor image, within three attempts', () => {
    const r = rig();
    waitForScreen(r, 'attract');
    press(r, 'F3');
    assert.equal(screen(r).fields.palmOffered, 1);
    press(r, 'F1');
    assert.equal(screen(r).id, 'palm');
    r.machine.sim.palm.present('poor-image');
    r.machine.runUntil(() => screen(r).fields.attemptsLeft === 2, 5_000);
    r.machine.sim.palm.present(AIGERIM.palmTemplate);
    waitForScreen(r, 'bill');
  });

  it('signs in by Kaspi QR once the phone confirms, and ends on an expired QR', () => {
    const r = rig();
    waitForScreen(r, 'attract');
    press(r, 'F3', 'F2');
    r.machine.runUntil(() => screen(r).id === 'qr' && screen(r).qr !== undefined, 5_000);
    assert.match(screen(r).qr ?? '', /^https:\/\/kaspi\.kz\/atm-red\/qr\?s=q1/);
    r.bank.qrState = 'confirmed';
    waitForScreen(r, 'bill');
    const expired = rig(2);
    waitForScreen(expired, 'attract');
    press(expired, 'F3', 'F2');
    expired.bank.qrState = 'expired';
    waitForScreen(expired, 'qrExpired');
  });

  it("writes nothing to Settings on a note's critical path: only the ledger append lies between escrow and STACK", () => {
    const r = rig();
    const probe = new CriticalPathProbe(r.machine);
    signInByIin(r);
    press(r, 'enter');
    waitForScreen(r, 'insert-notes');
    feedNotes(r, [5000, 1000, 200, 10000, 2000]);
    assert.equal(
      probe.settingsWrites,
      0,
      `${probe.settingsWrites} Settings writes while the validator held one of 5 notes in escrow or stacked it`,
    );
    // The checkpoints still move with the notes, after each is safe: a restart finds the session and the cassette.
    press(r, 'enter');
    r.machine.runUntil(() => screen(r).fields.message === 'credited', 30_000);
    assert.equal(r.machine.firmware!.session.cassette.notes, 5);
  });

  it('tells the customer the bank cannot be reached, and takes no cash', () => {
    const r = rig();
    r.machine.sim.bankLink!.faults.down = true;
    waitForScreen(r, 'attract');
    press(r, 'F3', 'F4');
    typeIin(r, AIGERIM.iin);
    waitForScreen(r, 'bankUnreachable');
    assert.equal(r.machine.sim.validator.enabled, false);
  });
});

/** The money invariants (tools/invariants/money.ts) a small bank can witness: it issues no receipts and notes no anomalies. */
const MINI_BANK_INVARIANTS = [
  ledgerSynced,
  ackNotAheadOfHead,
  noSequenceTwice,
  notesAgree,
  doubtsReported,
  sessionsAddUp,
  cassetteCountIsTheLedgers,
  firmwareNeverHalted,
];
const LEDGER_RECORDS_MAX = 10_000;

/** Invariants 1–4 (docs/design.md) between the validator's cassette, the ledger and the bank's books, doubts included. */
function assertMoneyAccountedFor(r: Rig, context: string): void {
  const firmware = r.machine.firmware;
  assert.ok(firmware !== undefined, `${context}: the power is off`);
  const evidence: MoneyEvidence = {
    atmId: 'sim',
    startHeadSequence: 0,
    ledger: {
      headSequence: firmware.ledger.headSequence,
      ackedSequence: firmware.ledger.ackedSequence,
      entries: readLedgerEntries(firmware.ledger, LEDGER_RECORDS_MAX),
    },
    bank: {
      storedSequence: r.bank.storedSequence,
      credited: r.bank.records
        .filter((record) => record.kind === 'note-stacked')
        .map((record) => ({
          sequence: record.sequence,
          sessionId: record.sessionId!,
          denominationTenge: record.denominationTenge!,
        })),
      doubtsGained: r.bank.records.filter((record) => record.kind === 'doubt').length,
      receiptsGained: 0,
      receipts: [],
      anomaliesGained: [],
    },
    cassette: r.machine.sim.validator.truth.cassetteTenge.map((denominationTenge) => ({ denominationTenge })),
    firmwareCassette: {
      notes: firmware.session.cassette.notes,
      doubtfulNotes: firmware.session.cassette.doubtfulNotes,
    },
    halts: firmware.scheduler.halt === undefined ? [] : [firmware.scheduler.halt.message],
  };
  assert.deepEqual(brokenInvariants(MINI_BANK_INVARIANTS.map((invariant) => invariant(evidence))), [], context);
}

/** Runs until the customer's session is over and the bank holds every record. */
function settle(r: Rig): void {
  const settled = r.machine.runUntil(() => {
    const firmware = r.machine.firmware;
    return (
      firmware?.session.idle === true &&
      firmware.ledger.stats().unsyncedRecords === 0 &&
      r.bank.storedSequence >= firmware.ledger.headSequence - 2
    );
  }, 120_000);
  const firmware = r.machine.firmware;
  assert.ok(
    settled,
    `the machine did not settle after the cut: ${
      firmware === undefined
        ? 'power off'
        : `session ${firmware.session.state}, unsent ${firmware.outbox.unsentRecords}, outbox ${firmware.outbox.state} ${firmware.outbox.lastError ?? ''}, ` +
          `bank holds ${r.bank.storedSequence}, ledger head ${firmware.ledger.headSequence}, halt ${firmware.scheduler.halt?.message ?? 'none'}`
    }`,
  );
}

describe('power cuts during a session', () => {
  const NOTES = [1000, 2000, 5000, 1000];

  /** One customer paying NOTES, with the power cut when `cutWhen` first holds (or never). */
  function sessionWithCut(seed: number, cutWhen: (r: Rig) => boolean): Rig {
    const r = rig(seed);
    let cut = false;
    const cutIfDue = () => {
      if (!cut && r.machine.poweredOn && cutWhen(r)) {
        cut = true;
        r.machine.powerCut();
      }
      return cut;
    };
    let checkAtMs = 0; // the hand on the plug looks every millisecond
    r.machine.sim.world.add({
      nextEventMs: () => (cut ? Infinity : checkAtMs),
      step: (nowMs) => {
        checkAtMs = nowMs + 1;
        cutIfDue();
      },
    });
    r.machine.runUntil(() => cut || r.machine.sim.display.current?.id === 'attract', 10_000);
    for (const key of ['F2', 'F4', ...AIGERIM.iin.split(''), 'enter'] as Key[]) {
      if (cut) break;
      r.machine.sim.keypad.press(key); // a person's pace: every state is on screen for a while
      r.machine.runUntil(() => cut, 150);
    }
    r.machine.runUntil(() => cut || r.machine.sim.display.current?.id === 'bill', 20_000);
    if (!cut) r.machine.sim.keypad.press('enter');
    r.machine.runUntil(() => cut || r.machine.sim.display.current?.id === 'insert-notes', 20_000);
    if (!cut) for (const note of NOTES) r.machine.sim.validator.insert(note);
    r.machine.runUntil(() => cut || Number(r.machine.sim.display.current?.fields.notes) === NOTES.length, 30_000);
    if (!cut) r.machine.sim.keypad.press('enter');
    r.machine.runUntil(() => cut || r.machine.sim.display.current?.fields.message === 'credited', 30_000);
    settle(r);
    return r;
  }

  it('in every state of the session, no stacked note goes uncredited and none is credited twice', () => {
    // 'finishing' lasts only while a note is in escrow at the end: the 40 ms sweep below reaches it.
    const states = ['method', 'iin', 'authorising', 'bill', 'cash-in', 'crediting'];
    for (const state of states) {
      const r = sessionWithCut(3, (candidate) => candidate.machine.firmware?.session.state === state);
      assert.equal(r.machine.counts.powerCuts, 1, `no cut in ${state}`);
      assertMoneyAccountedFor(r, `cut in ${state}`);
    }
  });

  it('at every 40 ms of a stack of notes going in, the cassette and the bank agree', () => {
    let cuts = 0;
    for (let offsetMs = 0; offsetMs < 4_000; offsetMs += 40) {
      let startMs = Number.NaN;
      const r = sessionWithCut(7, (candidate) => {
        if (candidate.machine.firmware?.session.state !== 'cash-in' && Number.isNaN(startMs)) return false;
        if (Number.isNaN(startMs)) startMs = candidate.machine.sim.clock.nowMs;
        return candidate.machine.sim.clock.nowMs >= startMs + offsetMs;
      });
      assertMoneyAccountedFor(r, `cut ${offsetMs} ms into cash-in`);
      cuts += 1;
    }
    assert.equal(cuts, 100);
  });

  it('at every flash operation of a session (a torn write), the cassette and the bank agree', () => {
    let operations = 0;
    for (let cutAfter = 0; cutAfter < 60; cutAfter += 1) {
      let armed = false;
      const r = sessionWithCut(11, (candidate) => {
        if (!armed && candidate.machine.firmware?.session.state === 'bill') {
          armed = true;
          candidate.machine.armFlashCut(cutAfter, 1000 + cutAfter);
        }
        return false;
      });
      assertMoneyAccountedFor(r, `flash cut after ${cutAfter} operations`);
      operations += r.machine.counts.flashCuts;
    }
    assert.ok(operations > 10, `only ${operations} of the sweep's cuts landed in a flash operation`);
  });
});

describe('the console reads the real machine after a session', () => {
  it('shows the cassette, the ledger and the sync queue, and a collection closes the period with a record', () => {
    const r = rig();
    signInByIin(r);
    press(r, 'enter');
    waitForScreen(r, 'insert-notes');
    feedNotes(r, [5000, 5000, 10000]);
    press(r, 'enter');
    r.machine.runUntil(() => screen(r).fields.message === 'credited', 30_000);
    r.machine.runUntil(() => screen(r).id === 'attract', 30_000);
    const wire = new ConsoleWire(r.machine.sim);
    wire.login('engineer');
    const ledger = wire.command('ledger');
    assert.match(ledger, /unsynced\D+0\b/);
    const sync = wire.command('sync');
    assert.match(sync, /queue/i);
    const devices = wire.command('devices');
    assert.match(devices, /validator/);
    assert.match(devices, /bill table: 200 500 1000 2000 5000 10000 20000/);
    wire.command('logout');
    wire.login('collector');
    const cassette = wire.command('cassette');
    assert.match(cassette, /5\D000[^\n]*2\b/);
    assert.match(cassette, /total 3 notes/);
    const collected = wire.command('collect confirm');
    assert.match(collected, /20\D000/);
    assert.match(wire.command('cassette'), /total 0 notes/);
    const ledgerNow = r.machine.firmware!.ledger;
    const collections: number[] = [];
    ledgerNow.readFrom(ledgerNow.tailSequence, 100, (_sequence, record) => {
      if (record.kind === 'cassette-collected') collections.push(record.amountTiyn);
    });
    assert.deepEqual(collections, [2_000_000]);
  });

  it("a bank that acknowledges beyond what it was sent: refused, and the console's sync and log say so", () => {
    const bank = new MiniBank();
    let lies = 1;
    const lying = (request: HttpsRequest) => {
      const reply = bank.handler(request);
      if (request.path !== '/v1/deposits' || reply.status !== 200 || lies === 0) return reply;
      lies -= 1;
      return { status: 200, body: JSON.stringify({ ackedSequence: JSON.parse(reply.body).ackedSequence + 40 }) };
    };
    const machine = new DeskMachine({ seed: 1, bank: lying });
    const r: Rig = { machine, bank };
    signInByIin(r);
    press(r, 'enter');
    waitForScreen(r, 'insert-notes');
    feedNotes(r, [5000]);
    press(r, 'enter');
    r.machine.runUntil(() => screen(r).fields.message === 'credited', 60_000);
    const firmware = r.machine.firmware!;
    assert.equal(firmware.outbox.bankAnomalies, 1);
    assert.ok(
      firmware.ledger.ackedSequence <= bank.storedSequence,
      `ack ${firmware.ledger.ackedSequence}, the bank holds ${bank.storedSequence}`,
    );
    const wire = new ConsoleWire(r.machine.sim);
    wire.login('engineer');
    assert.match(
      wire.command('sync'),
      /\nBANK ANOMALIES 1, not recorded; last: bank acknowledged \d+ for batch 1\.\.\d+: not recorded$/,
    );
    assert.match(wire.command('log'), /anomaly: bank acknowledged \d+ for batch 1\.\.\d+: not recorded/);
  });
});
