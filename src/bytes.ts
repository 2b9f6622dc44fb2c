// Bytes: little-endian integers for the ledger's layout, and text forms for keys, digests and
// protocol vectors, in plain TypeScript (the same on XS and Node).

/** The bytes of an ASCII text (each char code's low 8 bits). */
export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index) & 0xff;
  return bytes;
}

/** Lower-case hex of bytes[0..length). */
export function hexOf(bytes: Uint8Array, length = bytes.length): string {
  let text = '';
  for (let index = 0; index < length; index++) text += (bytes[index] < 16 ? '0' : '') + bytes[index].toString(16);
  return text;
}

/** The bytes of an even-length hex text, or undefined when it is not hex. */
export function bytesOfHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

/** Writes a u32 little-endian at `at`; returns the index after it. */
export function putU32(into: Uint8Array, at: number, value: number): number {
  into[at] = value & 0xff;
  into[at + 1] = (value >>> 8) & 0xff;
  into[at + 2] = (value >>> 16) & 0xff;
  into[at + 3] = (value >>> 24) & 0xff;
  return at + 4;
}

/** The u32 little-endian at `at`. */
export function getU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
