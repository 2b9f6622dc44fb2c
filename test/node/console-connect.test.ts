// `npm run console` (tools/console/connect.ts) in a real terminal, against a console on a pty.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { BENCH_CONSOLE_SECRETS_HEX } from '../../tools/console/bench-secrets';
import { parseArguments, secretFor } from '../../tools/console/client-options';
import { consoleLeakReport, scanConsoleOutput } from '../core/support/leak-scan';
import { PtyConsole } from '../support/console-pty-rig';

const root = path.resolve(__dirname, '../..');
const CONNECT = ['-r', 'ts-node/register/transpile-only', 'tools/console/connect.ts'];

describe('npm run console (the technician client)', function () {
  this.timeout(20_000);

  it('--answer prints HMAC-SHA-256(secret, challenge) for the bench secret, and refuses bad input', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [...CONNECT, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ATM_CONSOLE_SECRET: '' },
      });
    const good = run('--answer', '0001:0203:0405:0607:0809:0a0b:0c0d:0e0f', '--login', 'engineer', '--bench');
    // Computed independently (Python's hmac) for the bench engineer secret and bytes 00..0f.
    assert.equal(good.stdout, '0d7d86d7e0392172b3f8dd7b6e5bdd838790f0c3e0ab5cedc53f4e176ac2466b\n');
    assert.equal(good.status, 0);
    const bad = run('--answer', '0001', '--secret-hex', BENCH_CONSOLE_SECRETS_HEX.collector);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /the challenge must be 32 hex digits/);
  });

  it('reads its options: path, baud, role, secret from the flag, the bench or the environment', () => {
    assert.deepEqual(parseArguments(['--path', '/dev/ttyUSB0', '--login', 'collector', '--bench'], {}), {
      path: '/dev/ttyUSB0',
      baud: 115200,
      answer: undefined,
      login: 'collector',
      secretHex: undefined,
      bench: true,
    });
    const fromEnvironment = parseArguments(['--baud', '9600'], { ATM_CONSOLE_SECRET: 'ab' });
    assert.ok(
      typeof fromEnvironment !== 'string' && fromEnvironment.secretHex === 'ab' && fromEnvironment.baud === 9600,
    );
    const bench = parseArguments(['--login', 'collector', '--bench'], { ATM_CONSOLE_SECRET: 'ab' });
    assert.ok(typeof bench !== 'string' && secretFor(bench) === BENCH_CONSOLE_SECRETS_HEX.collector);
    assert.equal(parseArguments(['--login', 'root'], {}), "no role 'root'");
    assert.equal(parseArguments(['--path'], {}), '--path needs a value');
    assert.equal(parseArguments(['--baud', 'fast'], {}), 'the baud rate must be a positive whole number');
    assert.equal(parseArguments(['--frob', 'x'], {}), 'unknown option --frob');
  });

  it('bridges the terminal to the console, logs in by itself, and quits on Ctrl-]', async () => {
    const rig = new PtyConsole();
    let terminal: IPty | undefined;
    try {
      terminal = spawn(process.execPath, [...CONNECT, '--path', rig.pair.path, '--login', 'engineer', '--bench'], {
        cwd: root,
        cols: 120,
        rows: 40,
      });
      let screen = '';
      terminal.onData((text) => {
        scanConsoleOutput(text, 'client');
        screen += text;
      });
      const exited = new Promise<number>((resolve) => terminal!.onExit(({ exitCode }) => resolve(exitCode)));
      const waitFor = async (pattern: RegExp) => {
        for (let waitedMs = 0; !pattern.test(screen); waitedMs += 20) {
          if (waitedMs > 10_000) throw new Error(`timed out waiting for ${pattern}; screen: ${screen}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      // The client's terminal maps \n to \r\n on output (ONLCR), so lines end in \r+\n here.
      await waitFor(/logged in as engineer\r+\natm:engineer> $/);
      assert.match(screen, /^connected to \/dev\/\S+ at 115200 8N1; Ctrl-\] quits/);
      terminal.write('whoami\r');
      await waitFor(/whoami\r+\nengineer \(logged out after 300 s idle\)\r+\natm:engineer> $/);
      terminal.write('\x1d');
      assert.equal(await exited, 0);
    } finally {
      terminal?.kill();
      await rig.close();
    }
  });

  after(() => assert.deepEqual(consoleLeakReport().leaks, []));
});
