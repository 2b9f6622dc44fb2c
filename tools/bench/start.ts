// `npm start`: the machine on the desk. The firmware runs on the Node board: the real clock
// and loop timer, the terminal as the technician console, simulated peripherals elsewhere
// (each is replaced by a real part as its issue lands). Ctrl-C stops it cleanly.
import { NodeClock, NodeTicker } from '../../hal/node/clock';
import { StdioLine } from '../../hal/node/stdio-line';
import type { Board } from '../../hal/ports';
import { makeSimBoard } from '../../hal/sim/board';
import { startFirmware } from '../../src/firmware';

const sim = makeSimBoard({ seed: 1 });
const consoleLine = new StdioLine(process.stdin, process.stdout);
const board: Board = {
  ...sim.board,
  name: 'node-bench',
  clock: new NodeClock(),
  ticker: new NodeTicker(),
  consoleLine,
  system: { restart: () => process.exit(3), heapUsedBytes: () => process.memoryUsage().heapUsed },
};

process.stdout.write('Kaspi Red cash-in ATM: the machine on the desk. Type "help"; Ctrl-C stops.\n');
const firmware = startFirmware(board);

function shutdown(): void {
  firmware.stop();
  process.stdout.write('\r\nstopped\r\n');
  process.exit(0);
}
consoleLine.onInterrupt = shutdown;
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
