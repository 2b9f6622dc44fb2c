import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn as spawnProcess } from 'node:child_process';
import http from 'node:http';
import { spawn } from 'node-pty';
import fs from 'node:fs';
import { openSerialLine } from '../../hal/node/serial-port';
import { BENCH_CONSOLE_PATH_FILE } from '../../tools/console/bench-path';
import { scanConsoleOutput } from '../core/support/leak-scan';

const root = path.resolve(__dirname, '../..');

/** Talks to the bench's console on its pty; what the firmware answers shows in the terminal too. */
async function checkConsolePty(terminalScreen: () => string): Promise<void> {
  const ttyPath = fs.readFileSync(BENCH_CONSOLE_PATH_FILE, 'utf8').trim();
  assert.match(ttyPath, /^\/dev\//);
  const line = await openSerialLine(ttyPath, 115200);
  try {
    const request = Buffer.from('whoami\r');
    line.write(request, request.length);
    const buffer = new Uint8Array(512);
    let received = '';
    for (let waitedMs = 0; !/not logged in\r\natm> $/.test(received); waitedMs += 20) {
      if (waitedMs > 5000) throw new Error(`no answer on the console pty; got ${JSON.stringify(received)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let count = line.read(buffer); count > 0; count = line.read(buffer))
        received += Buffer.from(buffer.subarray(0, count)).toString('latin1');
    }
    scanConsoleOutput(received, 'npm-start-pty');
    assert.match(terminalScreen(), /whoami\r+\nnot logged in\r+\natm> $/); // the terminal maps \n to \r\n (ONLCR)
  } finally {
    await line.close();
  }
}

describe('npm start (the machine on the desk, in a real terminal)', () => {
  it('is up with a prompt, answers, and exits 0 on Ctrl-C', async () => {
    const terminal = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tools/bench/start.ts'], {
      cwd: root,
      cols: 120,
      rows: 40,
    });
    let screen = '';
    terminal.onData((text) => {
      scanConsoleOutput(text, 'npm-start');
      screen += text;
    });
    const exited = new Promise<number>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
    const waitFor = async (pattern: RegExp) => {
      for (let waitedMs = 0; !pattern.test(screen); waitedMs += 50) {
        if (waitedMs > 15_000) throw new Error(`timed out waiting for ${pattern}; screen: ${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor(/atm> $/);
      terminal.write('version\r');
      await waitFor(/firmware 0\.1\.0\s+atm> $/);
      // The console is also on the pty named in data/bench/console.path (npm run console).
      await checkConsolePty(() => screen);
      terminal.write('\x03');
      assert.equal(await exited, 0);
      assert.equal(fs.existsSync(BENCH_CONSOLE_PATH_FILE), false, 'console.path removed on exit');
    } finally {
      terminal.kill();
    }
  });

  it('runs on with its input closed (a service manager, nohup, a container), and stops on SIGTERM', async () => {
    const child = spawnProcess(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'tools/bench/start.ts', '--port', '0'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let waitedMs = 0; !/Bench page: (http:\S+)/.test(output); waitedMs += 50) {
        if (waitedMs > 30_000 || child.exitCode !== null) throw new Error(`no bench page; output: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const pageUrl = /Bench page: (http:\S+)/.exec(output)![1];
      // Its input is already closed; it must still be serving, not "stopped".
      await new Promise((resolve) => setTimeout(resolve, 500));
      const status = await new Promise<number>((resolve, reject) =>
        http
          .get(pageUrl, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', reject),
      );
      assert.equal(status, 200);
      assert.doesNotMatch(output, /stopped/);
      assert.match(output, /Input closed: the machine runs on/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(output, /stopped/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
