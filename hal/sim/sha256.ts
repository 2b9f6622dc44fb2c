// SHA-256 (FIPS 180-4) and HMAC (RFC 2104) in plain TypeScript, for boards without a
// native digest: the simulator and the XS test engine. The controller uses native digests.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const BLOCK_BYTES = 64;

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

function compress(state: Uint32Array, block: Uint8Array, w: Uint32Array): void {
  for (let t = 0; t < 16; t++) {
    w[t] = (block[t * 4] << 24) | (block[t * 4 + 1] << 16) | (block[t * 4 + 2] << 8) | block[t * 4 + 3];
  }
  for (let t = 16; t < 64; t++) {
    const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
    const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = state[0],
    b = state[1],
    c = state[2],
    d = state[3];
  let e = state[4],
    f = state[5],
    g = state[6],
    h = state[7];
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

/** SHA-256 over the concatenation of `parts` into out[0..32). */
export function sha256Parts(parts: readonly Uint8Array[], lengths: readonly number[], out: Uint8Array): void {
  const state = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const block = new Uint8Array(BLOCK_BYTES);
  const w = new Uint32Array(64);
  let used = 0;
  let total = 0;
  for (let part = 0; part < parts.length; part++) {
    for (let index = 0; index < lengths[part]; index++) {
      block[used++] = parts[part][index];
      if (used === BLOCK_BYTES) {
        compress(state, block, w);
        used = 0;
      }
    }
    total += lengths[part];
  }
  block[used++] = 0x80;
  if (used > 56) {
    block.fill(0, used);
    compress(state, block, w);
    used = 0;
  }
  block.fill(0, used);
  const bits = total * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  for (let index = 0; index < 4; index++) {
    block[56 + index] = (high >>> (24 - index * 8)) & 0xff;
    block[60 + index] = (bits >>> (24 - index * 8)) & 0xff;
  }
  compress(state, block, w);
  for (let index = 0; index < 8; index++) {
    out[index * 4] = state[index] >>> 24;
    out[index * 4 + 1] = (state[index] >>> 16) & 0xff;
    out[index * 4 + 2] = (state[index] >>> 8) & 0xff;
    out[index * 4 + 3] = state[index] & 0xff;
  }
  // The message (a card number, a key) must not linger in garbage the heap keeps for a while.
  block.fill(0);
  w.fill(0);
  state.fill(0);
}

export function hmacSha256Parts(key: Uint8Array, data: Uint8Array, length: number, out: Uint8Array): void {
  const keyBlock = new Uint8Array(BLOCK_BYTES);
  if (key.length > BLOCK_BYTES) sha256Parts([key], [key.length], keyBlock);
  else keyBlock.set(key);
  const pad = new Uint8Array(BLOCK_BYTES);
  for (let index = 0; index < BLOCK_BYTES; index++) pad[index] = keyBlock[index] ^ 0x36;
  const inner = new Uint8Array(32);
  sha256Parts([pad, data], [BLOCK_BYTES, length], inner);
  for (let index = 0; index < BLOCK_BYTES; index++) pad[index] = keyBlock[index] ^ 0x5c;
  sha256Parts([pad, inner], [BLOCK_BYTES, 32], out);
  keyBlock.fill(0);
  pad.fill(0);
  inner.fill(0);
}
