import assert from 'node:assert/strict';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';

describe('NOR flash emulator', () => {
  it('programs only 1 -> 0 and counts an attempt to set a bit', () => {
    const flash = new NorFlashEmulator();
    assert.equal(flash.program(0, new Uint8Array([0x0f]), 1), 'ok');
    assert.equal(flash.program(0, new Uint8Array([0xf0]), 1), 'ok');
    const byte = new Uint8Array(1);
    flash.read(0, byte, 1);
    assert.equal(byte[0], 0x00);
    assert.equal(flash.illegalPrograms, 1);
    assert.equal(flash.eraseSector(0), 'ok');
    flash.read(0, byte, 1);
    assert.equal(byte[0], 0xff);
  });

  it('rejects out-of-bounds and page-crossing operations', () => {
    const flash = new NorFlashEmulator();
    const two = new Uint8Array(2);
    assert.equal(flash.program(255, two, 2), 'alignment');
    assert.equal(flash.program(flash.geometry.sizeBytes - 1, two, 2), 'bounds');
    assert.equal(flash.read(-1, two, 1), 'bounds');
    assert.equal(flash.eraseSector(16), 'bounds');
    assert.equal(flash.bytesProgrammed, 0);
  });
});
