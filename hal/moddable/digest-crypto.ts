// The Crypto port over a native SHA-256 digest object. No Moddable imports: platform.ts hands
// in Moddable's Digest (documentation/crypt/crypt.md: new Digest("SHA256"), write(ArrayBuffer),
// close() returns the hash once), and the Node suite hands in node:crypto to check the HMAC
// construction against RFC 4231's vectors.
import type { Crypto } from '../ports';

export interface Sha256Digest {
  write(message: ArrayBuffer): void;
  close(): ArrayBuffer;
}

export const SHA256_BYTES = 32;
/** SHA-256's block size, the HMAC pad length (RFC 2104, section 2). */
export const SHA256_BLOCK_BYTES = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * SHA-256 natively, and HMAC per RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), with K hashed
 * first when longer than a block and zero-padded to one. A digest object cannot be reused after
 * close(), so each hash makes one; crypto runs per record or bank message, not per tick.
 */
export class DigestCrypto implements Crypto {
  readonly #newDigest: () => Sha256Digest;
  readonly #blockKey = new Uint8Array(SHA256_BLOCK_BYTES);
  readonly #pad = new Uint8Array(SHA256_BLOCK_BYTES);
  readonly #innerHash = new Uint8Array(SHA256_BYTES);

  constructor(newDigest: () => Sha256Digest) {
    this.#newDigest = newDigest;
  }

  sha256(data: Uint8Array, length: number, out: Uint8Array): void {
    if (!(length >= 0 && length <= data.length) || out.length < SHA256_BYTES)
      throw new RangeError('sha256 length out of range');
    const digest = this.#newDigest();
    writeAndWipe(digest, copyOf(data, length));
    out.set(new Uint8Array(digest.close()).subarray(0, SHA256_BYTES));
  }

  hmacSha256(key: Uint8Array, data: Uint8Array, length: number, out: Uint8Array): void {
    if (!(length >= 0 && length <= data.length) || out.length < SHA256_BYTES)
      throw new RangeError('hmac length out of range');
    this.#blockKey.fill(0);
    if (key.length > SHA256_BLOCK_BYTES) this.sha256(key, key.length, this.#blockKey);
    else this.#blockKey.set(key);
    const inner = this.#newDigest();
    writeAndWipe(inner, this.#padded(IPAD));
    writeAndWipe(inner, copyOf(data, length));
    this.#innerHash.set(new Uint8Array(inner.close()).subarray(0, SHA256_BYTES));
    const outer = this.#newDigest();
    writeAndWipe(outer, this.#padded(OPAD));
    writeAndWipe(outer, copyOf(this.#innerHash, SHA256_BYTES));
    out.set(new Uint8Array(outer.close()).subarray(0, SHA256_BYTES));
    // The key and the card number went through these: nothing of them stays behind.
    this.#blockKey.fill(0);
    this.#pad.fill(0);
    this.#innerHash.fill(0);
  }

  #padded(padByte: number): ArrayBuffer {
    for (let index = 0; index < SHA256_BLOCK_BYTES; index++) this.#pad[index] = this.#blockKey[index] ^ padByte;
    return copyOf(this.#pad, SHA256_BLOCK_BYTES);
  }
}

/** Hands a copy to the digest (which consumes it at once), then zeroes the copy: it may hold a PAN or a key. */
function writeAndWipe(digest: Sha256Digest, copy: ArrayBuffer): void {
  digest.write(copy);
  new Uint8Array(copy).fill(0);
}

/** The documented Digest.write takes an ArrayBuffer: copy out exactly bytes[0..length). */
function copyOf(bytes: Uint8Array, length: number): ArrayBuffer {
  return (bytes.buffer as ArrayBuffer).slice(bytes.byteOffset, bytes.byteOffset + length);
}
