// The core test suite (test/core) as one JavaScript module for Moddable's runtime: the tests,
// their simulators and rigs bundled by esbuild, with every import of the firmware (src/ and
// hal/ports) left as an import of the module of that name, so the tests run against the
// firmware exactly as mcconfig compiled and xsl preloaded it — not against a second copy.
import { build } from 'esbuild';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../tools/moddable/sdk.mjs';

/** Imports that resolve to the firmware become module names (XS resolves them by name). */
const firmwareAsModules = {
  name: 'firmware-as-modules',
  setup(builder) {
    builder.onResolve({ filter: /^\.{1,2}\// }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path).replace(/\.ts$/, '');
      const relative = path.relative(projectRoot, resolved).split(path.sep).join('/');
      if (relative === 'hal/ports' || relative.startsWith('src/')) return { path: relative, external: true };
      return undefined;
    });
  },
};

/** Writes `<outputDir>/core-tests.js`: registers every core test; its `runCases` runs them. */
export async function bundleCoreTests(outputDir) {
  const files = readdirSync(path.join(projectRoot, 'test/core'), { recursive: true })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `./test/core/${name.split(path.sep).join('/')}`)
    .sort();
  mkdirSync(outputDir, { recursive: true });
  await build({
    stdin: {
      contents: ["export { runCases } from './test/xs/mocha-shim';", ...files.map((file) => `import '${file}';`)].join(
        '\n',
      ),
      resolveDir: projectRoot,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    outfile: path.join(outputDir, 'core-tests.js'),
    alias: { 'node:assert/strict': path.join(projectRoot, 'test/xs/assert-shim.ts') },
    plugins: [firmwareAsModules],
    logLevel: 'silent',
  });
  return { files: files.length, module: path.join(outputDir, 'core-tests.js') };
}
