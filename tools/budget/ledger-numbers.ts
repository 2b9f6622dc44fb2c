// The ledger's flash cost on a stated workload, computed on the NOR emulator (plain
// TypeScript: runs on Node and inside XS, where tools/budget/ledger.mjs also meters compute).
import { NorFlashEmulator, TYPICAL_TIMINGS } from '../../hal/sim/nor-flash';
import { Ledger } from '../../src/ledger/ledger';
import { payloadBytes } from '../../src/ledger/records';
import { makeWorkload } from '../ledger/workload';
import type { WorkloadOptions } from '../ledger/workload';

export const NUMBERS_GEOMETRY = Object.freeze({ sizeBytes: 64 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 });
/** The board's ledger partition (hal/moddable/partitions.csv): 128 KiB, 32 sectors. Mounted full, at every boot. */
export const BOARD_GEOMETRY = Object.freeze({ sizeBytes: 128 * 1024, sectorSizeBytes: 4096, pageSizeBytes: 256 });
/** The ESP32's SPI flash transfer rate as Moddable configures it (QIO at 80 MHz: four bits a clock), before each read's driver overhead. */
export const BOARD_FLASH_READ_BYTES_PER_MS = 40_000;
/** Workload rounds to fill the board's partition (one does: 2 000 sessions are about twice its size). */
const FILL_ROUNDS_MAX = 4;
export const NUMBERS_WORKLOAD: WorkloadOptions = Object.freeze({
  seed: 2026,
  sessions: 2000,
  notesPerSessionMax: 8,
  ackEverySessions: 1,
});

export interface LedgerNumbers {
  readonly workload: string;
  readonly sessions: number;
  readonly acceptedNotes: number;
  readonly records: number;
  readonly bytesProgrammed: number;
  readonly payloadBytes: number;
  readonly bytesPerNote: number;
  readonly payloadPerNote: number;
  readonly bytesPerSession: number;
  readonly payloadPerSession: number;
  readonly erasesPer1000Notes: number;
  readonly minimumErasesPer1000Notes: number;
  readonly erasesOnAppend: number;
  readonly flashBusyMsPerNote: number;
  readonly fullMountBytesRead: number;
  readonly fullMountReads: number;
  readonly partitionBytes: number;
  readonly fullMountRecords: number;
  readonly mountBytesProgrammed: number;
}

/** Runs the numbers workload (bank up, acks after each session) and a mount of a full partition. */
export function ledgerNumbers(workload: WorkloadOptions = NUMBERS_WORKLOAD): LedgerNumbers {
  const flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
  const ledger = Ledger.mount(flash);
  ledger.maintain(); // the scheduler's ledger task runs before the first customer
  let acceptedNotes = 0;
  let records = 0;
  let payload = 0;
  let noteBytes = 0;
  let notePayload = 0;
  const start = { programmed: flash.bytesProgrammed, erases: flash.totalErases, busyMs: flash.busyMs };
  for (const step of makeWorkload(workload)) {
    if (step.kind === 'maintain') ledger.maintain();
    if (step.kind === 'ack') {
      const before = flash.bytesProgrammed;
      const result = ledger.acknowledge(ledger.headSequence);
      if (result.ok && flash.bytesProgrammed > before) {
        records++;
        payload += payloadBytes({ kind: 'bank-ack', ackedSequence: 0 });
      }
    }
    if (step.kind !== 'append') continue;
    const before = flash.bytesProgrammed;
    if (!ledger.append(step.record).ok) throw new Error('numbers workload: append refused');
    records++;
    payload += payloadBytes(step.record);
    if (step.record.kind === 'note-escrowed' || step.record.kind === 'note-stacked') {
      noteBytes += flash.bytesProgrammed - before;
      notePayload += payloadBytes(step.record);
    }
    if (step.record.kind === 'note-stacked') acceptedNotes++;
  }
  const programmed = flash.bytesProgrammed - start.programmed;
  const erases = flash.totalErases - start.erases;
  const full = fullMount();
  return {
    workload:
      `${workload.sessions} sessions, 1..${workload.notesPerSessionMax} notes each (1 in 40 returned, 1 in 40 in doubt), ` +
      `bank ack after every session, ${NUMBERS_GEOMETRY.sizeBytes / 1024} KiB partition of 4 KiB sectors`,
    sessions: workload.sessions,
    acceptedNotes,
    records,
    bytesProgrammed: programmed,
    payloadBytes: payload,
    bytesPerNote: noteBytes / acceptedNotes,
    payloadPerNote: notePayload / acceptedNotes,
    bytesPerSession: programmed / workload.sessions,
    payloadPerSession: payload / workload.sessions,
    erasesPer1000Notes: (erases * 1000) / acceptedNotes,
    minimumErasesPer1000Notes: ((programmed / NUMBERS_GEOMETRY.sectorSizeBytes) * 1000) / acceptedNotes,
    erasesOnAppend: ledger.erasesOnAppend,
    flashBusyMsPerNote: (flash.busyMs - start.busyMs) / acceptedNotes,
    ...full,
  };
}

