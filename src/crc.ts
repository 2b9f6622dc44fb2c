// The firmware's two CRCs in TypeScript, table-driven: CRC-16/KERMIT over every CCNET frame and
// CRC-32/ISO-HDLC over every ledger header and record. SOFT_CRC is the Crc port of the desk and
// the simulation; the board's port is native (hal/moddable/crc.ts) and is checked against this
// one (test/moddable/crc). The tables are built once when the module loads (preloaded into
// flash on the board) and only read after; a checksum allocates nothing.
import type { Crc } from '../hal/ports';
import { assert } from './assert';

/** CRC-16/KERMIT's polynomial 0x1021, reflected (the register shifts right). */
const KERMIT_POLYNOMIAL_REFLECTED = 0x8408;
/** CRC-32/ISO-HDLC's polynomial 0x04C11DB7, reflected. */
const ISO_HDLC_POLYNOMIAL_REFLECTED = 0xedb88320;

function reflectedTable(polynomial: number, into: Uint16Array | Uint32Array): void {
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = (value & 1) !== 0 ? (value >>> 1) ^ polynomial : value >>> 1;
    into[index] = value >>> 0;
  }
}

function kermitTable(): Uint16Array {
  const table = new Uint16Array(256);
  reflectedTable(KERMIT_POLYNOMIAL_REFLECTED, table);
  return table;
}

function isoHdlcTable(): Uint32Array {
  const table = new Uint32Array(256);
  reflectedTable(ISO_HDLC_POLYNOMIAL_REFLECTED, table);
  return table;
}

const KERMIT_TABLE = kermitTable();
const ISO_HDLC_TABLE = isoHdlcTable();

/** CRC-16/KERMIT (poly 0x1021 reflected, init 0, no final XOR; check "123456789" = 0x2189) of bytes[start..end). */
export function crc16Kermit(bytes: Uint8Array, start: number, end: number): number {
  assert(start >= 0 && start <= end && end <= bytes.length, 'crc16Kermit: range out of bounds');
  let crc = 0;
  for (let index = start; index < end; index++) crc = (crc >>> 8) ^ KERMIT_TABLE[(crc ^ bytes[index]) & 0xff];
  return crc;
}

/**
 * CRC-32/ISO-HDLC (zlib's; check "123456789" = 0xCBF43926) of bytes[start..end), continuing from
 * `crc`: 0 to begin, else the result of the bytes before (zlib's crc32(), ESP-IDF's esp_rom_crc32_le).
 */
export function crc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
  assert(start >= 0 && start <= end && end <= bytes.length, 'crc32: range out of bounds');
  let register = ~crc;
  for (let index = start; index < end; index++)
    register = ISO_HDLC_TABLE[(register ^ bytes[index]) & 0xff] ^ (register >>> 8);
  return ~register >>> 0;
}

/** crc32() continued over one byte then a 32-bit value, little-endian (the ledger record's kind and full sequence). */
export function crc32ByteAndUint32(crc: number, byte: number, value: number): number {
  // Five steps written out: a loop costs more than its body here (once per ledger record).
  const table = ISO_HDLC_TABLE;
  let register = ~crc;
  register = table[(register ^ byte) & 0xff] ^ (register >>> 8);
  register = table[(register ^ value) & 0xff] ^ (register >>> 8);
  register = table[(register ^ (value >>> 8)) & 0xff] ^ (register >>> 8);
  register = table[(register ^ (value >>> 16)) & 0xff] ^ (register >>> 8);
  register = table[(register ^ (value >>> 24)) & 0xff] ^ (register >>> 8);
  return ~register >>> 0;
}

/** The TypeScript CRCs as the Crc port: the desk's and the simulation's. */
export const SOFT_CRC: Crc = Object.freeze({ crc16Kermit, crc32 });
