import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { classifyError } from '../../hal/moddable/bank-protocol';
import { ByteRing } from '../../hal/moddable/byte-ring';
import { DigestCrypto } from '../../hal/moddable/digest-crypto';
import { ticksElapsedMs } from '../../hal/moddable/ticks';

// The board build, checked without the Moddable SDK: the manifest names real files, every
// firmware module is in it under the name its relative imports expect, the partition table
// gives the ledger its own sector-aligned partition, and the adapters typecheck against the
// hand-written Moddable declarations. Plus the adapters' pure parts, on spec vectors.

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8'));

type ModuleTable = Record<string, string | string[]>;

/** Every (module name, source path without extension) the manifest builds from this repository. */
function projectModules(): Map<string, string> {
  const tables: ModuleTable[] = [manifest.modules];
  for (const platform of Object.values(manifest.platforms ?? {}) as { modules?: ModuleTable }[]) {
    if (platform.modules) tables.push(platform.modules);
  }
  const modules = new Map<string, string>();
  for (const table of tables) {
    for (const [target, sources] of Object.entries(table)) {
      for (const source of Array.isArray(sources) ? sources : [sources]) {
        if (source.includes('$(')) continue; // the SDK's own modules
        const relative = source.replace(/^\.\//, '');
        if (!relative.endsWith('/*')) {
          modules.set(target, relative);
          continue;
        }
        const directory = path.join(root, relative.slice(0, -2));
        if (!fs.existsSync(directory)) continue; // reported by the existence test
        for (const file of fs.readdirSync(directory)) {
          const match = /^(.+)\.(ts|js)$/.exec(file);
          if (match === null || file.endsWith('.d.ts')) continue;
          modules.set(target.replace('*', match[1]), `${relative.slice(0, -2)}/${match[1]}`);
        }
      }
    }
  }
  return modules;
}

function sourceOf(relativeNoExtension: string): string | undefined {
  for (const extension of ['.ts', '.js']) {
    const file = path.join(root, relativeNoExtension + extension);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]/g;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) specifiers.push(match[1] ?? match[2]);
  return specifiers;
}

function tsFilesUnder(directory: string): string[] {
  return fs.readdirSync(path.join(root, directory), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => `${directory}/${name.split(path.sep).join('/')}`.replace(/\.ts$/, ''));
}

/** The module names the hand-written declarations provide (what the SDK supplies at build). */
function declaredSdkModules(): Set<string> {
  const names = new Set<string>();
  const directory = path.join(root, 'typings/moddable');
  for (const file of fs.readdirSync(directory).filter((name) => name.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(directory, file), 'utf8');
    for (const match of text.matchAll(/declare module '([^']+)'/g)) names.add(match[1]);
  }
  return names;
}

