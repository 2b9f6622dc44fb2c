import assert from 'node:assert/strict';
import { SoftCrypto } from '../../hal/sim/peripherals';

function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += (byte < 16 ? '0' : '') + byte.toString(16);
  return text;
}

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}

describe('soft SHA-256 and HMAC (FIPS 180-4 and RFC 4231 vectors)', () => {
  const crypto = new SoftCrypto();
  const out = new Uint8Array(32);

  it('hashes the FIPS 180-4 examples', () => {
    crypto.sha256(ascii('abc'), 3, out);
    assert.equal(hex(out), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const twoBlocks = ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
    crypto.sha256(twoBlocks, twoBlocks.length, out);
    assert.equal(hex(out), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    crypto.sha256(new Uint8Array(0), 0, out);
    assert.equal(hex(out), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes RFC 4231 test case 2', () => {
    const data = ascii('what do ya want for nothing?');
    crypto.hmacSha256(ascii('Jefe'), data, data.length, out);
    assert.equal(hex(out), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
