// Issue 15, item 8: the board's Crypto (hal/moddable/digest-crypto.ts) hands the native digest
// copies of what it hashes, a card number among them; none may outlive the call. Checked here
// over node:crypto standing in for Moddable's Digest, recording every buffer it was given.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { DigestCrypto } from '../../hal/moddable/digest-crypto';

describe("the board's digest keeps no copy of a card number (hal/moddable/digest-crypto.ts)", () => {
  it('zeroes every copy it handed the digest once the HMAC is made, and the HMAC is still right', () => {
    const written: ArrayBuffer[] = [];
    const crypto = new DigestCrypto(() => {
      const hash = createHash('sha256');
      return {
        write: (message: ArrayBuffer) => {
          written.push(message);
          hash.update(Buffer.from(new Uint8Array(message))); // a copy: what the digest took, taken at once
        },
        close: () => new Uint8Array(hash.digest()).buffer,
      };
    });
    const key = Buffer.from('machine-one-own-card-token-key-1', 'ascii');
    const pan = Buffer.from('4400430000000015', 'ascii');
    const out = new Uint8Array(32);
    crypto.hmacSha256(new Uint8Array(key), new Uint8Array(pan), pan.length, out);
    assert.equal(Buffer.from(out).toString('hex'), createHmac('sha256', key).update(pan).digest('hex'));
    assert.equal(written.length, 4, 'ipad block, the PAN, opad block, the inner hash');
    for (const copy of written)
      assert.ok(
        new Uint8Array(copy).every((byte) => byte === 0),
        `a copy of ${copy.byteLength} bytes was left as it was`,
      );
    crypto.sha256(new Uint8Array(pan), pan.length, out);
    assert.ok(
      new Uint8Array(written[written.length - 1]).every((byte) => byte === 0),
      'sha256 too',
    );
  });
});
