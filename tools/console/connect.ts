// `npm run console`: the technician's terminal for the console of the machine on the desk
// (the pty that `npm start` names in data/bench/console.path) or of a real board (--path
// /dev/ttyUSB0). Bridges the serial line to this terminal; Ctrl-] or Ctrl-C quits.
//   npm run console -- --answer <challenge> --secret-file <file>   prints the login answer
//   npm run console -- --login engineer --bench                    logs in with the bench secret
import { openSerialLine, type NodeSerialLine } from '../../hal/node/serial-port';
import type { Role } from '../../src/console/auth';
import { answerChallenge } from './answer';
import { BENCH_CONSOLE_PATH_FILE, readBenchConsolePath } from './bench-path';
import { parseArguments, secretFor, USAGE, type Options } from './client-options';
const POLL_MS = 5;
const STALE_DRAIN_MS = 150;
const CTRL_C = 3;
const CTRL_RIGHT_BRACKET = 0x1d;
const LOGIN_WAIT_MS = 5000;

function printAnswer(options: Options): number {
  const secret = secretFor(options);
  if (secret === undefined)
    return fail('--answer needs a secret (--secret-hex, --secret-file, ATM_CONSOLE_SECRET, or --bench with --login)');
  const result = answerChallenge(options.answer ?? '', secret);
  if (!result.ok) return fail(result.error);
  process.stdout.write(`${result.answer}\n`);
  return 0;
}

function fail(message: string): number {
  process.stderr.write(`console: ${message}\n${USAGE}\n`);
  return 2;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs in by answering the challenge the console prints; returns what the console wrote meanwhile. */
async function autoLogin(
  line: NodeSerialLine,
  role: Role,
  secretHex: string,
  show: (text: string) => void,
): Promise<boolean> {
  const request = Buffer.from(`login ${role}\r`);
  line.write(request, request.length);
  const buffer = new Uint8Array(512);
  let seen = '';
  for (let waitedMs = 0; waitedMs < LOGIN_WAIT_MS; waitedMs += POLL_MS) {
    const count = line.read(buffer);
    if (count > 0) {
      const text = Buffer.from(buffer.subarray(0, count)).toString('latin1');
      show(text);
      seen += text;
      const challenge = /challenge ([0-9a-f:]{39})/.exec(seen);
      if (challenge !== null) {
        const result = answerChallenge(challenge[1], secretHex);
        if (!result.ok) return false;
        const answer = Buffer.from(`${result.answer}\r`);
        line.write(answer, answer.length);
        return true;
      }
      if (/error: /.test(seen)) return false;
    }
    await sleep(POLL_MS);
  }
  return false;
}

async function bridge(options: Options): Promise<number> {
  const path = options.path ?? readBenchConsolePath();
  if (path === undefined)
    return fail(`no --path, and no bench running (${BENCH_CONSOLE_PATH_FILE} is missing): start one with npm start`);
  let line: NodeSerialLine;
  try {
    line = await openSerialLine(path, options.baud);
  } catch (error) {
    return fail(`cannot open ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.stdout.write(`connected to ${path} at ${options.baud} 8N1; Ctrl-] quits\r\n`);
  const buffer = new Uint8Array(512);
  // Whatever the console wrote while nobody had the line open is stale: drop it.
  for (let drainedMs = 0; drainedMs < STALE_DRAIN_MS; drainedMs += POLL_MS) {
    line.read(buffer);
    await sleep(POLL_MS);
  }
  const show = (text: string) => process.stdout.write(text);
  const secret = secretFor(options);
  if (options.login !== undefined) {
    if (secret === undefined)
      return fail('--login needs a secret (--secret-hex, --secret-file, ATM_CONSOLE_SECRET or --bench)');
    if (!(await autoLogin(line, options.login, secret, show)))
      process.stdout.write('\r\n(console: automatic login did not complete)\r\n');
  } else {
    line.write(Uint8Array.of(13), 1); // a fresh prompt
  }
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = async (code: number) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      await line.close();
      resolve(code);
    };
    const timer = setInterval(() => {
      for (let count = line.read(buffer); count > 0; count = line.read(buffer))
        process.stdout.write(buffer.subarray(0, count));
    }, POLL_MS);
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
    process.stdin.on('data', (chunk: Buffer) => {
      if (chunk.includes(CTRL_RIGHT_BRACKET) || chunk.includes(CTRL_C)) {
        process.stdout.write('\r\n');
        void finish(0);
        return;
      }
      // A write is all or none; retry what the line could not take on the next turn.
      const send = () => {
        if (!done && !line.write(chunk, chunk.length)) setTimeout(send, POLL_MS);
      };
      send();
    });
    // Piped input (a script): let the last answers arrive, then stop.
    process.stdin.on('end', () => setTimeout(() => void finish(0), 500));
  });
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2), process.env);
  if (typeof options === 'string') return fail(options);
  if (options.answer !== undefined) return printAnswer(options);
  return bridge(options);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`console: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