describe('Moddable board build (manifest, partitions, adapters)', () => {
  it('every module source the manifest lists exists in the repository', () => {
    const missing: string[] = [];
    const tables: ModuleTable[] = [manifest.modules, ...Object.values(manifest.platforms ?? {}).map((platform) => (platform as { modules?: ModuleTable }).modules ?? {})];
    for (const table of tables) {
      for (const sources of Object.values(table)) {
        for (const source of Array.isArray(sources) ? sources : [sources]) {
          if (source.includes('$(')) continue;
          const relative = source.replace(/^\.\//, '');
          const exists = relative.endsWith('/*')
            ? fs.existsSync(path.join(root, relative.slice(0, -2)))
            : ['.ts', '.js', '.c'].some((extension) => fs.existsSync(path.join(root, relative + extension)));
          if (!exists) missing.push(source);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('every src/ and hal/moddable/ module is built under the name its path gives it', () => {
    // XS resolves "./x" and "../x" against the importing module's *name*, so a module must be
    // named after its path (src/loop/scheduler), not flattened by a bare "*" target.
    const modules = projectModules();
    const built = new Set(modules.values());
    const wrongName = [...modules].filter(([name, source]) => name !== 'main' && name !== 'atm/native' && name !== source);
    assert.deepEqual(wrongName, []);
    const unreachable = [...tsFilesUnder('src'), ...tsFilesUnder('hal/moddable')].filter((file) => !built.has(file));
    assert.deepEqual(unreachable, [], 'add a "src/<folder>/*": "./src/<folder>/*" line to manifest.json');
    assert.equal(modules.get('main'), 'hal/moddable/main');
    assert.equal(manifest.creation.main, 'main');
  });

  it('every import of a built module resolves to a built module or a declared SDK module', () => {
    const modules = projectModules();
    const sdk = declaredSdkModules();
    const unresolved: string[] = [];
    for (const [name, source] of modules) {
      const file = sourceOf(source);
      if (file === undefined) continue;
      for (const specifier of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = specifier.startsWith('.') ? path.posix.join(path.posix.dirname(name), specifier) : specifier;
        if (!modules.has(target) && !sdk.has(target)) unresolved.push(`${name}: '${specifier}' -> ${target}`);
      }
    }
    assert.deepEqual(unresolved, []);
  });

  it('the XS machine is sized for a classic ESP32 without PSRAM, with fixed heaps', () => {
    const creation = manifest.creation;
    assert.equal(creation.static, 0, 'ESP32 RAM is discontiguous: fixed chunk and slot heaps instead');
    assert.ok(creation.chunk.initial <= 78848 && creation.chunk.incremental === 0);
    assert.ok(creation.heap.initial <= 4928 && creation.heap.incremental === 0);
    assert.equal(creation.keys.incremental, 0);
  });

  it('preloads the firmware into flash, and no firmware module keeps mutable state at module level (preloaded modules are frozen)', () => {
    const preload: string[] = manifest.preload ?? [];
    for (const name of Object.keys(manifest.modules).filter((key) => key.startsWith('src/'))) {
      assert.ok(preload.includes(name), `${name} is not preloaded: its code would take the heap's slots`);
    }
    // Module-level lets, and arrays, objects or typed arrays that are not frozen tables, would be read-only after preload.
    const mutable = /^(?:export )?(?:let|var) |^(?:export )?const \w+(?:: [^=]+)? = (?:new (?!Error)\w+|\[\]|\{\s*\}|new Array)/;
    const offenders: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) visit(full);
        else if (entry.name.endsWith('.ts')) {
          fs.readFileSync(full, 'utf8').split('\n').forEach((line, index) => {
            if (mutable.test(line)) offenders.push(`${path.relative(root, full)}:${index + 1}: ${line.trim()}`);
          });
        }
      }
    };
    visit(path.join(root, 'src'));
    assert.deepEqual(offenders, []);
  });

  it('the partition table gives the ledger its own 4 KiB-aligned data partition inside 4 MB', () => {
    const partitionsPath = path.join(root, manifest.build.PARTITIONS_FILE.replace(/^\.\//, ''));
    const rows = fs.readFileSync(partitionsPath, 'utf8').split('\n')
      .map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => line.split(',').map((cell) => cell.trim()));
    const parsed = rows.map(([name, type, subtype, offset, size]) => ({ name, type, subtype, offset: Number(offset), size: Number(size) }));
    const ledger = parsed.find((row) => row.name === 'ledger');
    assert.ok(ledger !== undefined, 'no ledger partition');
    assert.equal(ledger.type, 'data');
    assert.equal(ledger.offset % 0x1000, 0);
    assert.equal(ledger.size % 0x1000, 0);
    assert.ok(ledger.size >= 64 * 1024, 'ledger smaller than 16 sectors');
    const sorted = [...parsed].sort((a, b) => a.offset - b.offset);
    for (let index = 1; index < sorted.length; index++) {
      assert.ok(sorted[index - 1].offset + sorted[index - 1].size <= sorted[index].offset, `${sorted[index - 1].name} overlaps ${sorted[index].name}`);
    }
    const last = sorted[sorted.length - 1];
    assert.ok(last.offset + last.size <= 4 * 1024 * 1024, 'partitions exceed a 4 MB flash');
    const app = parsed.find((row) => row.type === 'app');
    assert.ok(app !== undefined && app.offset % 0x10000 === 0, 'app partitions must be 64 KiB aligned');
  });

  it('the root typecheck leaves hal/moddable out (it has no Moddable types)', () => {
    const rootConfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
    const included: string[] = rootConfig.include;
    assert.ok(!included.some((entry) => entry === 'hal' || entry.startsWith('hal/moddable') || entry === 'typings'));
  });

  it('npm run typecheck:moddable passes (adapters against the hand-written declarations)', function () {
    this.timeout(60_000);
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.moddable.json'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
});

describe('Moddable adapters: pure parts', () => {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));
  const crypto = new DigestCrypto(() => {
    const hash = createHash('sha256');
    return {
      write: (message: ArrayBuffer) => void hash.update(new Uint8Array(message)),
      close: () => new Uint8Array(hash.digest()).buffer,
    };
  });

  it('HMAC-SHA-256 matches RFC 4231 test cases 1, 2 and 6 (long key hashed first)', () => {
    const out = new Uint8Array(32);
    crypto.hmacSha256(new Uint8Array(20).fill(0x0b), ascii('Hi There'), 8, out);
    assert.equal(hex(out), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    crypto.hmacSha256(ascii('Jefe'), ascii('what do ya want for nothing?'), 28, out);
    assert.equal(hex(out), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const longKey = new Uint8Array(131).fill(0xaa);
    const message = ascii('Test Using Larger Than Block-Size Key - Hash Key First');
    crypto.hmacSha256(longKey, message, message.length, out);
    assert.equal(hex(out), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('SHA-256 hashes exactly data[0..length) (FIPS 180-2 "abc")', () => {
    const out = new Uint8Array(32);
    const data = new Uint8Array(16).fill(0x7a);
    data.set(ascii('abc'));
    crypto.sha256(data, 3, out);
    assert.equal(hex(out), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('the serial ring takes writes all-or-none and returns bytes in order across wrap-around', () => {
    const ring = new ByteRing(16);
    const reference: number[] = [];
    const scratch = new Uint8Array(16);
    let next = 0;
    let seed = 7;
    for (let round = 0; round < 500; round++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const writeLength = seed % 12;
      const chunk = Uint8Array.from({ length: writeLength }, () => next++ & 0xff);
      const fits = writeLength <= 16 - reference.length;
      assert.equal(ring.push(chunk, writeLength), fits);
      if (fits) reference.push(...chunk);
      else next -= writeLength;
      const count = ring.pop(scratch, (seed >> 8) % 10);
      assert.deepEqual([...scratch.subarray(0, count)], reference.splice(0, count));
      assert.equal(ring.usedBytes, reference.length);
    }
    assert.throws(() => new ByteRing(100), /power of two/);
  });

  it('Time.ticks differences survive the 32-bit wrap, signed or unsigned', () => {
    assert.equal(ticksElapsedMs(0xffff_fff0, 0x10), 0x20);
    assert.equal(ticksElapsedMs(-16, 16), 32);
    assert.equal(ticksElapsedMs(0x7fff_ffff, -0x8000_0000), 1);
    assert.equal(ticksElapsedMs(1000, 1005), 5);
  });

  it('bank errors sort into tls, connect (before headers) and io (after)', () => {
    assert.equal(classifyError('certificate verify failed', false), 'tls');
    assert.equal(classifyError('TLS alert: handshake_failure', true), 'tls');
    assert.equal(classifyError('connection refused', false), 'connect');
    assert.equal(classifyError('connection reset', true), 'io');
  });
});
