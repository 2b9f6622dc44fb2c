// Real serial I/O through a pty pair: serialport on the slave path, the master as a SerialLine.
import assert from 'node:assert/strict';
import { openPtyPair, type PtyPair } from '../../hal/node/pty-pair';
import { openSerialLine, SERIAL_TRANSMIT_QUEUE_BYTES, type NodeSerialLine } from '../../hal/node/serial-port';
import type { SerialLine } from '../../hal/ports';

const WAIT_LIMIT_MS = 3000;

/** Reads from `line` until `expectedBytes` bytes came or the limit passed. */
async function receive(line: SerialLine, expectedBytes: number): Promise<Uint8Array> {
  const received = new Uint8Array(expectedBytes + 64);
  const chunk = new Uint8Array(256);
  let count = 0;
  const startMs = Date.now();
  while (count < expectedBytes && Date.now() - startMs < WAIT_LIMIT_MS) {
    const got = line.read(chunk);
    if (got === 0) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    received.set(chunk.subarray(0, Math.min(got, received.length - count)), count);
    count += got;
  }
  // Anything extra (an echo, a CR/LF mapping) must show up too: wait a moment and read again.
  await new Promise((resolve) => setTimeout(resolve, 20));
  count += line.read(received.subarray(count));
  return received.subarray(0, count);
}

/** Every byte value, the control characters a cooked tty would eat or map among them. */
function everyByte(): Uint8Array {
  const bytes = new Uint8Array(256);
  for (let value = 0; value < 256; value++) bytes[value] = 255 - value;
  return bytes;
}

describe('serial line over a pty pair (hal/node)', function () {
  this.timeout(10_000);
  let pair: PtyPair | undefined;
  let line: NodeSerialLine | undefined;

  beforeEach(async () => {
    pair = openPtyPair();
    assert.match(pair.path, /^\/dev\//);
    line = await openSerialLine(pair.path, 9600);
  });

  afterEach(async () => {
    await line?.close();
    pair?.master.close();
    line = undefined;
    pair = undefined;
  });

  it('carries every byte value from the slave (serialport) to the master unchanged', async () => {
    const bytes = everyByte();
    assert.equal(line!.write(bytes, bytes.length), true);
    assert.deepEqual(await receive(pair!.master, bytes.length), bytes);
  });

  it('carries every byte value from the master to the slave unchanged, no echo', async () => {
    const bytes = everyByte();
    assert.equal(pair!.master.write(bytes, bytes.length), true);
    assert.deepEqual(await receive(line!, bytes.length), bytes);
    assert.equal(pair!.master.read(new Uint8Array(16)), 0, 'nothing echoed back to the master');
  });

  it('writes only the first `length` bytes, and both ways at once', async () => {
    const toMaster = Uint8Array.of(0x02, 0x03, 0x06, 0x33, 0xda, 0x81, 0xee, 0xee);
    const toSlave = Uint8Array.of(0x02, 0x03, 0x06, 0x00, 0xc2, 0x82, 0xee);
    assert.equal(line!.write(toMaster, 6), true);
    assert.equal(pair!.master.write(toSlave, 6), true);
    assert.deepEqual(await receive(pair!.master, 6), toMaster.subarray(0, 6));
    assert.deepEqual(await receive(line!, 6), toSlave.subarray(0, 6));
  });

  it('refuses a write larger than its queue whole, never in part', async () => {
    const tooBig = new Uint8Array(SERIAL_TRANSMIT_QUEUE_BYTES + 1);
    assert.equal(line!.write(tooBig, tooBig.length), false);
    assert.equal(line!.write(tooBig, 0), true);
    // Proof without a wait: the next write's bytes are the first the far end gets.
    const marker = Uint8Array.of(0x5a, 0xa5, 0x3c);
    assert.equal(line!.write(marker, marker.length), true);
    assert.deepEqual(await receive(pair!.master, marker.length), marker, 'a refused write sends nothing');
  });

  it('keeps order across many small writes both ways (2 000 bytes each)', async () => {
    const total = 2000;
    const sent = new Uint8Array(total);
    for (let index = 0; index < total; index++) sent[index] = (index * 37) & 0xff;
    for (let offset = 0; offset < total; offset += 50) {
      assert.equal(line!.write(sent.subarray(offset), 50), true);
      assert.equal(pair!.master.write(sent.subarray(offset), 50), true);
    }
    assert.deepEqual(await receive(pair!.master, total), sent);
    assert.deepEqual(await receive(line!, total), sent);
  });
});
