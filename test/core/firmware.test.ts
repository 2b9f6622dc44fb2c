import assert from 'node:assert/strict';
import { startFirmware } from '../../src/firmware';
import { makeSimBoard } from '../../hal/sim/board';
import type { Crc, HttpsRequest } from '../../hal/ports';
import { SOFT_CRC } from '../../src/crc';
import { Ledger } from '../../src/ledger/ledger';

function typeLine(sim: ReturnType<typeof makeSimBoard>, text: string): void {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  sim.consoleLink.deviceEnd.write(bytes, bytes.length);
}

function readAll(sim: ReturnType<typeof makeSimBoard>): string {
  const buffer = new Uint8Array(512);
  let text = '';
  for (let count = sim.consoleLink.deviceEnd.read(buffer); count > 0; count = sim.consoleLink.deviceEnd.read(buffer)) {
    text += String.fromCharCode(...buffer.subarray(0, count));
  }
  return text;
}

describe('startFirmware on the simulated board', () => {
  it('prints the banner and prompt, and answers a console command', () => {
    const sim = makeSimBoard();
    startFirmware(sim.board);
    sim.world.runFor(50);
    assert.match(readAll(sim), /Kaspi Red cash-in ATM, firmware \d+\.\d+\.\d+ on simulator\r\natm> $/);
    typeLine(sim, 'status\r');
    sim.world.runFor(100);
    // Everything but help/version/login needs a technician login (test/core/console.test.ts).
    assert.match(readAll(sim), /^status\r\nerror: 'status' needs a login \(login engineer\|collector\)\r\natm> $/);
    typeLine(sim, 'frobnicate\r');
    sim.world.runFor(100);
    assert.match(readAll(sim), /error: unknown command 'frobnicate' \(type 'help'\)/);
  });

  it('runs an hour of virtual time with the watchdog fed throughout', () => {
    const sim = makeSimBoard();
    const firmware = startFirmware(sim.board);
    for (let minute = 0; minute < 60; minute++) {
      sim.world.runFor(60_000);
      assert.ok(!sim.watchdog.bitten, `watchdog bit at minute ${minute}`);
    }
    assert.equal(sim.clock.nowMs, 3_600_000);
    assert.equal(firmware.scheduler.loopTicks, 3_600_000 / 5 + 1);
    assert.equal(firmware.scheduler.stats[0].overruns, 0);
  });
});

describe("startFirmware: the board's Crc port", () => {
  /** A port that answers otherwise than the TypeScript CRCs: what the firmware does with it shows which one it uses. */
  const otherCrc: Crc = {
    crc16Kermit: (bytes, start, end) => SOFT_CRC.crc16Kermit(bytes, start, end) ^ 0x0001,
    crc32: (crc, bytes, start, end) => (SOFT_CRC.crc32(crc, bytes, start, end) ^ 0x0001) >>> 0,
  };

  it("checks CCNET frames and ledger records with the board's port, not its own TypeScript", () => {
    const usual = makeSimBoard();
    const usualFirmware = startFirmware(usual.board);
    usual.world.runFor(3_000);
    assert.equal(usualFirmware.validator.status(), 'idle', 'the usual board talks to the validator');

    const sim = makeSimBoard();
    const firmware = startFirmware({ ...sim.board, crc: otherCrc });
    sim.world.runFor(3_000);
    // The simulated validator signs its answers with the real CRC-16: every one fails the board's check.
    assert.notEqual(firmware.validator.status(), 'idle');
    assert.ok(firmware.validator.stats.badAnswers > 0);
    // What the ledger wrote carries the board's CRC-32: a mount with the TypeScript CRC finds no header, a mount with the port finds the record.
    assert.equal(firmware.ledger.append({ kind: 'note-stacked', sessionId: 7, denominationTenge: 1000 }).ok, true);
    firmware.stop();
    assert.equal(Ledger.mount(sim.flash.snapshot()).headSequence, 0);
    assert.equal(Ledger.mount(sim.flash.snapshot(), { crc: otherCrc }).headSequence, 1);
  });
});

describe('console line shell', () => {
  it('answers every line when several arrive in one read, and refuses an overlong line', () => {
    const sim = makeSimBoard();
    startFirmware(sim.board);
    sim.world.runFor(50);
    readAll(sim);
    typeLine(sim, `version\rvers\bsion\r\n${'x'.repeat(200)}\rhelp\r`);
    sim.world.runFor(500);
    const output = readAll(sim);
    assert.equal(output.split('firmware 0.1.0').length - 1, 2);
    assert.match(output, /error: line too long/);
    assert.match(output, /status\s+loop, tasks and memory/);
  });
});

describe('simulated board without a bank', () => {
  it('answers a bank request with a connect failure on a later step, never at once', () => {
    const sim = makeSimBoard();
    const results: string[] = [];
    const request = { method: 'GET' as const, path: '/v1/ping', body: undefined, timeoutMs: 1000 };
    assert.equal(
      sim.board.bank.request(request, (result) => results.push(result.ok ? 'ok' : result.failure)),
      true,
    );
    assert.equal(
      sim.board.bank.request(request, () => results.push('second')),
      false,
    );
    assert.deepEqual(results, []);
    sim.world.runFor(1);
    assert.deepEqual(results, ['connect']);
  });
});

describe("simulated bank link: the board's request cap", () => {
  it('refuses a body over 4 096 bytes as too-large on a later step, unsent; 4 096 bytes (UTF-8) go', () => {
    const seen: number[] = [];
    const sim = makeSimBoard({
      bank: (request) => {
        seen.push(request.body?.length ?? 0);
        return { status: 200, body: '{}' };
      },
    });
    const link = sim.bankLink!;
    assert.equal(link.requestBodyBytesMax, 4096);
    const post = (body: string) => {
      const results: string[] = [];
      const request: HttpsRequest = { method: 'POST', path: '/v1/deposits', body, timeoutMs: 5_000 };
      assert.equal(
        link.request(request, (result) => results.push(result.ok ? `ok ${result.status}` : result.failure)),
        true,
      );
      assert.deepEqual(results, [], 'never answered inside request()');
      sim.world.runFor(1_000);
      return results;
    };
    assert.deepEqual(post('x'.repeat(4097)), ['too-large']);
    assert.deepEqual(
      post(`${`${'x'.repeat(4094)}₸`.slice(0, 4094)}é`),
      ['ok 200'],
      '4 094 ASCII + a 2-byte character = 4 096 bytes',
    );
    assert.deepEqual(post(`${'x'.repeat(4094)}₸`), ['too-large'], '4 094 ASCII + a 3-byte character = 4 097 bytes');
    assert.deepEqual(seen, [4095], 'only the body within the cap reached the bank');
    assert.equal(link.counts.tooLarge, 2);
  });
});
