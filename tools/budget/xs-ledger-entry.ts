// Runs inside XS for tools/budget/ledger.mjs: the ledger's flash numbers, and single appends
// and mounts to meter (each call is one evaluate, so its compute is XS's count for it).
import type { Crc } from '../../hal/ports';
import { NativeCrc } from '../../hal/moddable/crc';
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { SOFT_CRC } from '../../src/crc';
import { Ledger } from '../../src/ledger/ledger';
import type { LedgerRecord } from '../../src/ledger/records';
import { formatLedgerNumbers, fullBoardPartition, ledgerNumbers, NUMBERS_GEOMETRY } from './ledger-numbers';

const NOTE: LedgerRecord = { kind: 'note-stacked', sessionId: 123456, denominationTenge: 5000 };
/** CRC-32 results a mount asks for, at most (33 headers and a 4 KiB sector's records need a few hundred). */
const CRC_ANSWERS_MAX = 4096;
let flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
let ledger = Ledger.mount(flash);

/** The TypeScript CRC-32, its answers kept in order (for the board's replay below). */
class RecordingCrc implements Crc {
  readonly answers = new Float64Array(CRC_ANSWERS_MAX);
  count = 0;

  crc16Kermit(bytes: Uint8Array, start: number, end: number): number {
    return SOFT_CRC.crc16Kermit(bytes, start, end);
  }

  crc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
    const answer = SOFT_CRC.crc32(crc, bytes, start, end);
    if (this.count < CRC_ANSWERS_MAX) this.answers[this.count] = answer;
    this.count++;
    return answer;
  }
}

/**
 * The board's Crc port as the mount meets it: hal/moddable/crc.ts's own JavaScript around its
 * native (stood in: tools/budget/board-natives.ts), the answer replayed from a recorded mount of
 * the same flash. Its compute is the board's, plus an array read a call.
 */
class ReplayBoardCrc implements Crc {
  readonly #board = new NativeCrc();
  readonly #answers: Float64Array;
  #next = 0;

  constructor(answers: Float64Array) {
    this.#answers = answers;
  }

  crc16Kermit(bytes: Uint8Array, start: number, end: number): number {
    return SOFT_CRC.crc16Kermit(bytes, start, end);
  }

  crc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
    this.#board.crc32(crc, bytes, start, end);
    return this.#answers[this.#next++];
  }
}

let replay: ReplayBoardCrc | undefined;
let replayHead = 0;

(globalThis as Record<string, unknown>).ledgerBench = {
  numbers(): string {
    return JSON.stringify(formatLedgerNumbers(ledgerNumbers()));
  },
  /** A fresh partition with `count` notes appended (bank acks every 100 so it never fills). */
  reset(count: number): void {
    flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
    ledger = Ledger.mount(flash);
    ledger.maintain();
    for (let index = 1; index <= count; index++) {
      ledger.append(NOTE);
      if (index % 100 === 0) ledger.acknowledge(ledger.headSequence);
    }
  },
  appends(count: number): void {
    for (let index = 0; index < count; index++) ledger.append(NOTE);
  },
  /** The board's partition (128 KiB) full of unacknowledged records; a replay of its mount's CRC-32s made ready. */
  fill(): number {
    flash = fullBoardPartition();
    const recording = new RecordingCrc();
    const recorded = Ledger.mount(flash.snapshot(), { crc: recording });
    if (recording.count > CRC_ANSWERS_MAX) throw new Error(`a mount asked for ${recording.count} CRCs`);
    replay = new ReplayBoardCrc(recording.answers);
    replayHead = recorded.headSequence;
    return recorded.headSequence;
  },
  /** Mounts with the TypeScript CRC (the desk's). */
  mount(): number {
    ledger = Ledger.mount(flash);
    return ledger.headSequence;
  },
  /** Mounts the same partition with the board's Crc port (its natives stood in, answers replayed); once per fill(). */
  mountBoard(): number {
    if (replay === undefined) throw new Error('fill() first');
    ledger = Ledger.mount(flash, { crc: replay });
    replay = undefined;
    if (ledger.headSequence !== replayHead)
      throw new Error(`the replayed mount found head ${ledger.headSequence}, not ${replayHead}`);
    return ledger.headSequence;
  },
};
