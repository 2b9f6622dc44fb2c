// The ledger's layout on flash: a sector header, then records packed one after another.
//
// Sector header (35 bytes at the start of each 4 KiB sector, little-endian):
//   [0..4)   magic "KRLG", programmed LAST: a header counts only once its magic is whole
//   [4]      layout version (2)
//   [5..9)   sector sequence: +1 for each sector the ring opens; the highest is the head
//   [9..13)  first sequence: the sequence of the first record this sector holds
//   [13..17) erase count of this sector (wear, for the technician)
//   The checkpoint: what the ledger knew of the sectors before this one when it opened it, so a
//   mount reads their headers and only the head's records (layout 2; layout 1 scanned them all):
//   [17..21) acknowledged sequence: the newest bank-ack's
//   [21..25) that bank-ack record's own sequence (0: none)
//   [25..29) the newest record that is not a bank-ack (0: none)
//   [29..31) where the records of the sector before this one end (its byte offset)
//   [31..35) CRC-32 of bytes [4..31)
// A header with the magic but another version is a foreign layout: never erased, reported.
import type { Crc, FlashStatus, NorFlash } from '../../hal/ports';
import { getU32, putU32 } from '../bytes';
import { SOFT_CRC } from '../crc';
import { COMMIT_MARK, ParsedRecord, parseRecord, RECORD_SIZE_MAX, STATE_OPEN, STATE_ZAPPED } from './records';

export const SECTOR_MAGIC: readonly number[] = Object.freeze([0x4b, 0x52, 0x4c, 0x47]);
export const LAYOUT_VERSION = 2;
export const HEADER_BYTES = 35;
export const MAGIC_BYTES = 4;
/** The CRC covers the header from its version byte to the CRC. */
const HEADER_CRC_AT = HEADER_BYTES - 4;
/** The sector end offset is a u16: sectors up to 64 KiB. */
export const SECTOR_BYTES_MAX = 0x10000;
/**
 * What a mount zaps (programs to 0x00) after the last whole record of the head sector before
 * appending again: the append a power cut interrupted may have left bytes there that read
 * differently on each read (weak bits), and must never be read as a record later nor be
 * programmed over. One interrupted program touches at most one record, so RECORD_SIZE_MAX
 * bytes cover it; rounded up.
 */
export const ZAP_GUARD_BYTES = 64;
/** The mount's read window: two pages, so a record is always whole inside it. */
export const WINDOW_BYTES = 512;

export type HeaderKind = 'blank' | 'garbage' | 'foreign' | 'valid';

export class SectorHeader {
  kind: HeaderKind = 'blank';
  version = 0;
  sectorSequence = 0;
  firstSequence = 0;
  eraseCount = 0;
  // The checkpoint (see the layout above).
  ackedSequence = 0;
  ackRecordSequence = 0;
  lastDataSequence = 0;
  previousEndOffset = 0;
}

/** Writes `header`'s fields (its kind and version are not read) as a whole header, magic included. */
export function encodeHeader(header: SectorHeader, into: Uint8Array, crc: Crc = SOFT_CRC): void {
  for (let index = 0; index < MAGIC_BYTES; index++) into[index] = SECTOR_MAGIC[index];
  into[4] = LAYOUT_VERSION;
  putU32(into, 5, header.sectorSequence);
  putU32(into, 9, header.firstSequence);
  putU32(into, 13, header.eraseCount);
  putU32(into, 17, header.ackedSequence);
  putU32(into, 21, header.ackRecordSequence);
  putU32(into, 25, header.lastDataSequence);
  into[29] = header.previousEndOffset & 0xff;
  into[30] = header.previousEndOffset >>> 8;
  putU32(into, HEADER_CRC_AT, crc.crc32(0, into, 4, HEADER_CRC_AT));
}

export function parseHeader(bytes: Uint8Array, out: SectorHeader, crc: Crc = SOFT_CRC): void {
  let blank = true;
  for (let index = 0; index < HEADER_BYTES; index++) if (bytes[index] !== 0xff) blank = false;
  let magic = true;
  for (let index = 0; index < MAGIC_BYTES; index++) if (bytes[index] !== SECTOR_MAGIC[index]) magic = false;
  out.version = bytes[4];
  out.sectorSequence = getU32(bytes, 5);
  out.firstSequence = getU32(bytes, 9);
  out.eraseCount = getU32(bytes, 13);
  out.ackedSequence = getU32(bytes, 17);
  out.ackRecordSequence = getU32(bytes, 21);
  out.lastDataSequence = getU32(bytes, 25);
  out.previousEndOffset = bytes[29] | (bytes[30] << 8);
  if (blank) out.kind = 'blank';
  else if (!magic) out.kind = 'garbage';
  else if (bytes[4] !== LAYOUT_VERSION) out.kind = 'foreign';
  else if (getU32(bytes, HEADER_CRC_AT) !== crc.crc32(0, bytes, 4, HEADER_CRC_AT) || !checkpointSound(out))
    out.kind = 'garbage';
  else out.kind = 'valid';
}

/** What a sound header says of itself: sequences from 1, a checkpoint only of records before this sector. */
function checkpointSound(header: SectorHeader): boolean {
  const before = header.firstSequence - 1;
  return (
    header.sectorSequence !== 0 &&
    header.firstSequence !== 0 &&
    header.ackedSequence <= before &&
    header.ackRecordSequence <= before &&
    header.lastDataSequence <= before &&
    (header.ackRecordSequence === 0 || header.ackedSequence < header.ackRecordSequence)
  );
}

