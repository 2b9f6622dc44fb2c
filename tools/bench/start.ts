// `npm start`: the machine on the desk. The firmware runs on the Node board: the real clock
// and loop timer, the terminal as the technician console, simulated peripherals elsewhere
// (each is replaced by a real part as its issue lands). Ctrl-C stops it cleanly.
import { NodeClock, NodeTicker } from '../../hal/node/clock';
import { StdioLine } from '../../hal/node/stdio-line';
import type { Board } from '../../hal/ports';
import { makeSimBoard } from '../../hal/sim/board';
import { startFirmware } from '../../src/firmware';
// The console (issue 7): also on a pty for `npm run console`, with the bench's login secrets.
import { openPtyPair } from '../../hal/node/pty-pair';
import { removeBenchConsolePath, writeBenchConsolePath } from '../console/bench-path';
import { provisionBenchSecrets } from '../console/bench-secrets';
import { TeeLine } from '../console/tee-line';

const sim = makeSimBoard({ seed: 1 });
const terminalLine = new StdioLine(process.stdin, process.stdout);

// --- console: the terminal and a pty are one console session (issue 7) ---
// BENCH ONLY secrets (tools/console/bench-secrets.ts); a real board has its own, provisioned.
provisionBenchSecrets(sim.settings);
const consolePty = openPtyPair();
writeBenchConsolePath(consolePty.path);
const consoleLine = new TeeLine(terminalLine, consolePty.master);
// --- end console ---

const board: Board = {
  ...sim.board,
  name: 'node-bench',
  clock: new NodeClock(),
  ticker: new NodeTicker(),
  consoleLine,
  system: { restart: () => process.exit(3), heapUsedBytes: () => process.memoryUsage().heapUsed },
};

process.stdout.write('Kaspi Red cash-in ATM: the machine on the desk. Type "help"; Ctrl-C stops.\n');
process.stdout.write(`Console also on ${consolePty.path} (npm run console); bench login: npm run console -- --login engineer --bench\n`);
const firmware = startFirmware(board);

function shutdown(): void {
  firmware.stop();
  consolePty.master.close();
  removeBenchConsolePath(consolePty.path);
  process.stdout.write('\r\nstopped\r\n');
  process.exit(0);
}
terminalLine.onInterrupt = shutdown;
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
