// Runs the core tests (test/core) inside the real XS engine and reports each as a mocha test.
import { readdirSync } from 'node:fs';
import { bundleForXs } from '../../tools/xs/bundle.mjs';
import { startXs } from '../../tools/xs/engine.mjs';

const files = readdirSync('test/core', { recursive: true })
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `test/core/${name}`)
  .sort();
const entry = [
  "import { runCases } from './test/xs/mocha-shim';",
  ...files.map((file) => `import './${file}';`),
  'runCases().then((results) => issueCommand(new TextEncoder().encode(JSON.stringify(results)).buffer));',
].join('\n');

async function runInXs() {
  let results = [];
  const worker = await startXs((message) => {
    results = message;
  });
  try {
    await worker.evaluate(await bundleForXs(entry));
  } finally {
    await worker.close();
  }
  return results;
}

// Mocha's --delay: the tests are known only once XS has run them, then run() starts mocha.
runInXs().then(
  (results) => {
    describe('core tests inside the XS engine', () => {
      it('found the core tests', () => {
        if (results.length === 0) throw new Error('no core test reported from XS');
      });
      for (const result of results) {
        it(result.title, () => {
          if (!result.ok) throw new Error(result.error);
        });
      }
    });
    run();
  },
  (error) => {
    describe('core tests inside the XS engine', () => {
      it('started XS and ran the bundle', () => {
        throw error;
      });
    });
    run();
  },
);