/** Fills the board's partition with unacknowledged records (bank down) until full: the most a mount can find. */
export function fullBoardPartition(): NorFlashEmulator {
  const flash = new NorFlashEmulator(BOARD_GEOMETRY);
  const ledger = Ledger.mount(flash);
  for (let round = 0; round < FILL_ROUNDS_MAX; round++) {
    for (const step of makeWorkload({
      ...NUMBERS_WORKLOAD,
      seed: NUMBERS_WORKLOAD.seed + round,
      ackEverySessions: 0,
    })) {
      if (step.kind === 'maintain') ledger.maintain();
      if (step.kind === 'append' && !ledger.append(step.record).ok) return flash;
    }
  }
  throw new Error('the board partition did not fill');
}

/** Mounts the board's partition filled to the last byte. */
function fullMount(): {
  fullMountBytesRead: number;
  fullMountReads: number;
  partitionBytes: number;
  fullMountRecords: number;
  mountBytesProgrammed: number;
} {
  const flash = fullBoardPartition();
  const readBefore = flash.bytesRead;
  const readsBefore = flash.readOperations;
  const programmedBefore = flash.bytesProgrammed;
  const mounted = Ledger.mount(flash);
  return {
    fullMountBytesRead: flash.bytesRead - readBefore,
    fullMountReads: flash.readOperations - readsBefore,
    partitionBytes: BOARD_GEOMETRY.sizeBytes,
    fullMountRecords: mounted.mountReport.recordsFound,
    mountBytesProgrammed: flash.bytesProgrammed - programmedBefore,
  };
}

/** The numbers as rows for `npm run budget`. */
export function formatLedgerNumbers(numbers: LedgerNumbers): [string, string][] {
  const ratio = (value: number, of: number) =>
    `${value.toFixed(1)} B vs ${of.toFixed(1)} B payload (${(value / of).toFixed(2)}x)`;
  return [
    ['ledger workload', numbers.workload],
    ['accepted notes / records', `${numbers.acceptedNotes} / ${numbers.records}`],
    ['flash bytes programmed per accepted note', ratio(numbers.bytesPerNote, numbers.payloadPerNote)],
    ['flash bytes programmed per session', ratio(numbers.bytesPerSession, numbers.payloadPerSession)],
    [
      'erases per 1 000 notes',
      `${numbers.erasesPer1000Notes.toFixed(2)} (minimum for the bytes: ${numbers.minimumErasesPer1000Notes.toFixed(2)})`,
    ],
    ['erases on an append (critical path)', String(numbers.erasesOnAppend)],
    [
      'flash busy time per note',
      `${numbers.flashBusyMsPerNote.toFixed(2)} ms (${TYPICAL_TIMINGS.pageProgramMs} ms/page program, ${TYPICAL_TIMINGS.sectorEraseMs} ms/erase)`,
    ],
    [
      `mount of the board's full ${numbers.partitionBytes / 1024} KiB partition: flash read`,
      `${numbers.fullMountBytesRead} of ${numbers.partitionBytes} B, ${numbers.fullMountReads} reads, ${numbers.fullMountRecords} records; ` +
        `${(numbers.fullMountBytesRead / BOARD_FLASH_READ_BYTES_PER_MS).toFixed(2)} ms at ${BOARD_FLASH_READ_BYTES_PER_MS / 1000} MB/s`,
    ],
    [
      'mount: bytes programmed (pin head; the tail is zapped by the first append)',
      String(numbers.mountBytesProgrammed),
    ],
  ];
}