/**
 * Why a sector's record stream stopped:
 * full      the sector has no room for another record
 * blank     erased bytes: where the next record goes
 * torn      a record whose commit mark was never programmed, its body partly written
 * commit    a commit mark that is neither erased nor whole (power cut while marking)
 * corrupt   a commit mark over bytes that fail the checks (CRC, ranges)
 * sequence  a whole record with the wrong sequence (stale or a lookalike)
 * limit     the records reach the last one the caller asked for (or go on past it)
 * io        the flash did not answer
 */
export type StreamEnd = 'full' | 'blank' | 'torn' | 'commit' | 'corrupt' | 'sequence' | 'limit' | 'io';

/**
 * Walks one sector's record stream front to back through a fixed window, reading every byte
 * at most once. Zapped bytes (0x00) are stepped over; the stream ends at the first thing that
 * is not the next whole record. Allocates nothing after construction.
 */
export class SectorScanner {
  readonly window = new Uint8Array(WINDOW_BYTES);
  readonly parsed = new ParsedRecord();
  readonly #crc: Crc;
  #flash: NorFlash | undefined = undefined;
  #sectorBase = 0;
  #sectorBytes = 0;
  #windowStart = 0;
  #windowEnd = 0;
  #firstSequence = 0;
  #limitSequence = 0;
  /** Offset in the sector of the next thing to read. */
  position = 0;
  expectedSequence = 0;
  /** After `next()` returned true: the record's offset in the sector and its index in `window`. */
  recordOffset = 0;
  recordWindowIndex = 0;
  zappedBytes = 0;
  end: StreamEnd = 'full';
  bytesRead = 0;

  constructor(crc: Crc = SOFT_CRC) {
    this.#crc = crc;
  }

  /** Starts at `startOffset` (a record boundary) expecting `startSequence` (default: the sector's first). */
  begin(
    flash: NorFlash,
    sectorBase: number,
    sectorBytes: number,
    startOffset: number,
    firstSequence: number,
    limitSequence: number,
    startSequence = firstSequence,
  ): void {
    this.#flash = flash;
    this.#sectorBase = sectorBase;
    this.#sectorBytes = sectorBytes;
    this.#windowStart = startOffset;
    this.#windowEnd = startOffset;
    this.#firstSequence = firstSequence;
    this.#limitSequence = limitSequence;
    this.position = startOffset;
    this.expectedSequence = startSequence;
    this.zappedBytes = 0;
    this.end = 'full';
  }

  /** Moves to the next whole record; false when the stream ends (`end` says why). */
  next(): boolean {
    // Past the last record the caller knows of (a read, not a mount): nothing more to look at.
    if (this.expectedSequence > this.#limitSequence) return this.#stop('limit');
    for (;;) {
      const available = this.#ensure(this.position, RECORD_SIZE_MAX);
      if (available < 0) return this.#stop('io');
      if (available === 0) return this.#stop('full');
      const at = this.position - this.#windowStart;
      const state = this.window[at];
      if (state === STATE_ZAPPED) {
        let zeros = 1;
        while (zeros < available && this.window[at + zeros] === STATE_ZAPPED) zeros++;
        this.position += zeros;
        this.zappedBytes += zeros;
        continue;
      }
      if (state === STATE_OPEN) return this.#stop(this.#blankFrom(at, available) ? 'blank' : 'torn');
      if (state !== COMMIT_MARK) return this.#stop('commit');
      if (!parseRecord(this.window, at, at + available, this.#firstSequence, this.parsed, this.#crc))
        return this.#stop('corrupt');
      if (this.parsed.sequence !== this.expectedSequence) return this.#stop('sequence');
      if (this.parsed.sequence > this.#limitSequence) return this.#stop('limit');
      this.recordOffset = this.position;
      this.recordWindowIndex = at;
      this.position += this.parsed.sizeBytes;
      this.expectedSequence++;
      return true;
    }
  }

  #stop(end: StreamEnd): boolean {
    this.end = end;
    return false;
  }

  #blankFrom(at: number, available: number): boolean {
    for (let index = at; index < at + available; index++) if (this.window[index] !== 0xff) return false;
    return true;
  }

  /**
   * Makes sector bytes [offset, offset + min(need, left)) present in the window; their count, or
   * -1 on a read error. A window that does not hold them is read again from `offset`, straight
   * into the window: the flash read is native on the board, and reading the few bytes the two
   * windows share again costs less than moving them in JavaScript.
   */
  #ensure(offset: number, need: number): number {
    const wanted = Math.min(need, this.#sectorBytes - offset);
    if (wanted <= 0) return 0;
    if (offset >= this.#windowStart && offset + wanted <= this.#windowEnd) return wanted;
    const length = Math.min(WINDOW_BYTES, this.#sectorBytes - offset);
    const status: FlashStatus = (this.#flash as NorFlash).read(this.#sectorBase + offset, this.window, length);
    if (status !== 'ok') {
      this.#windowEnd = this.#windowStart;
      return -1;
    }
    this.bytesRead += length;
    this.#windowStart = offset;
    this.#windowEnd = offset + length;
    return wanted;
  }
}
