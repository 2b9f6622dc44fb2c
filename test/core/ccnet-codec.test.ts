// CCNET framing against the specification's own vectors (CCNET Document 1 Rev 2.6.0, as in
// docs/ccnet.md), not against our encoder's output.
import assert from 'node:assert/strict';
import {
  ADDRESS_BILL_VALIDATOR,
  CMD_POLL,
  CMD_RESET,
  FrameReader,
  REPLY_ACK,
  billTableValue,
  encodeFrame,
  maskHas,
  maskSet,
} from '../../src/cash/ccnet-codec';
import { crc16Kermit } from '../../src/crc';

const SPEC_RESET = [0x02, 0x03, 0x06, 0x30, 0x41, 0xb3];
const SPEC_POLL = [0x02, 0x03, 0x06, 0x33, 0xda, 0x81];
const SPEC_ACK = [0x02, 0x03, 0x06, 0x00, 0xc2, 0x82];

function bytes(values: readonly number[]): Uint8Array {
  return Uint8Array.from(values);
}

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

/** An independent CRC: the unreflected CCITT form (poly 0x1021) on bit-reversed input, reversed back. */
function crcByReflection(values: readonly number[]): number {
  const reverse = (value: number, bits: number) => {
    let out = 0;
    for (let bit = 0; bit < bits; bit++) out |= ((value >> bit) & 1) << (bits - 1 - bit);
    return out;
  };
  let crc = 0;
  for (const value of values) {
    crc ^= reverse(value, 8) << 8;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return reverse(crc, 16);
}

function responseFrame(data: readonly number[]): number[] {
  const body = [0x02, 0x03, data.length + 5, ...data];
  const crc = crcByReflection(body);
  return [...body, crc & 0xff, crc >> 8];
}

describe('CCNET codec', () => {
  it('CRC-16/KERMIT: check value 0x2189 over "123456789", and the spec frames end in their CRC', () => {
    const check = bytes(ascii('123456789'));
    assert.equal(crc16Kermit(check, 0, check.length), 0x2189);
    for (const frame of [SPEC_RESET, SPEC_POLL, SPEC_ACK]) {
      const crc = crc16Kermit(bytes(frame), 0, frame.length - 2);
      assert.equal(crc & 0xff, frame[frame.length - 2]);
      assert.equal(crc >> 8, frame[frame.length - 1]);
      assert.equal(crc16Kermit(bytes(frame), 0, frame.length), 0, 'residue over a whole frame is zero');
    }
    assert.equal(crcByReflection(ascii('123456789')), 0x2189, "the test's own CRC agrees with the check value");
  });

  it('encodes RESET, POLL and ACK exactly as the specification prints them', () => {
    const out = new Uint8Array(16);
    assert.equal(encodeFrame(out, ADDRESS_BILL_VALIDATOR, CMD_RESET, undefined, 0), 6);
    assert.deepEqual(Array.from(out.subarray(0, 6)), SPEC_RESET);
    assert.equal(encodeFrame(out, ADDRESS_BILL_VALIDATOR, CMD_POLL, undefined, 0), 6);
    assert.deepEqual(Array.from(out.subarray(0, 6)), SPEC_POLL);
    assert.equal(encodeFrame(out, ADDRESS_BILL_VALIDATOR, -1, bytes([REPLY_ACK]), 1), 6);
    assert.deepEqual(Array.from(out.subarray(0, 6)), SPEC_ACK);
  });

  it('encodes ENABLE BILL TYPES with its 6 data bytes and an extended frame with LNG = 0', () => {
    const out = new Uint8Array(600);
    const data = bytes([0x00, 0x1f, 0x7f, 0x00, 0x1f, 0x7f]);
    assert.equal(encodeFrame(out, 3, 0x34, data, 6), 12);
    const body = [0x02, 0x03, 0x0c, 0x34, 0x00, 0x1f, 0x7f, 0x00, 0x1f, 0x7f];
    const crc = crcByReflection(body);
    assert.deepEqual(Array.from(out.subarray(0, 12)), [...body, crc & 0xff, crc >> 8]);
    const big = new Uint8Array(300).fill(0x5a);
    const length = encodeFrame(out, 3, -1, big, 300);
    assert.equal(length, 3 + 2 + 300 + 2);
    assert.deepEqual(Array.from(out.subarray(0, 5)), [0x02, 0x03, 0x00, length >> 8, length & 0xff]);
    assert.equal(crcByReflection(Array.from(out.subarray(0, length - 2))), out[length - 2] | (out[length - 1] << 8));
  });

  it('finds frames split byte by byte, several in one read, and after garbage', () => {
    const reader = new FrameReader(3, false);
    const escrow = responseFrame([0x80, 0x04]);
    const idle = responseFrame([0x14]);
    for (let index = 0; index < escrow.length - 1; index++) {
      reader.push(bytes([escrow[index]]), 1);
      assert.equal(reader.scan(), 'partial');
    }
    reader.push(bytes([escrow[escrow.length - 1], ...idle, 0x55, 0x02]), idle.length + 3);
    assert.equal(reader.scan(), 'frame');
    assert.deepEqual(
      Array.from(reader.buffer.subarray(reader.dataStart, reader.dataStart + reader.dataLength)),
      [0x80, 0x04],
    );
    reader.drop('frame');
    assert.equal(reader.scan(), 'frame', 'the second frame of the same read is not stalled on');
    assert.equal(reader.buffer[reader.dataStart], 0x14);
    reader.drop('frame');
    assert.equal(reader.scan(), 'partial', 'a lone SYNC after garbage waits for more');
    reader.clear();
    const garbageBefore = reader.garbageBytes;
    reader.push(bytes([0xff, 0x00, 0x03, 0x02, 0x07, ...idle]), 5 + idle.length);
    assert.equal(reader.scan(), 'frame');
    assert.equal(reader.buffer[reader.dataStart], 0x14);
    assert.equal(reader.garbageBytes - garbageBefore, 5, 'garbage, then a SYNC not followed by our address, skipped');
  });

  it('reports a bad CRC, never as a frame, and resyncs on a true frame inside it', () => {
    const reader = new FrameReader(3, false);
    const stacked = responseFrame([0x81, 0x02]);
    const damaged = stacked.slice();
    damaged[4] ^= 0x01;
    reader.push(bytes(damaged), damaged.length);
    assert.equal(reader.scan(), 'bad-crc');
    reader.drop('bad-crc');
    assert.equal(reader.scan(), 'none');
    // A corrupted length byte promising 200 bytes does not hold up the sound frame behind it.
    reader.clear();
    const idle = responseFrame([0x14]);
    reader.push(bytes([0x02, 0x03, 0xc8, 0x11, ...idle]), 4 + idle.length);
    assert.equal(reader.scan(), 'frame');
    assert.equal(reader.buffer[reader.dataStart], 0x14);
  });

  it('reads extended (LNG = 0) frames by their 2-byte length', () => {
    const reader = new FrameReader(3, false);
    const data = [0x14];
    const body = [0x02, 0x03, 0x00, 0x00, 0x08, ...data];
    const crc = crcByReflection(body);
    const frame = [...body, crc & 0xff, crc >> 8];
    reader.push(bytes(frame.slice(0, 4)), 4);
    assert.equal(reader.scan(), 'partial');
    reader.push(bytes(frame.slice(4)), frame.length - 4);
    assert.equal(reader.scan(), 'frame');
    assert.equal(reader.frameLength, 8);
    assert.equal(reader.dataLength, 1);
    assert.equal(reader.buffer[reader.dataStart], 0x14);
  });

  it('reads command frames with their CMD byte', () => {
    const reader = new FrameReader(3, true);
    reader.push(bytes(SPEC_POLL), 6);
    assert.equal(reader.scan(), 'frame');
    assert.equal(reader.command, 0x33);
    assert.equal(reader.dataLength, 0);
  });

  it('reads bill-table words with the exponent bit: multiply when clear, divide when set', () => {
    const words = [
      [0x02, ...ascii('KZT'), 0x02], // 200 ₸
      [0x14, ...ascii('KZT'), 0x03], // 20 × 10^3 = 20 000 ₸
      [0x05, ...ascii('RUB'), 0x02], // another currency
      [0, 0, 0, 0, 0], // empty
      [0x32, ...ascii('KZT'), 0x81], // 50 / 10 = 5
      [0x05, ...ascii('KZT'), 0x82], // 5 / 100: not whole tenge
    ];
    const table = bytes(words.flat());
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((type) => billTableValue(table, 0, type, 'KZT')),
      [200, 20000, 0, 0, 5, 0],
    );
    assert.equal(billTableValue(table, 0, 2, 'RUB'), 500);
  });

  it('sets masks with bill type 23 in bit 7 of the first byte and type 0 in bit 0 of the third', () => {
    const mask = new Uint8Array(3);
    maskSet(mask, 0, 23);
    maskSet(mask, 0, 0);
    maskSet(mask, 0, 9);
    assert.deepEqual(Array.from(mask), [0x80, 0x02, 0x01]);
    assert.equal(maskHas(mask, 0, 9), true);
    assert.equal(maskHas(mask, 0, 8), false);
  });
});
