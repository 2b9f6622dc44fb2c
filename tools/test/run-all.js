#!/usr/bin/env node
// `npm test`: the Node suite, then the core suite inside the XS engine (its own process:
// XS's parent needs lockdown, which breaks sinon's fake timers). Ends with one line
// "N passed, N failed" over both.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const mocha = path.join(root, 'node_modules/mocha/bin/mocha.js');
const suites = [
  { name: 'node', args: [] },
  { name: 'xs', args: ['--config', 'test/xs/.mocharc.json'] },
];

let passed = 0;
let failed = 0;
let broken = false;
for (const suite of suites) {
  const run = spawnSync(process.execPath, [mocha, '--reporter', 'spec', ...suite.args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(run.stdout);
  const passing = /(\d+) passing/.exec(run.stdout);
  const failing = /(\d+) failing/.exec(run.stdout);
  passed += passing ? Number(passing[1]) : 0;
  failed += failing ? Number(failing[1]) : 0;
  if (run.status !== 0 && !failing) {
    broken = true;
    console.log(`suite ${suite.name} exited with ${run.status} before reporting`);
  }
  if (!passing) broken = true;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken ? 1 : 0);
