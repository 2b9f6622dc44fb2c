import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node-pty';

const root = path.resolve(__dirname, '../..');

describe('npm start (the machine on the desk, in a real terminal)', () => {
  it('is up with a prompt within seconds, answers, and exits 0 on Ctrl-C', async () => {
    const startedMs = Date.now();
    const terminal = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tools/bench/start.ts'], { cwd: root, cols: 120, rows: 40 });
    let screen = '';
    terminal.onData((text) => { screen += text; });
    const exited = new Promise<number>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
    const waitFor = async (pattern: RegExp) => {
      for (let waitedMs = 0; !pattern.test(screen); waitedMs += 50) {
        if (waitedMs > 15_000) throw new Error(`timed out waiting for ${pattern}; screen: ${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor(/atm> $/);
      const upMs = Date.now() - startedMs;
      assert.ok(upMs < 10_000, `took ${upMs} ms to the prompt`);
      terminal.write('version\r');
      await waitFor(/firmware 0\.1\.0\s+atm> $/);
      terminal.write('\x03');
      assert.equal(await exited, 0);
    } finally {
      terminal.kill();
    }
  });
});
