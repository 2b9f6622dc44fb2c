import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyError } from '../../hal/moddable/bank-protocol';
import { ByteRing } from '../../hal/moddable/byte-ring';
import { DigestCrypto } from '../../hal/moddable/digest-crypto';
import { ReconnectBackoff, RECONNECT_DELAY_MS_MAX, RECONNECT_FIRST_DELAY_MS } from '../../hal/moddable/reconnect';
import { ticksElapsedMs } from '../../hal/moddable/ticks';

// The board build's static facts, checked in seconds: the manifests name real files, every
// firmware module is built under the name its relative imports expect and preloaded, every
// import resolves to a project module or a module the Moddable SDK declares (read from the
// SDK's own typings in the cache `npm run moddable:setup` fills), the creation sizes are the
// classic ESP32's, and the partition table gives the ledger its own partition. Building with the
// SDK itself is `npm run build:board` and `npm run test:moddable`.

const root = path.resolve(__dirname, '../..');
type ModuleTable = Record<string, string | string[]>;
interface Manifest {
  modules?: ModuleTable;
  preload?: string[];
  creation?: {
    static: number;
    chunk: { initial: number; incremental: number };
    heap: { initial: number; incremental: number };
    keys: { incremental: number };
  };
  build?: Record<string, string>;
  platforms?: Record<string, { modules?: ModuleTable; preload?: string[] }>;
}
/** The board manifests and the folder their relative paths start from. */
const MANIFESTS = ['manifest.json', 'hal/moddable/manifest_firmware.json', 'hal/moddable/lin/manifest.json'];
const manifests = MANIFESTS.map((file) => ({
  file,
  dir: path.dirname(path.join(root, file)),
  json: JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Manifest,
}));
const firmware = manifests[1].json;

function tablesOf(manifest: Manifest): ModuleTable[] {
  return [manifest.modules ?? {}, ...Object.values(manifest.platforms ?? {}).map((platform) => platform.modules ?? {})];
}

