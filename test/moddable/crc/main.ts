// The board's Crc port (hal/moddable/crc.ts: the SDK's CRC16, the project's native CRC-32) on
// Moddable's own Linux runtime, against the firmware's TypeScript CRCs (src/crc.ts) in the same
// engine: the published check values, then CRC_CASES random buffers and ranges (vectors.ts), each
// CRC-32 also in two parts, the second continuing the first. Prints `[result] {json}` lines (the
// board's CRCs in chunks, for the test to compare with Node's) and ends with `exit 0`.
import Timer from 'timer';
import { NativeCrc } from 'hal/moddable/crc';
import { SOFT_CRC } from 'src/crc';
import { CRC_CASES, CrcCases } from 'vectors';

declare const screen: { postMessage(message: string): void };

const CASES_PER_LINE = 50;
const CHECK = new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);

const board = new NativeCrc();
trace(
  `[result] ${JSON.stringify({
    step: 'check',
    crc16Kermit: board.crc16Kermit(CHECK, 0, CHECK.length),
    crc32: board.crc32(0, CHECK, 0, CHECK.length),
  })}\n`,
);

let mismatches = 0;
let firstMismatch = '';
let rangeErrors = 0;
const cases = new CrcCases();
let line: number[][] = [];
for (let index = 0; index < CRC_CASES; index++) {
  const { bytes, start, end, cut } = cases.next();
  const kermit = board.crc16Kermit(bytes, start, end);
  const whole = board.crc32(0, bytes, start, end);
  const parts = board.crc32(board.crc32(0, bytes, start, cut), bytes, cut, end);
  // The same again: the SDK's CRC16 keeps state between calls, the port must not.
  const again = board.crc16Kermit(bytes, start, end);
  const desk = [SOFT_CRC.crc16Kermit(bytes, start, end), SOFT_CRC.crc32(0, bytes, start, end)];
  if (kermit !== desk[0] || again !== desk[0] || whole !== desk[1] || parts !== desk[1]) {
    mismatches += 1;
    if (firstMismatch === '')
      firstMismatch = `case ${index}: board ${[kermit, again, whole, parts].join(' ')}, desk ${desk.join(' ')}`;
  }
  line.push([kermit, whole, parts]);
  if (line.length === CASES_PER_LINE) {
    trace(`[result] ${JSON.stringify({ step: 'cases', from: index + 1 - CASES_PER_LINE, crcs: line })}\n`);
    line = [];
  }
}
for (const [start, end] of [
  [-1, 2],
  [3, 2],
  [0, 10],
]) {
  try {
    board.crc32(0, CHECK, start, end);
  } catch (error) {
    if (error instanceof RangeError) rangeErrors += 1;
  }
}
trace(`[result] ${JSON.stringify({ step: 'summary', cases: CRC_CASES, mismatches, firstMismatch, rangeErrors })}\n`);
// From a timer: the host's main loop, which the verdict quits, starts after this module has run.
Timer.set(() => screen.postMessage('exit 0'), 0);
