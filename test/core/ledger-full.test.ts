// A full ledger on the whole simulated machine (issue 15, item 2): the ring is two 4 KiB
// sectors of records the bank has not acknowledged (its deposits endpoint is down), filled to a
// chosen room before the firmware boots. A session opens only with room for its worst case; a
// note is escrowed only with room for everything it may still need; recovery's writes and the
// bank's acknowledgement always fit; the machine never halts for it, and takes cash again once
// the bank is back.
import assert from 'node:assert/strict';
import type { HttpsRequest, Key } from '../../hal/ports';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { STATE_STACKING } from '../../src/cash/ccnet-codec';
import { Ledger } from '../../src/ledger/ledger';
import type { LedgerRecord } from '../../src/ledger/records';
import { DeskMachine } from '../../tools/bench/machine';
import { pressKeys, screenId as screenOf, signInByIin, watchHalts } from './support/machine-hands';
import { MiniBank } from './support/mini-bank';

const TWO_SECTORS = { sizeBytes: 8192, sectorSizeBytes: 4096, pageSizeBytes: 256 };
const FILLER_SESSION = 1;
const filler = (): LedgerRecord => ({ kind: 'note-returned', sessionId: FILLER_SESSION, denominationTenge: 200 });

/**
 * A two-sector ledger holding one long session the bank never acknowledged (a note returned
 * again and again), which stops `recordsShort` 13-byte records before the ledger refuses more.
 */
function nearlyFullFlash(recordsShort: number): NorFlashEmulator {
  const probe = Ledger.mount(new NorFlashEmulator(TWO_SECTORS));
  probe.append({
    kind: 'session-opened',
    sessionId: FILLER_SESSION,
    method: 'iin',
    customerId: 'c-filler',
    billTiyn: 0,
    wallMs: Number.NaN,
  });
  let fillers = 0;
  while (probe.append(filler()).ok) fillers += 1;
  const flash = new NorFlashEmulator(TWO_SECTORS);
  const ledger = Ledger.mount(flash);
  ledger.append({
    kind: 'session-opened',
    sessionId: FILLER_SESSION,
    method: 'iin',
    customerId: 'c-filler',
    billTiyn: 0,
    wallMs: Number.NaN,
  });
  for (let index = 0; index < fillers - recordsShort; index++) assert.ok(ledger.append(filler()).ok);
  assert.ok(
    ledger.append({
      kind: 'session-closed',
      sessionId: FILLER_SESSION,
      outcome: 'cancelled',
      depositedTiyn: 0,
      toBillTiyn: 0,
      toNextTiyn: 0,
    }).ok,
  );
  return flash;
}

interface FullRig {
  readonly machine: DeskMachine;
  readonly bank: MiniBank;
  /** Every moment the loop stood halted. */
  readonly halts: string[];
  depositsUp: boolean;
}

function fullRig(recordsShort: number): FullRig {
  const bank = new MiniBank();
  const state = { depositsUp: false };
  const handler = (request: HttpsRequest) =>
    request.path === '/v1/deposits' && !state.depositsUp
      ? { status: 503, body: '{"error":"down"}' }
      : bank.handler(request);
  const machine = new DeskMachine({ seed: 5, bank: handler, flash: nearlyFullFlash(recordsShort) });
  const halts = watchHalts(machine);
  return {
    machine,
    bank,
    halts,
    get depositsUp() {
      return state.depositsUp;
    },
    set depositsUp(up: boolean) {
      state.depositsUp = up;
    },
  };
}

const screenId = (rig: FullRig) => screenOf(rig.machine);
const keys = (rig: FullRig, ...pressed: Key[]) => pressKeys(rig.machine, ...pressed);
const signIn = (rig: FullRig) => signInByIin(rig.machine);

/** Every note in the cassette has a note-stacked record or a doubt in the ledger (invariants 1–3 on the ledger's side). */
function assertCassetteRecorded(rig: FullRig): void {
  const ledger = rig.machine.firmware!.ledger;
  const recorded: number[] = [];
  ledger.readFrom(ledger.tailSequence, 10_000, (_sequence, record) => {
    if ((record.kind === 'note-stacked' || record.kind === 'doubt') && record.sessionId !== FILLER_SESSION)
      recorded.push(record.denominationTenge);
  });
  assert.deepEqual(
    recorded.sort((a, b) => a - b),
    [...rig.machine.sim.validator.truth.cassetteTenge].sort((a, b) => a - b),
  );
}

