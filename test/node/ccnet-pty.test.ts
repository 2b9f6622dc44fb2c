// The CCNET driver over real serial I/O: serialport on a pty's slave path, the simulated
// validator on its master, corrupted bytes injected both ways. None lost, none doubled.
import assert from 'node:assert/strict';
import { runCcnetOverPty } from '../../tools/ccnet/pty-run';

describe('CCNET over a real pty line', function () {
  this.timeout(60_000);

  it('takes notes with bytes corrupted and dropped both ways: the session hears exactly what the cassette holds', async () => {
    const result = await runCcnetOverPty({
      notes: 60,
      seed: 5,
      flipPerByte: 0.003,
      dropPerByte: 0.001,
      timeLimitMs: 45_000,
    });
    assert.equal(result.halt, undefined);
    assert.ok(
      result.flipped + result.dropped > 5,
      `noise injected: ${result.flipped} flipped, ${result.dropped} dropped`,
    );
    assert.equal(result.cassetteTenge.length + result.returnedTenge.length, 60, 'every note went somewhere');
    assert.deepEqual(result.sessionStackedTenge, result.cassetteTenge, 'none lost, none doubled');
    assert.deepEqual(result.sessionReturnedTenge, result.returnedTenge);
  });
});
