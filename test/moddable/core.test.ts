import assert from 'node:assert/strict';
import path from 'node:path';
import { importEsm, linuxProvisioning, linuxTools, resultsOf, root } from './kit';

// The core suite (test/core) inside the XS that Moddable's mcconfig builds, with the firmware
// preloaded by xsl exactly as for the board (hal/moddable/manifest_firmware.json): the same cases
// that run on Node and in xsnap, each reported here as its own test.

interface CaseResult {
  readonly title: string;
  readonly ok: boolean;
  readonly error: string;
}

async function runCoreSuiteOnModdable(): Promise<{ results: CaseResult[]; status: number; lines: string[] }> {
  const tools = await linuxTools();
  if (!tools.sdkReady()) throw new Error('the Moddable SDK is not set up: run `npm run moddable:setup`');
  const { bundleCoreTests } = (await importEsm(path.join(root, 'test/moddable/support/core-bundle.mjs'))) as {
    bundleCoreTests: (outputDir: string) => Promise<unknown>;
  };
  const bundleDir = path.join(tools.buildRoot(), 'core-tests');
  await bundleCoreTests(bundleDir);
  const { provisionDir } = linuxProvisioning(tools.cacheRoot());
  const build = await tools.buildLinuxApp({
    name: 'core',
    manifest: 'test/moddable/core/manifest.json',
    env: { ATM_PROVISION: provisionDir, ATM_CORE_TESTS: bundleDir },
  });
  const run = await tools.runLinuxApp(build.library, { timeoutSeconds: 900, cwd: bundleDir }).exited;
  return { results: resultsOf(run.lines) as unknown as CaseResult[], status: run.status, lines: run.lines };
}

runCoreSuiteOnModdable().then(
  ({ results, status, lines }) => {
    describe("core tests inside Moddable's XS, the firmware preloaded (mcconfig -p lin)", () => {
      it('ran the whole suite and ended itself', () => {
        assert.equal(status, 0, lines.slice(-30).join('\n'));
        assert.ok(results.length > 0, 'no core test reported');
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
    describe("core tests inside Moddable's XS", () => {
      it('built and ran the suite', () => {
        throw error;
      });
    });
    run();
  },
);
