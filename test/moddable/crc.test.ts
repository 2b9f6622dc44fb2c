import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc16Kermit, crc32 } from '../../src/crc';
import { type AppResult, linuxProvisioning, linuxTools, resultsOf } from './kit';
import { CRC_CASES, CrcCases } from './crc/vectors';

// The board's Crc port — the SDK's CRC16 for CCNET and the project's native CRC-32 (on the ESP32
// ESP-IDF's ROM esp_rom_crc32_le; on this Linux board a table in C with its convention) — on
// Moddable's own runtime (test/moddable/crc), against the published check values and against the
// firmware's TypeScript CRCs: in the same engine, and here on Node over the same random buffers.

describe("the board's native CRCs on Moddable's runtime (test/moddable/crc)", function () {
  this.timeout(600_000);
  let results: AppResult[] = [];
  let exitStatus = -1;
  let output: string[] = [];

  before(async () => {
    const tools = await linuxTools();
    if (!tools.sdkReady()) throw new Error('the Moddable SDK is not set up: run `npm run moddable:setup`');
    const { provisionDir } = linuxProvisioning(tools.cacheRoot());
    const build = await tools.buildLinuxApp({
      name: 'crc',
      manifest: 'test/moddable/crc/manifest.json',
      env: { ATM_PROVISION: provisionDir },
    });
    const runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'linux-crc-'));
    try {
      const exited = await tools.runLinuxApp(build.library, { timeoutSeconds: 120, cwd: runDirectory }).exited;
      exitStatus = exited.status;
      output = exited.lines;
      results = resultsOf(exited.lines);
    } finally {
      fs.rmSync(runDirectory, { recursive: true, force: true });
    }
  });

  const step = (name: string) =>
    results.find((entry) => entry.step === name) ?? assert.fail(`no ${name} result:\n${output.join('\n')}`);

  it('ran to the end', () => {
    assert.equal(exitStatus, 0, output.join('\n'));
  });

  it('gives the published check values for "123456789": CRC-16/KERMIT 0x2189, CRC-32/ISO-HDLC 0xCBF43926', () => {
    assert.deepEqual(step('check'), { step: 'check', crc16Kermit: 0x2189, crc32: 0xcbf43926 });
  });

  it('answers as the TypeScript CRCs in the same engine on every random buffer and range, a CRC-32 continued from a previous result included', () => {
    assert.deepEqual(step('summary'), {
      step: 'summary',
      cases: CRC_CASES,
      mismatches: 0,
      firstMismatch: '',
      rangeErrors: 3,
    });
  });

  it('answers as the TypeScript CRCs on Node over the same buffers', () => {
    const board = results.filter((entry) => entry.step === 'cases').flatMap((entry) => entry.crcs as number[][]);
    assert.equal(board.length, CRC_CASES);
    const cases = new CrcCases();
    const desk = Array.from({ length: CRC_CASES }, () => {
      const { bytes, start, end } = cases.next();
      const whole = crc32(0, bytes, start, end);
      return [crc16Kermit(bytes, start, end), whole, whole];
    });
    assert.deepEqual(board, desk);
  });
});
