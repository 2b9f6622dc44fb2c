// The core test suite on Moddable's runtime (test/moddable/core.test.ts): the firmware modules
// as mcconfig compiled and xsl preloaded them, the tests and their simulators bundled into the
// module `core-tests` (test/moddable/support/core-bundle.mjs). One `[result] {json}` line per case,
// then `exit 0` once every case has run (the verdicts are the results, not the exit status).
import { runCases } from 'core-tests';

declare const screen: { postMessage(message: string): void };

runCases().then(
  (results: readonly { title: string; ok: boolean; error: string }[]) => {
    for (const result of results) trace(`[result] ${JSON.stringify(result)}\n`);
    screen.postMessage('exit 0');
  },
  (error: unknown) => {
    trace(`[result] ${JSON.stringify({ title: 'the suite itself', ok: false, error: String(error) })}\n`);
    screen.postMessage('exit 1');
  },
);
