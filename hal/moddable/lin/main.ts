// The Linux board's entry: the same firmware and the same board (hal/moddable/board.ts) as the
// ESP32, on Moddable's Linux runtime (mcconfig -p lin, run headless by tools/moddable/lin-host).
// The SDK's own modules wherever it has them on Linux: ECMA-419 serial on ttys (ptys made by
// the test harness), TCP, the TLS socket and the HTTP client in the Worker, preferences, timers.
// Stand-ins only where it has none: the flash partition is a file (flash-file.ts) and the keypad
// reads characters from a tty (line-keypad.ts). Screens and faults go to the trace (stdout).
import config from 'mc/config';
import Debug from 'debug';
import Instrumentation from 'instrumentation';
import Timer from 'timer';
import { startFirmware } from 'src/firmware';
import { CONSOLE_BAUD, DEVICE_BAUD, makeModdableBoard } from 'hal/moddable/board';
import { boardConfig } from 'hal/moddable/config';
import { LineKeypad } from 'hal/moddable/lin/line-keypad';
import { ModdableSerialLine } from 'hal/moddable/serial';

const runDirectory = String(config.linuxRunDirectory);

const board = makeModdableBoard(({ onFault }) => {
  const line = (name: string, baud: number, receiveRingBytes: number, transmitRingBytes: number) =>
    new ModdableSerialLine({
      where: { device: `${runDirectory}/${name}.tty` },
      takesViews: false,
      baud,
      receiveRingBytes,
      transmitRingBytes,
      onFault,
    });
  return {
    name: `linux ${boardConfig.atmId}`,
    validatorLine: line('validator', DEVICE_BAUD, 512, 512),
    cardReaderLine: line('card-reader', DEVICE_BAUD, 512, 512),
    consoleLine: line('console', CONSOLE_BAUD, 256, 4096),
    keypad: new LineKeypad(line('keypad', DEVICE_BAUD, 64, 16)),
    writeDiagnosticLine: (text) => trace(text),
  };
});
trace(`[board] ${board.name} started\n`);
startFirmware(board);
reportHeap();

/**
 * The main machine's live heap as the SDK counts it (an instrumented build, mcconfig -i): every
 * quarter second a garbage collection, then the slots and chunk bytes still in use; a line
 * whenever either reaches a new high, so the test can say how much of the ESP32's 4 928 slots
 * the firmware needs. XS's slot is four pointers: 32 bytes here, 16 on the ESP32 — the count is
 * what compares. (Without the collection the figure is the heap's fill level, garbage included.)
 */
function reportHeap(): void {
  const SLOT_BYTES_64_BIT = 32;
  const HEAP_SAMPLE_MS = 250;
  const slotItem = Instrumentation.map('XS Slot Heap Used');
  const chunkItem = Instrumentation.map('XS Chunk Heap Used');
  if (slotItem === undefined || chunkItem === undefined) return;
  const peak = { slots: 0, chunkBytes: 0 };
  Timer.repeat(() => {
    Debug.gc();
    const slots = Math.round((Instrumentation.get(slotItem) ?? 0) / SLOT_BYTES_64_BIT);
    const chunkBytes = Instrumentation.get(chunkItem) ?? 0;
    if (slots <= peak.slots && chunkBytes <= peak.chunkBytes) return;
    peak.slots = Math.max(peak.slots, slots);
    peak.chunkBytes = Math.max(peak.chunkBytes, chunkBytes);
    trace(`[heap] peak live ${peak.slots} slots, ${peak.chunkBytes} chunk bytes\n`);
  }, HEAP_SAMPLE_MS);
}
