// The firmware's CRCs (src/crc.ts, the desk's and the simulation's Crc port) against the
// published check values and against bit-by-bit references written from the CRC catalogue's
// definitions (not from the tables): CRC-16/KERMIT width 16, poly 0x1021, init 0, refin and
// refout true, xorout 0, check 0x2189; CRC-32/ISO-HDLC width 32, poly 0x04C11DB7, init and xorout
// 0xFFFFFFFF, refin and refout true, check 0xCBF43926. The board's native port is checked against
// the same values on Moddable's runtime (test/moddable/crc).
import assert from 'node:assert/strict';
import { SeededRandom, SoftCrc } from '../../hal/sim/peripherals';
import { crc16Kermit, crc32, crc32ByteAndUint32, SOFT_CRC } from '../../src/crc';

const CHECK = new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]); // "123456789"

/** MSB-first over reflected bytes, then the register reflected: the catalogue's definition, literally. */
function reflect(value: number, width: number): number {
  let out = 0;
  for (let bit = 0; bit < width; bit++) if ((value & (1 << bit)) !== 0) out |= 1 << (width - 1 - bit);
  return out >>> 0;
}

function referenceCrc(width: 16 | 32, polynomial: number, initial: number, xorOut: number, bytes: Uint8Array): number {
  const top = width === 32 ? 0x80000000 : 0x8000;
  const mask = width === 32 ? 0xffffffff : 0xffff;
  let register = initial;
  for (const byte of bytes) {
    register = (register ^ (reflect(byte, 8) << (width - 8))) & mask;
    for (let bit = 0; bit < 8; bit++)
      register = ((register & top) !== 0 ? (register << 1) ^ polynomial : register << 1) & mask;
  }
  return ((reflect(register, width) ^ xorOut) & mask) >>> 0;
}

const referenceKermit = (bytes: Uint8Array) => referenceCrc(16, 0x1021, 0, 0, bytes);
const referenceIsoHdlc = (bytes: Uint8Array) => referenceCrc(32, 0x04c11db7, 0xffffffff, 0xffffffff, bytes);

describe("CRCs: the firmware's TypeScript Crc port", () => {
  it('gives the published check values for "123456789", through the functions and both ports', () => {
    for (const port of [SOFT_CRC, new SoftCrc()]) {
      assert.equal(port.crc16Kermit(CHECK, 0, CHECK.length), 0x2189);
      assert.equal(port.crc32(0, CHECK, 0, CHECK.length), 0xcbf43926);
    }
    assert.equal(referenceKermit(CHECK), 0x2189, 'the reference itself');
    assert.equal(referenceIsoHdlc(CHECK), 0xcbf43926, 'the reference itself');
  });

  it('agrees with the bit-by-bit references on random buffers and on any range inside them', () => {
    const random = new SeededRandom(17);
    for (let round = 0; round < 200; round++) {
      const bytes = new Uint8Array(random.nextUint32() % 300);
      random.fill(bytes);
      const start = bytes.length === 0 ? 0 : random.nextUint32() % bytes.length;
      const end = start + (random.nextUint32() % (bytes.length - start + 1));
      const range = bytes.slice(start, end);
      assert.equal(
        crc16Kermit(bytes, start, end),
        referenceKermit(range),
        `kermit, ${bytes.length} bytes [${start}, ${end})`,
      );
      assert.equal(
        crc32(0, bytes, start, end),
        referenceIsoHdlc(range),
        `crc-32, ${bytes.length} bytes [${start}, ${end})`,
      );
    }
  });

  it("continues a CRC-32 from a previous result exactly as over the bytes in one piece (zlib's and esp_rom_crc32_le's convention)", () => {
    const random = new SeededRandom(23);
    for (let round = 0; round < 100; round++) {
      const bytes = new Uint8Array(1 + (random.nextUint32() % 200));
      random.fill(bytes);
      const cut = random.nextUint32() % (bytes.length + 1);
      assert.equal(crc32(crc32(0, bytes, 0, cut), bytes, cut, bytes.length), crc32(0, bytes, 0, bytes.length));
    }
    const prefix = new Uint8Array([0x07, 0x04, 0x03, 0x02, 0x01]); // a byte, then 0x01020304 little-endian
    assert.equal(crc32ByteAndUint32(0, 0x07, 0x01020304), crc32(0, prefix, 0, prefix.length));
    assert.equal(
      crc32ByteAndUint32(crc32(0, CHECK, 0, 9), 0x07, 0x01020304),
      referenceIsoHdlc(new Uint8Array([...CHECK, ...prefix])),
    );
  });

  it("a CCNET frame's CRC over the whole frame, its own two bytes included, is zero", () => {
    const poll = new Uint8Array([0x02, 0x03, 0x06, 0x33, 0xda, 0x81]); // CCNET Document 1's POLL
    assert.equal(crc16Kermit(poll, 0, 4), 0x81da);
    assert.equal(crc16Kermit(poll, 0, poll.length), 0);
  });

  it('refuses a range outside the buffer (an assertion, not a wrong CRC)', () => {
    assert.throws(() => crc16Kermit(CHECK, 0, 10), /range out of bounds/);
    assert.throws(() => crc32(0, CHECK, 5, 4), /range out of bounds/);
  });
});