/** The bank comes back: the ring moves, everything is credited, and a new customer can pay. */
function assertRecovers(rig: FullRig): void {
  rig.depositsUp = true;
  const synced = rig.machine.runUntil(() => {
    const firmware = rig.machine.firmware;
    return firmware?.session.idle === true && firmware.ledger.stats().unsyncedRecords === 0;
  }, 10 * 60_000);
  const firmware = rig.machine.firmware!;
  assert.ok(
    synced,
    `not synced: outbox ${firmware.outbox.state} ${firmware.outbox.lastError ?? ''}, ledger head ${firmware.ledger.headSequence} ` +
      `acked ${firmware.ledger.ackedSequence}, bank holds ${rig.bank.storedSequence}`,
  );
  const credited = [...rig.bank.creditedTenge()].sort((a, b) => a - b);
  const doubts = rig.bank.records
    .filter((record) => record.kind === 'doubt')
    .map((record) => record.denominationTenge!);
  assert.deepEqual(
    [...credited, ...doubts].sort((a, b) => a - b),
    [...rig.machine.sim.validator.truth.cassetteTenge].sort((a, b) => a - b),
  );
  assert.equal(signIn(rig), 'bill', 'the machine takes cash again');
  assert.deepEqual(rig.halts, []);
}

describe('a full ledger on the whole machine: never halts mid-note, never wedges', () => {
  it('a session that fills the ledger: notes it cannot keep go back with a clear screen, the rest are credited', () => {
    const rig = fullRig(25);
    assert.equal(signIn(rig), 'bill');
    keys(rig, 'enter');
    rig.machine.runUntil(() => screenId(rig) === 'insert-notes', 20_000);
    for (let note = 0; note < 10; note++) rig.machine.sim.validator.insert(1000);
    rig.machine.runUntil(
      () => rig.machine.sim.validator.notesWaiting === 0 && rig.machine.sim.validator.state !== STATE_STACKING,
      60_000,
    );
    rig.machine.runFor(3_000);
    const screen = rig.machine.sim.display.current!;
    assert.deepEqual(rig.halts, []);
    assert.equal(screen.id, 'insert-notes');
    assert.equal(screen.fields.message, 'ledgerFull');
    const stacked = rig.machine.sim.validator.truth.cassetteTenge.length;
    assert.ok(stacked >= 1 && stacked < 10, `${stacked} notes stacked`);
    assert.equal(
      rig.machine.sim.validator.truth.returnedTenge.length,
      10 - stacked,
      'every note the ledger could not keep came back',
    );
    assert.equal(screen.fields.notes, stacked);
    keys(rig, 'enter');
    rig.machine.runUntil(() => screenId(rig) === 'attract', 60_000);
    assert.deepEqual(rig.halts, []);
    assert.equal(rig.machine.counts.watchdogResets, 0, 'no restart loop');
    assertCassetteRecorded(rig);
    assert.equal(signIn(rig), 'outOfServiceCash', 'the next customer is told before signing in');
    assertRecovers(rig);
  });

  it('a ledger too full for a whole session: out of service for cash before the customer signs in', () => {
    const rig = fullRig(12);
    assert.equal(signIn(rig), 'outOfServiceCash');
    assert.equal(rig.machine.sim.validator.enabled, false);
    assert.deepEqual(rig.halts, []);
    assertRecovers(rig);
  });

  it("a power cut while each note it took is stacking, the last one too: recovery's records fit, no restart loop", () => {
    let cuts = 0;
    for (let stackIndex = 1; stackIndex <= 10; stackIndex++) {
      const rig = fullRig(25);
      assert.equal(signIn(rig), 'bill');
      keys(rig, 'enter');
      rig.machine.runUntil(() => screenId(rig) === 'insert-notes', 20_000);
      for (let note = 0; note < 10; note++) rig.machine.sim.validator.insert(5000);
      let stackings = 0;
      let wasStacking = false;
      const stacking = rig.machine.runUntil(() => {
        const now = rig.machine.sim.validator.state === STATE_STACKING;
        if (now && !wasStacking) stackings += 1;
        wasStacking = now;
        return now && stackings === stackIndex;
      }, 60_000);
      if (!stacking) break; // the ledger took fewer notes than this: every one has had its cut
      rig.machine.powerCut(2_000);
      rig.machine.runFor(15_000);
      for (let restart = 0; restart < 2; restart++) {
        rig.machine.powerCut(1_000);
        rig.machine.runFor(8_000);
      }
      assert.deepEqual(rig.halts, [], `cut while note ${stackIndex} was stacking`);
      assert.equal(rig.machine.counts.watchdogResets, 0);
      assert.equal(rig.machine.firmware!.session.state, 'attract', `cut while note ${stackIndex} was stacking`);
      assertCassetteRecorded(rig);
      assertRecovers(rig);
      cuts += 1;
    }
    assert.ok(cuts >= 2 && cuts < 10, `${cuts} notes were taken before the ledger filled`);
  });

  it("restarted forty times while full: the bank's acknowledgement is still written and frees the ring", () => {
    const rig = fullRig(12);
    for (let restart = 0; restart < 40; restart++) {
      rig.machine.powerCut(500);
      rig.machine.runFor(3_000);
    }
    assert.deepEqual(rig.halts, []);
    assertRecovers(rig);
  });
});
