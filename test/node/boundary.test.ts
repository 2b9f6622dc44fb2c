import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

// src/ is pure firmware: it imports only hal/ports and itself, and reaches time, randomness,
// bytes and the network only through ports, so it runs unchanged on XS and in simulation.
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bDate\.now\b/, 'Date.now (use the Clock port)'],
  [/\bnew Date\b/, 'new Date (use the Clock port)'],
  [/\bMath\.random\b/, 'Math.random (use the Random port)'],
  [/\bset(Timeout|Interval|Immediate)\b/, 'timers (use the scheduler)'],
  [/\bBuffer\b/, 'Buffer (use Uint8Array)'],
  [/\bprocess\./, 'process (Node only)'],
  [/\brequire\s*\(/, 'require'],
  [/\bimport\s*\(/, 'dynamic import'],
];

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]/g;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source))
    specifiers.push(match[1] ?? match[2]);
  return specifiers;
}

/** The boundary violations in one source file under `srcRoot`, as readable lines. */
function boundaryViolations(filePath: string, source: string, srcRoot: string): string[] {
  const problems: string[] = [];
  const portsPath = path.resolve(srcRoot, '../hal/ports');
  for (const specifier of importsOf(source)) {
    const resolved = specifier.startsWith('.')
      ? path.resolve(path.dirname(filePath), specifier).replace(/\.ts$/, '')
      : undefined;
    const inside = resolved !== undefined && (resolved === portsPath || resolved.startsWith(srcRoot + path.sep));
    if (!inside) problems.push(`${filePath}: imports '${specifier}'`);
  }
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const [pattern, what] of FORBIDDEN) {
    if (pattern.test(code)) problems.push(`${filePath}: uses ${what}`);
  }
  return problems;
}

function sourceFiles(directory: string): string[] {
  return fs
    .readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(directory, name));
}

describe('firmware boundary (src/ is pure)', () => {
  const srcRoot = path.resolve(__dirname, '../../src');

  it('src/ imports only hal/ports and itself, and uses no platform facility', () => {
    const problems = sourceFiles(srcRoot).flatMap((file) =>
      boundaryViolations(file, fs.readFileSync(file, 'utf8'), srcRoot),
    );
    assert.deepEqual(problems, []);
  });

  it('catches each kind of violation (a test of the test)', () => {
    const file = path.join(srcRoot, 'loop/example.ts');
    const check = (source: string) => boundaryViolations(file, source, srcRoot);
    assert.deepEqual(check("import { Clock } from '../../hal/ports';\nimport { assert } from '../assert';"), []);
    assert.equal(check("import fs from 'node:fs';").length, 1);
    assert.equal(check("import { Timer } from 'timer';").length, 1);
    assert.equal(check("import { NorFlashEmulator } from '../../hal/sim/nor-flash';").length, 1);
    assert.equal(check("export { x } from '../../tools/bank/server';").length, 1);
    assert.equal(check("import '../../hal/node/serial';").length, 1);
    assert.equal(check('const t = Date.now();').length, 1);
    assert.equal(check('const r = Math.random();').length, 1);
    assert.equal(check('setTimeout(() => 0, 5);').length, 1);
    assert.equal(check('const b = Buffer.from([1]);').length, 1);
    assert.equal(check('const e = process.env;').length, 1);
    assert.equal(check("const m = require('fs');").length, 1);
    assert.deepEqual(check('// Date.now() is not used here'), []);
  });
});

describe('the repository cites itself', () => {
  // A clone of the project alone has no ../shared and no /work: code and docs cite docs/.
  // The one place that names ../shared is the build's fallback for the vendored Moddable SDK.
  const root = path.resolve(__dirname, '../..');
  const ALLOWED = new Set([
    'tools/moddable/sdk.mjs',
    'tools/moddable/setup.mjs',
    'README.md',
    'docs/board.md',
    '.ci/run',
    'test/node/boundary.test.ts',
  ]);
  const files = ['src', 'hal', 'tools', 'test', 'docs', '.ci']
    .flatMap((folder) =>
      fs
        .readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
        .map((name) => `${folder}/${name.split(path.sep).join('/')}`),
    )
    .concat(['README.md'])
    .filter(
      (name) =>
        /\.(ts|mjs|js|c|md|json)$|^\.ci\/run$/.test(name) && !name.includes('node_modules') && !ALLOWED.has(name),
    );

  it('no source or document cites ../shared or a machine path', () => {
    const citing = files.filter((name) =>
      /\.\.\/shared\/|\/work\/(shared|main)|DESIGN\.md|PRODUCT\.md/.test(
        fs.readFileSync(path.join(root, name), 'utf8'),
      ),
    );
    assert.deepEqual(citing, []);
  });
});
