import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileNorFlash } from '../../hal/node/file-flash';
import { HEADER_BYTES } from '../../src/ledger/format';
import { Ledger } from '../../src/ledger/ledger';
import { inspectImage } from '../../tools/ledger/inspect';

const GEOMETRY = { sizeBytes: 16 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 };

describe('file-backed NOR image (the ledger across npm start restarts)', () => {
  let directory = '';
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('creates an erased image and keeps the NOR rules: 1 -> 0 only, pages, bounds', () => {
    const flash = new FileNorFlash(path.join(directory, 'flash.img'), { geometry: GEOMETRY });
    try {
      assert.equal(fs.statSync(flash.path).size, GEOMETRY.sizeBytes);
      assert.equal(flash.program(0, new Uint8Array([0x0f]), 1), 'ok');
      assert.equal(flash.program(0, new Uint8Array([0xf0]), 1), 'ok');
      const byte = new Uint8Array(1);
      assert.equal(flash.read(0, byte, 1), 'ok');
      assert.equal(byte[0], 0x00);
      assert.equal(flash.illegalPrograms, 1);
      assert.equal(flash.program(255, new Uint8Array(2), 2), 'alignment');
      assert.equal(flash.program(GEOMETRY.sizeBytes - 1, new Uint8Array(2), 2), 'bounds');
      assert.equal(flash.eraseSector(4), 'bounds');
      assert.equal(flash.eraseSector(0), 'ok');
      flash.read(0, byte, 1);
      assert.equal(byte[0], 0xff);
    } finally {
      flash.close();
    }
    assert.equal(flash.read(0, new Uint8Array(1), 1), 'io');
    assert.throws(() => new FileNorFlash(flash.path, { geometry: { ...GEOMETRY, sizeBytes: 8192 } }), /8192/);
  });

  it('the ledger written through one process is found whole by the next', () => {
    const file = path.join(directory, 'ledger.img');
    const first = new FileNorFlash(file, { geometry: GEOMETRY });
    let ledger = Ledger.mount(first);
    for (let sessionId = 1; sessionId <= 400; sessionId++) {
      ledger.maintain();
      assert.equal(ledger.append({ kind: 'note-escrowed', sessionId, denominationTenge: 2000 }).ok, true);
    }
    assert.equal(ledger.acknowledge(300).ok, true);
    first.close();
    const second = new FileNorFlash(file, { geometry: GEOMETRY });
    try {
      ledger = Ledger.mount(second);
      assert.deepEqual([ledger.headSequence, ledger.tailSequence, ledger.ackedSequence], [401, 1, 300]);
      const sessions: number[] = [];
      ledger.readFrom(399, 10, (_sequence, record) =>
        sessions.push(record.kind === 'note-escrowed' ? record.sessionId : -1),
      );
      assert.deepEqual(sessions, [399, 400, -1]);
    } finally {
      second.close();
    }
  });

  it('the inspector lists sectors and records and flags a torn record', () => {
    const file = path.join(directory, 'torn.img');
    const flash = new FileNorFlash(file, { geometry: GEOMETRY, durable: false });
    const ledger = Ledger.mount(flash);
    for (let sessionId = 1; sessionId <= 5; sessionId++)
      ledger.append({ kind: 'note-stacked', sessionId, denominationTenge: 500 });
    // A body whose commit mark was never programmed, where record 6 would go.
    const at = ledger.locate(5) + 13;
    flash.program(at + 1, new Uint8Array([0x03, 0x06, 0x00, 0x09]), 4);
    flash.close();
    const lines = inspectImage(new Uint8Array(fs.readFileSync(file)));
    const text = lines.join('\n');
    assert.match(text, /mount: head 5, tail 1, acked 0/);
    const tornAt = HEADER_BYTES + 5 * 13; // five 13-byte note records after the header
    assert.match(
      text,
      new RegExp(
        `^\\s+0\\s+head\\s+valid\\s+1\\s+1\\s+1\\s+5\\s+TORN: a record body without its commit mark at ${tornAt}$`,
        'm',
      ),
    );
    assert.match(text, /#5\s+note-stacked\s+sessionId=5 denominationTenge=500/);
    assert.match(text, /^\s+1\s+free\s+blank/m);
  });
});
