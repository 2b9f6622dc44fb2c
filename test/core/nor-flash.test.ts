import assert from 'node:assert/strict';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { VirtualClock } from '../../hal/sim/world';

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

describe('NOR flash emulator: power cuts, counters, timings', () => {
  const GEOMETRY = { sizeBytes: 8192, sectorSizeBytes: 4096, pageSizeBytes: 256 };
  const zeros = new Uint8Array(16);

  /** Cuts power during a 16-byte program of zeros over erased flash, for seeds until each damage kind was seen. */
  function cutsBySeed(operation: 'program' | 'erase') {
    const seen = new Map<string, NorFlashEmulator>();
    for (let seed = 1; seed < 200 && seen.size < (operation === 'program' ? 4 : 3); seed++) {
      const flash = new NorFlashEmulator(GEOMETRY);
      if (operation === 'erase') flash.program(0, zeros, 16);
      flash.schedulePowerCut(0, seed);
      const status = operation === 'program' ? flash.program(0, zeros, 16) : flash.eraseSector(0);
      assert.equal(status, 'io');
      assert.equal(flash.powered, false);
      const cut = flash.lastCut;
      assert.ok(cut !== undefined);
      if (!seen.has(cut.damage)) seen.set(cut.damage, flash);
    }
    return seen;
  }

  function readTimes(flash: NorFlashEmulator, times: number): Uint8Array[] {
    const reads: Uint8Array[] = [];
    for (let index = 0; index < times; index++) {
      const bytes = new Uint8Array(16);
      assert.equal(flash.read(0, bytes, 16), 'ok');
      reads.push(bytes);
    }
    return reads;
  }

  it('lets N operations complete, then cuts power during the next: everything answers io until restored', () => {
    const flash = new NorFlashEmulator(GEOMETRY);
    flash.schedulePowerCut(2, 7);
    assert.equal(flash.program(0, zeros, 1), 'ok');
    assert.equal(flash.eraseSector(1), 'ok');
    assert.equal(flash.program(1, zeros, 1), 'io');
    const byte = new Uint8Array(1);
    assert.equal(flash.read(0, byte, 1), 'io');
    assert.equal(flash.program(2, zeros, 1), 'io');
    assert.equal(flash.eraseSector(0), 'io');
    flash.restorePower();
    assert.equal(flash.read(0, byte, 1), 'ok');
    assert.equal(byte[0], 0x00);
    assert.equal(flash.operations, 3);
  });

  it('a cut program is dropped, torn after a prefix, leaves a subset of bits, or leaves weak bits', () => {
    const seen = cutsBySeed('program');
    assert.deepEqual([...seen.keys()].sort(), ['dropped', 'torn-bits', 'torn-prefix', 'weak']);
    for (const [damage, flash] of seen) {
      flash.restorePower();
      const [first, ...others] = readTimes(flash, 32);
      const prefix = first.findIndex((value) => value !== 0x00);
      if (damage === 'dropped') assert.deepEqual([...first], new Array(16).fill(0xff));
      if (damage === 'torn-prefix') {
        assert.ok(prefix >= 0, 'a torn program never completes');
        assert.ok(
          first.subarray(prefix).every((value) => value === 0xff),
          `${damage}: after the prefix, untouched`,
        );
      }
      if (damage === 'torn-bits')
        assert.ok(
          first.subarray(prefix).some((value) => value !== 0xff),
          'some bits of the torn bytes cleared',
        );
      const varies = others.some((read) => read.some((value, index) => value !== first[index]));
      assert.equal(varies, damage === 'weak', `${damage}: weak bytes read differently, others never`);
    }
  });

  it('weak bits settle when programmed to 0 or erased', () => {
    const flash = cutsBySeed('program').get('weak') as NorFlashEmulator;
    flash.restorePower();
    assert.equal(flash.program(0, zeros, 16), 'ok');
    assert.ok(readTimes(flash, 16).every((read) => read.every((value) => value === 0)));
    assert.equal(flash.illegalPrograms, 0);
    const again = cutsBySeed('program').get('weak') as NorFlashEmulator;
    again.restorePower();
    assert.equal(again.eraseSector(0), 'ok');
    assert.ok(readTimes(again, 16).every((read) => read.every((value) => value === 0xff)));
  });

  it('a cut erase is dropped, or leaves old data, 0xFF and partly erased bytes (some weak)', () => {
    const seen = cutsBySeed('erase');
    assert.deepEqual([...seen.keys()].sort(), ['dropped', 'mixed', 'weak-mixed']);
    for (const [damage, flash] of seen) {
      flash.restorePower();
      const sector = new Uint8Array(4096);
      flash.read(0, sector, 4096);
      const first = sector.subarray(0, 16);
      if (damage === 'dropped') assert.ok(first.every((value) => value === 0));
      else {
        assert.ok(first.some((value) => value === 0x00) && first.some((value) => value !== 0x00), `${damage}: a mix`);
        assert.ok(
          sector.subarray(16).every((value) => value === 0xff),
          'bytes that were erased stay erased',
        );
      }
      const varies = readTimes(flash, 32).some((read) => read.some((value, index) => value !== first[index]));
      assert.equal(varies, damage === 'weak-mixed');
    }
  });

  it('counts bytes read and programmed, program operations and erases per sector', () => {
    const flash = new NorFlashEmulator(GEOMETRY);
    flash.program(0, zeros, 16);
    flash.program(300, zeros, 4);
    flash.eraseSector(1);
    flash.eraseSector(1);
    flash.read(0, new Uint8Array(64), 64);
    assert.equal(flash.bytesProgrammed, 20);
    assert.equal(flash.programOperations, 2);
    assert.deepEqual([...flash.erasesPerSector], [0, 2]);
    assert.equal(flash.totalErases, 2);
    assert.equal(flash.bytesRead, 64);
  });

  it('spends typical time on a virtual clock when given one: page program 0.4 ms, sector erase 45 ms', () => {
    const clock = new VirtualClock();
    const flash = new NorFlashEmulator(GEOMETRY, undefined, { clock });
    flash.program(0, zeros, 16);
    flash.eraseSector(0);
    assert.equal(clock.nowMs, 45.4);
    assert.equal(flash.busyMs, 45.4);
  });

  it('a snapshot is an independent copy of bytes and weak bits', () => {
    const flash = new NorFlashEmulator(GEOMETRY);
    flash.program(0, zeros, 4);
    const copy = flash.snapshot();
    copy.program(8, zeros, 4);
    const byte = new Uint8Array(1);
    flash.read(8, byte, 1);
    assert.equal(byte[0], 0xff);
    copy.read(0, byte, 1);
    assert.equal(byte[0], 0x00);
  });
});
