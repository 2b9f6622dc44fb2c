// `npm start`: the machine on the desk. The firmware runs with the validator's simulator on a
// real pty (or `--validator /dev/ttyUSB0` for a real one), the reference bank over real HTTPS
// with mutual TLS, the ledger in data/bench/ledger-flash.img; the bench page shows the screen
// and the hands; the terminal and a pty are the technician console. Ctrl-C stops it cleanly.
import { StdioLine } from '../../hal/node/stdio-line';
import { openPtyPair } from '../../hal/node/pty-pair';
import { removeBenchConsolePath, writeBenchConsolePath } from '../console/bench-path';
import { startDesk } from './desk';
import { startBenchWeb } from './web/server';

const BENCH_PAGE_PORT = 8080;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const terminalLine = new StdioLine(process.stdin, process.stdout);
  const consolePty = openPtyPair(); // the console's second end, for `npm run console`
  writeBenchConsolePath(consolePty.path);
  const desk = await startDesk({
    validator: option('--validator') ?? 'pty',
    bankPort: Number(option('--bank-port') ?? 0),
    consoleLines: [terminalLine, consolePty.master],
  });
  const web = await startBenchWeb(desk.page, { port: Number(option('--port') ?? BENCH_PAGE_PORT) }).catch(() =>
    startBenchWeb(desk.page, { port: 0 }),
  ); // 8080 taken: any free port
  process.stdout.write('Kaspi Red cash-in ATM: the machine on the desk. Type "help"; Ctrl-C stops.\n');
  process.stdout.write(`Bench page: ${web.url}\n`);
  process.stdout.write(`Bank (mutual TLS): ${desk.bankServer!.url}; phone app side: ${desk.bankServer!.appUrl}\n`);
  process.stdout.write(`Validator on ${desk.machine.validator.where}\n`);
  process.stdout.write(
    `Console also on ${consolePty.path} (npm run console); bench login: npm run console -- --login engineer --bench\n`,
  );
  await desk.page.act({ kind: 'console', line: '' }); // the firmware's own prompt again, below these lines

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    removeBenchConsolePath(consolePty.path);
    void Promise.all([web.close(), desk.close()]).finally(() => {
      consolePty.master.close();
      process.stdout.write('\r\nstopped\r\n');
      process.exit(0);
    });
  };
  terminalLine.onInterrupt = shutdown;
  terminalLine.whenInputEnds(() =>
    process.stdout.write(
      `Input closed: the machine runs on; the console is on ${consolePty.path}. Stop it with SIGINT or SIGTERM.\n`,
    ),
  );
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