/** Every (module name, repository path without extension) the manifests build from this repository. */
function projectModules(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const { dir, json } of manifests) {
    for (const table of tablesOf(json)) {
      for (const [target, sources] of Object.entries(table)) {
        if (target === '*') continue; // natives compiled in, not importable modules
        for (const source of Array.isArray(sources) ? sources : [sources]) {
          if (source.includes('$(')) continue; // the SDK's own modules
          const relative = path
            .relative(root, path.join(dir, source.replace(/\/\*$/, '')))
            .split(path.sep)
            .join('/');
          if (!source.endsWith('/*')) {
            modules.set(target, relative);
            continue;
          }
          const directory = path.join(root, relative);
          if (!fs.existsSync(directory)) continue; // reported by the existence test
          for (const file of fs.readdirSync(directory)) {
            const match = /^(.+)\.(ts|js)$/.exec(file);
            if (match === null || file.endsWith('.d.ts')) continue;
            modules.set(target.replace('*', match[1]), `${relative}/${match[1]}`);
          }
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
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source))
    specifiers.push(match[1] ?? match[2]);
  return specifiers;
}

function tsFilesUnder(directory: string): string[] {
  return fs
    .readdirSync(path.join(root, directory), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => `${directory}/${name.split(path.sep).join('/')}`.replace(/\.ts$/, ''));
}

/** The SDK tree `npm run moddable:setup` made (tools/moddable/sdk.mjs), if it is there. */
function sdkTree(): string | undefined {
  const cache =
    process.env.ATM_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kaspi-red-atm');
  const sdk = process.env.MODDABLE ?? path.join(cache, 'moddable-48ee02d8cfe0', 'moddable');
  return fs.existsSync(path.join(sdk, 'typings')) ? sdk : undefined;
}

/** Every module specifier the SDK's own typings declare (`declare module "x"`). */
function sdkModules(sdk: string): Set<string> {
  const names = new Set<string>();
  for (const file of fs
    .readdirSync(path.join(sdk, 'typings'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.d.ts'))) {
    for (const match of fs
      .readFileSync(path.join(sdk, 'typings', file), 'utf8')
      .matchAll(/declare module ['"]([^'"]+)['"]/g))
      names.add(match[1]);
  }
  return names;
}

describe('Moddable board build (manifests, partitions, preload)', () => {
  it('every module source the manifests list exists in the repository', () => {
    const missing: string[] = [];
    for (const { file, dir, json } of manifests) {
      for (const table of tablesOf(json)) {
        for (const sources of Object.values(table)) {
          for (const source of Array.isArray(sources) ? sources : [sources]) {
            if (source.includes('$(')) continue;
            const full = path.join(dir, source);
            const exists = source.endsWith('/*')
              ? fs.existsSync(full.slice(0, -2))
              : ['.ts', '.js', '.c'].some((extension) => fs.existsSync(full + extension));
            if (!exists) missing.push(`${file}: ${source}`);
          }
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
    const special = new Set(['main', 'atm/native', 'embedded:storage/flash']);
    const wrongName = [...modules].filter(([name, source]) => !special.has(name) && name !== source);
    assert.deepEqual(wrongName, []);
    const unreachable = [...tsFilesUnder('src'), ...tsFilesUnder('hal/moddable')].filter(
      (file) => !built.has(file) && !file.endsWith('/main'),
    );
    assert.deepEqual(unreachable, [], 'add a "src/<folder>/*" line to hal/moddable/manifest_firmware.json');
  });

  it('every import of a built module resolves to a built module or a module the SDK declares', function () {
    const sdk = sdkTree();
    if (sdk === undefined) this.skip(); // `npm run moddable:setup` first; CI always has it
    const declared = sdkModules(sdk!);
    const modules = projectModules();
    const unresolved: string[] = [];
    for (const [name, source] of modules) {
      const file = sourceOf(source);
      if (file === undefined) continue;
      for (const specifier of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = specifier.startsWith('.') ? path.posix.join(path.posix.dirname(source), specifier) : specifier;
        const known =
          modules.has(target) ||
          [...modules.values()].includes(target) ||
          declared.has(target) ||
          specifier === 'mc/config';
        if (!known) unresolved.push(`${name}: '${specifier}'`);
      }
    }
    assert.deepEqual(unresolved, []);
  });

  it('the XS machine is sized for a classic ESP32 without PSRAM, with fixed heaps', () => {
    const creation = firmware.creation;
    assert.ok(creation !== undefined, 'manifest.json sets creation');
    assert.equal(creation.static, 0, 'ESP32 RAM is discontiguous: fixed chunk and slot heaps instead');
    assert.ok(creation.chunk.initial <= 78848 && creation.chunk.incremental === 0);
    assert.ok(creation.heap.initial <= 4928 && creation.heap.incremental === 0);
    assert.equal(creation.keys.incremental, 0);
  });

  it('preloads every firmware module by name (TypeScript modules are not matched by wildcards), and no firmware module keeps mutable state at module level', () => {
    const preload = new Set(firmware.preload ?? []);
    const missing = ['hal/ports', ...tsFilesUnder('src')].filter((name) => !preload.has(name));
    assert.deepEqual(missing, [], 'list each module in hal/moddable/manifest_firmware.json "preload"');
    assert.ok(
      !(firmware.preload ?? []).some((name) => name.includes('*')),
      'preload wildcards match JavaScript modules only',
    );
    // Module-level lets, and arrays, objects or typed arrays that are not frozen tables, would be read-only after preload.
    const mutable =
      /^(?:export )?(?:let|var) |^(?:export )?const \w+(?:: [^=]+)? = (?:new (?!Error)\w+|\[\]|\{\s*\}|new Array)/;
    const offenders: string[] = [];
    for (const file of tsFilesUnder('src')) {
      fs.readFileSync(path.join(root, `${file}.ts`), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (mutable.test(line)) offenders.push(`${file}.ts:${index + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, []);
  });

  it('the partition table gives the ledger its own 4 KiB-aligned data partition inside 4 MB', () => {
    const partitionsPath = path.join(root, manifests[0].json.build!.PARTITIONS_FILE.replace(/^\.\//, ''));
    const rows = fs
      .readFileSync(partitionsPath, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => line.split(',').map((cell) => cell.trim()));
    const parsed = rows.map(([name, type, subtype, offset, size]) => ({
      name,
      type,
      subtype,
      offset: Number(offset),
      size: Number(size),
    }));
    const ledger = parsed.find((row) => row.name === 'ledger');
    assert.ok(ledger !== undefined, 'no ledger partition');
    assert.equal(ledger.type, 'data');
    assert.equal(ledger.offset % 0x1000, 0);
    assert.equal(ledger.size % 0x1000, 0);
    assert.ok(ledger.size >= 64 * 1024, 'ledger smaller than 16 sectors');
    const sorted = [...parsed].sort((a, b) => a.offset - b.offset);
    for (let index = 1; index < sorted.length; index++) {
      assert.ok(
        sorted[index - 1].offset + sorted[index - 1].size <= sorted[index].offset,
        `${sorted[index - 1].name} overlaps ${sorted[index].name}`,
      );
    }
    const last = sorted[sorted.length - 1];
    assert.ok(last.offset + last.size <= 4 * 1024 * 1024, 'partitions exceed a 4 MB flash');
    const app = parsed.find((row) => row.type === 'app');
    assert.ok(app !== undefined && app.offset % 0x10000 === 0, 'app partitions must be 64 KiB aligned');
  });

  it('the ESP-IDF task watchdog is configured with ESP-IDF v5/v6 names (the v4 CONFIG_ESP_TASK_WDT alone does nothing there)', () => {
    const sdkconfig = fs.readFileSync(path.join(root, 'hal/moddable/sdkconfig/sdkconfig.defaults'), 'utf8');
    const settings = new Map(
      sdkconfig
        .split('\n')
        .filter((line) => /^CONFIG_/.test(line))
        .map((line) => line.split('=') as [string, string]),
    );
    for (const name of ['CONFIG_ESP_TASK_WDT_EN', 'CONFIG_ESP_TASK_WDT_INIT', 'CONFIG_ESP_TASK_WDT_PANIC'])
      assert.equal(settings.get(name), 'y', name);
    assert.ok(Number(settings.get('CONFIG_ESP_TASK_WDT_TIMEOUT_S')) >= 5);
  });

  it('the root typecheck leaves hal/moddable out (it has no Moddable types)', () => {
    const rootConfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
    const included: string[] = rootConfig.include;
    assert.ok(!included.some((entry) => entry === 'hal' || entry.startsWith('hal/moddable') || entry === 'typings'));
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
    // An exception the guarded socket caught before any header is the TLS layer's.
    assert.equal(classifyError('Error', false, true), 'tls');
    assert.equal(classifyError('Error', true, true), 'io');
  });

  it('Wi-Fi retries back off 1 s, 2 s, 4 s … up to a minute, and start over after a good connection', () => {
    const backoff = new ReconnectBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.nextDelayMs());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.equal(delays[0], RECONNECT_FIRST_DELAY_MS);
    assert.ok(delays.every((delay) => delay <= RECONNECT_DELAY_MS_MAX));
    backoff.reset();
    assert.equal(backoff.nextDelayMs(), RECONNECT_FIRST_DELAY_MS);
  });
});
