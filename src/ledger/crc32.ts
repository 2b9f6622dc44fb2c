// CRC-32 (ISO-HDLC: the one in zlib, Ethernet and PNG): reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF. Check value of "123456789" is 0xCBF43926.
// The table is built once at start-up (1 KiB); updating allocates nothing.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = (value & 1) !== 0 ? (value >>> 1) ^ 0xedb88320 : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
}

export const CRC32_INIT = 0xffffffff;

export function crc32UpdateByte(crc: number, byte: number): number {
  return (TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)) >>> 0;
}

/** Folds bytes[start..end) into a running CRC (start from CRC32_INIT, finish with crc32Final). */
export function crc32Update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let value = crc;
  for (let index = start; index < end; index++) value = TABLE[(value ^ bytes[index]) & 0xff] ^ (value >>> 8);
  return value >>> 0;
}

/** Folds a 32-bit value in, little-endian. */
export function crc32UpdateUint32(crc: number, value: number): number {
  let result = crc;
  for (let shift = 0; shift < 32; shift += 8) result = crc32UpdateByte(result, (value >>> shift) & 0xff);
  return result;
}

export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Final(crc32Update(CRC32_INIT, bytes, start, end));
}
