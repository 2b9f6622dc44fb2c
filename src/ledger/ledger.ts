// The deposit ledger: a log-structured ring of NOR-flash sectors that survives a power cut
// at any program or erase, and never overwrites a record the bank has not acknowledged.
//
// Shape. Sectors are used in physical ring order; the live ones (tail .. head) carry headers
// with consecutive sector sequences. Records are packed in each sector after its header and
// carry contiguous sequence numbers over the whole ring (format.ts, records.ts).
//
// Write order. An append programs the record body, then its commit mark (one byte at the
// record's start), then reads it back. A sector header is programmed fields first, magic
// last. So a cut leaves either nothing, or bytes that do not parse as a whole record/header.
//
// Mount. Every header, then the head sector's records alone: a sector's header carries a
// checkpoint of what the ledger knew when it opened the sector (the bank's acknowledgement, the
// newest data record, where the sector before it ends), and the sectors before the head were
// whole when the ring moved on from them, so their headers say all a mount needs (format.ts).
// A mount costs the same whatever the ring holds and whether the bank is reachable or not.
// The only bytes a cut can have left half-programmed ("weak": reading differently on each read)
// are at the head's tail, the head's header, or in a sector being erased. So the mount pins
// its decision before any append: it re-programs the head header and the last record's
// commit mark with the same bytes (which settles weak bits), and zaps (programs to 0x00) the
// ZAP_GUARD_BYTES after the last whole record. Where those bytes read erased, the zap waits for
// the first append, so that a boot which writes nothing costs no room: a machine restarted
// again and again while full must still have room for the bank's acknowledgement.
// A sector being erased was the ring's oldest and fully acknowledged; the mount tells that from
// the newer sectors alone and drops it.
//
// Full. When the sector after the head holds records the bank has not acknowledged, the ring
// cannot move on and the head sector's last bytes are all there is. They are kept in tiers: an
// ordinary append (a session opened, a note escrowed, a collection) leaves ACK_RESERVE_BYTES;
// a promised one (what an open session or an escrowed note must still write) leaves
// ACK_LAST_BYTES; a bank-ack leaves ACK_LAST_BYTES too, unless it makes the blocking sector
// reclaimable, which may take the very last bytes. So the acknowledgement that frees the ring
// can always be written, after any number of restarts; the session checks roomBytes() before it
// promises anything (src/session/session.ts).
import type { Crc, FlashStatus, NorFlash } from '../../hal/ports';
import { assert } from '../assert';
import { SOFT_CRC } from '../crc';
import {
  encodeHeader,
  HEADER_BYTES,
  MAGIC_BYTES,
  parseHeader,
  SECTOR_BYTES_MAX,
  SectorHeader,
  SectorScanner,
  ZAP_GUARD_BYTES,
} from './format';
import {
  COMMIT_MARK,
  decodeRecord,
  encodeRecord,
  KIND_BANK_ACK,
  RECORD_SIZE_MAX,
  RECORD_SIZE_MIN,
  recordSizeMax,
  SEQUENCE_MAX,
} from './records';
import type { LedgerRecord } from './records';

export type AppendResult = { ok: true; sequence: number } | { ok: false; error: 'full' | 'io' | 'invalid' };
/**
 * How deep into the full ledger's last room an append may go (see "Full" above): 'ordinary'
 * stops at ACK_RESERVE_BYTES, 'promised' (a record an earlier roomBytes() check promised) at
 * ACK_LAST_BYTES.
 */
export type AppendTier = 'ordinary' | 'promised';

export interface LedgerOptions {
  readonly firstSector?: number;
  readonly sectorCount?: number;
  /** The board's Crc port (native on the board); the firmware's TypeScript CRC by default. */
  readonly crc?: Crc;
}

export interface MountReport {
  /** Records in the live ring: the head's read, the older sectors' counted from their headers' sequences. */
  readonly recordsFound: number;
  /** Things passed over: unreadable or stale sectors, foreign layouts, streams ending in garbage. */
  readonly skipped: number;
  /** Records a power cut interrupted (body without commit mark, or a half-programmed mark). */
  readonly tornRecords: number;
  /** Sectors found erased and unused. The mount itself never erases. */
  readonly sectorsErased: number;
  readonly notes: string[];
}

export interface LedgerStats {
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly freeSectors: number;
  readonly unsyncedRecords: number;
}

export const SECTORS_MAX = 1024;
/**
 * Room an ordinary append leaves in the head sector when the ring cannot wrap (the next sector
 * holds unacknowledged records): for the bank's acknowledgements (a 4 KiB sector of notes is
 * acknowledged in about a dozen batches of 12-byte records) and, below them, for promised
 * records that a power cut or a torn append made cost more than promised (a zap each).
 */
export const ACK_RESERVE_BYTES = 512;
/** A bank-ack record: frame, acknowledged sequence (12 bytes). */
export const BANK_ACK_RECORD_BYTES = recordSizeMax('bank-ack');
/**
 * What every append but the one that frees the ring leaves: the next boot's zap and one
 * bank-ack, so the acknowledgement that makes the blocking sector reclaimable always fits.
 */
export const ACK_LAST_BYTES = ZAP_GUARD_BYTES + BANK_ACK_RECORD_BYTES;
export const NOTES_MAX = 16;
/** Bank-ack records above the ack cursor that unsyncedRecords discounts; more only over-counts. */
export const ACK_RECORDS_TRACKED_MAX = 16;

const SECTOR_FREE = 0; // may hold anything; erase before use
const SECTOR_LIVE = 1;
const SECTOR_ERASED = 2; // erased by this boot, not yet opened
const SECTOR_KEPT = 3; // not ours to erase: a foreign layout, unreadable, or possibly unacknowledged

const FULL = Object.freeze<AppendResult>({ ok: false, error: 'full' });
const IO = Object.freeze<AppendResult>({ ok: false, error: 'io' });
const INVALID = Object.freeze<AppendResult>({ ok: false, error: 'invalid' });

/** Where a record starts in a sector, remembered so a later read need not scan from the header. */
class ResumePoint {
  sector = -1;
  sectorSequence = 0;
  offset = 0;
  sequence = 0;

  set(sector: number, sectorSequence: number, offset: number, sequence: number): void {
    this.sector = sector;
    this.sectorSequence = sectorSequence;
    this.offset = offset;
    this.sequence = sequence;
  }

  clear(): void {
    this.sector = -1;
  }
}

export class Ledger {
  readonly mountReport: MountReport;
  readonly #flash: NorFlash;
  readonly #firstSector: number;
  readonly #sectorCount: number;
  readonly #sectorBytes: number;
  readonly #pageBytes: number;
  readonly #state: Uint8Array;
  readonly #sectorSequence: Uint32Array;
  readonly #firstSequence: Uint32Array;
  readonly #eraseCount: Uint32Array;
  readonly #endOffset: Uint32Array;
  /** From each sector's header: where the records of the sector before it end. */
  readonly #previousEnd: Uint16Array;
  /** 1 for sectors the ring steps over (a foreign layout, never ours to use). */
  readonly #skip: Uint8Array;
  #ringLength = 0;
  readonly #crc: Crc;
  readonly #scanner: SectorScanner;
  /** The head's header as the mount read it (its checkpoint), and a header being written. */
  readonly #headHeader = new SectorHeader();
  readonly #headerFields = new SectorHeader();
  readonly #record = new Uint8Array(RECORD_SIZE_MAX);
  /** The record after its commit mark, as a buffer of its own: the body is programmed from it without a copy. */
  readonly #recordBody = this.#record.subarray(1);
  readonly #readBack = new Uint8Array(RECORD_SIZE_MAX);
  readonly #header = new Uint8Array(HEADER_BYTES);
  readonly #chunk = new Uint8Array(Math.max(ZAP_GUARD_BYTES, RECORD_SIZE_MAX, HEADER_BYTES));
  readonly #ackRecords = new Float64Array(ACK_RECORDS_TRACKED_MAX);
  #ackRecordCount = 0;
  #head = -1;
  #tail = -1;
  #appendOffset = 0;
  #headSequence = 0;
  #ackedSequence = 0;
  #ackRecordSequence = 0;
  /** The newest record that is not a bank-ack (0 if none in the ring): nothing is unsynced once the ack reaches it. */
  #lastDataSequence = 0;
  #failed = false;
  #visiting = false;
  /** The head's tail is not zapped yet this boot: the first append zaps [#zapFrom, #appendOffset) first. */
  #zapPending = false;
  #zapFrom = 0;
  #erasesOnAppend = 0;
  // readFrom's resume points, so an outbox reading forward, or re-reading the batch the bank
  // has not acknowledged yet, does not rescan its sector from the header: where the last read
  // ended, and where it began.
  readonly #resumeAtEnd = new ResumePoint();
  readonly #resumeAtStart = new ResumePoint();
  // Mount's working state: where the head's records end, its last record, the last scan's bank-ack.
  #headEnd = 0;
  #headLastRecord = -1;
  /** The head's records end in erased bytes (or the sector's end): no append was cut there that could read as a record. */
  #headTailBlank = true;
  #scanAckRecord = 0;
  /** The last record of the scanned sector that is not a bank-ack, 0 if none. */
  #scanDataRecord = 0;
  #scanAcked = 0;
  #scanLastRecordOffset = -1;
  // Mount report counters.
  #recordsFound = 0;
  #skipped = 0;
  #tornRecords = 0;
  #blankSectors = 0;
  readonly #notes: string[] = [];

  /** Mounts the ledger in `flash` (default: the whole part). Never throws on any flash content; never erases. */
  static mount(flash: NorFlash, options: LedgerOptions = {}): Ledger {
    return new Ledger(flash, options);
  }

  private constructor(flash: NorFlash, options: LedgerOptions) {
    const geometry = flash.geometry;
    const sectorsInPart = geometry.sizeBytes / geometry.sectorSizeBytes;
    this.#firstSector = options.firstSector ?? 0;
    this.#sectorCount = options.sectorCount ?? sectorsInPart - this.#firstSector;
    this.#sectorBytes = geometry.sectorSizeBytes;
    this.#pageBytes = geometry.pageSizeBytes;
    // Configuration errors are the programmer's, not the flash's: they throw.
    if (
      !Number.isInteger(this.#firstSector) ||
      !Number.isInteger(this.#sectorCount) ||
      this.#firstSector < 0 ||
      this.#sectorCount < 2 ||
      this.#sectorCount > SECTORS_MAX ||
      this.#firstSector + this.#sectorCount > sectorsInPart
    ) {
      throw new RangeError('ledger: sectors out of range (at least 2, inside the part)');
    }
    // The sequence's low 16 bits must be unambiguous within a sector; a guard and a record must fit after the header.
    // A header keeps where a sector's records end as a u16.
    if (
      this.#sectorBytes / RECORD_SIZE_MIN >= 0x10000 ||
      this.#sectorBytes >= SECTOR_BYTES_MAX ||
      HEADER_BYTES + ZAP_GUARD_BYTES + RECORD_SIZE_MAX > this.#sectorBytes
    ) {
      throw new RangeError('ledger: sector size out of range');
    }
    assert(ZAP_GUARD_BYTES >= RECORD_SIZE_MAX, 'zap guard must cover the largest record');
    this.#flash = flash;
    this.#crc = options.crc ?? SOFT_CRC;
    this.#scanner = new SectorScanner(this.#crc);
    this.#state = new Uint8Array(this.#sectorCount);
    this.#sectorSequence = new Uint32Array(this.#sectorCount);
    this.#firstSequence = new Uint32Array(this.#sectorCount);
    this.#eraseCount = new Uint32Array(this.#sectorCount);
    this.#endOffset = new Uint32Array(this.#sectorCount);
    this.#previousEnd = new Uint16Array(this.#sectorCount);
    this.#skip = new Uint8Array(this.#sectorCount);
    this.#mount();
    this.mountReport = Object.freeze({
      recordsFound: this.#recordsFound,
      skipped: this.#skipped,
      tornRecords: this.#tornRecords,
      sectorsErased: this.#blankSectors,
      notes: this.#notes,
    });
  }

  /** Highest committed sequence, 0 when empty. */
  get headSequence(): number {
    return this.#headSequence;
  }

  /** Oldest sequence still readable (headSequence + 1 when empty). */
  get tailSequence(): number {
    return this.#tail < 0 ? this.#headSequence + 1 : Math.min(this.#firstSequence[this.#tail], this.#headSequence + 1);
  }

  /** From the newest bank-ack record, 0 if none; never above headSequence. */
  get ackedSequence(): number {
    return this.#ackedSequence;
  }

  /** True once a flash operation failed: every append answers 'io' until the next mount. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Erases an append had to do itself because maintain() had not erased ahead. */
  get erasesOnAppend(): number {
    return this.#erasesOnAppend;
  }

  /** Appends a record; a full ledger refuses it ('full') when it would go below its tier's floor. */
  append(record: LedgerRecord, tier: AppendTier = 'ordinary'): AppendResult {
    assert(!this.#visiting, 'ledger: append from inside a readFrom visit');
    if (this.#failed) return IO;
    if (typeof record !== 'object' || record === null) return INVALID;
    // Every other record is validated as it is encoded (records.ts encodeRecord).
    if (record.kind === 'bank-ack') return this.acknowledge(record.ackedSequence);
    return this.#write(record, tier === 'promised' ? ACK_LAST_BYTES : ACK_RESERVE_BYTES);
  }

  /**
   * Bytes of records an ordinary append may still write, whatever the bank does meanwhile:
   * a sector's worth less the reserve while the ring can move on, else what is left of the
   * head sector above ACK_RESERVE_BYTES. Records promised against this room fit, restarts included.
   */
  roomBytes(): number {
    if (this.#failed) return 0;
    if (this.#nextSectorAvailable()) return Math.max(0, this.#sectorBytes - HEADER_BYTES - ACK_RESERVE_BYTES); // 0 for sectors too small to keep a reserve
    return Math.max(0, this.#sectorBytes - this.#appendOffset - ACK_RESERVE_BYTES);
  }

  /** Writes a bank-ack record; an ack not above the current one is ignored (ok, no write: the sequence is the bank-ack record that already covers it, 0 if none). */
  acknowledge(ackedSequence: number): AppendResult {
    assert(!this.#visiting, 'ledger: acknowledge from inside a readFrom visit');
    if (this.#failed) return IO;
    if (!Number.isInteger(ackedSequence) || ackedSequence < 0 || ackedSequence > this.#headSequence) return INVALID;
    if (ackedSequence <= this.#ackedSequence) return { ok: true, sequence: this.#ackRecordSequence };
    const result = this.#write(
      { kind: 'bank-ack', ackedSequence },
      this.#freesRing(ackedSequence) ? 0 : ACK_LAST_BYTES,
    );
    if (result.ok) this.#noteAck(result.sequence, ackedSequence);
    return result;
  }

  /** Visits committed records from `fromSequence` (or the tail) in order, at most `countMax`; returns how many. */
  readFrom(fromSequence: number, countMax: number, visit: (sequence: number, record: LedgerRecord) => void): number {
    assert(!this.#visiting, 'ledger: readFrom from inside a readFrom visit');
    if (this.#tail < 0 || !(countMax >= 1) || Number.isNaN(fromSequence)) return 0;
    let sequence = Math.max(Math.ceil(fromSequence), this.tailSequence);
    if (sequence > this.#headSequence) return 0;
    let sector = this.#sectorOf(sequence);
    let visited = 0;
    this.#visiting = true;
    try {
      for (;;) {
        const limit = this.#lastSequenceOf(sector);
        this.#beginScan(sector, limit, sequence);
        while (visited < countMax && this.#scanner.next()) {
          const found = this.#scanner.parsed.sequence;
          if (found < sequence) continue;
          if (visited === 0)
            this.#resumeAtStart.set(sector, this.#sectorSequence[sector], this.#scanner.recordOffset, found);
          visit(found, decodeRecord(this.#scanner.window, this.#scanner.recordWindowIndex));
          visited++;
          sequence = found + 1;
        }
        this.#rememberResume(sector, sequence);
        // A stream that ends short of what the mount found means the flash changed under us.
        if (visited >= countMax || sector === this.#head || sequence !== limit + 1) break;
        sector = this.#next(sector);
      }
    } finally {
      this.#visiting = false;
    }
    return visited;
  }

  /** Bounded background work: erase the sector after the head ahead of need (at most one erase). */
  maintain(): void {
    if (this.#failed) return;
    const next = this.#head < 0 ? this.#firstUsableSector() : this.#next(this.#head);
    if (next < 0 || this.#state[next] === SECTOR_ERASED || this.#state[next] === SECTOR_KEPT) return;
    if (this.#state[next] === SECTOR_LIVE) {
      if (!this.#tailReclaimable()) return;
      this.#dropTail();
    }
    this.#erase(next);
  }

  stats(): LedgerStats {
    let usedBytes = 0;
    let freeSectors = 0;
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      const state = this.#state[sector];
      if (state === SECTOR_LIVE)
        usedBytes += (sector === this.#head ? this.#appendOffset : this.#endOffset[sector]) - HEADER_BYTES;
      if (state === SECTOR_FREE || state === SECTOR_ERASED) freeSectors++;
    }
    let ackRecordsAbove = 0;
    for (let index = 0; index < this.#ackRecordCount; index++)
      if (this.#ackRecords[index] > this.#ackedSequence) ackRecordsAbove++;
    // Past ACK_RECORDS_TRACKED_MAX bank-acks the count over-counts, but never says 0 while data waits, nor more than 0 after.
    const allSynced = this.#lastDataSequence <= this.#ackedSequence;
    return {
      capacityBytes: this.#sectorCount * (this.#sectorBytes - HEADER_BYTES),
      usedBytes,
      freeSectors,
      unsyncedRecords: allSynced ? 0 : Math.max(1, this.#headSequence - this.#ackedSequence - ackRecordsAbove),
    };
  }

  /** Each sector's role, for the console and the inspector: head, live, tail, free, erased or kept. */
  sectorStates(): string[] {
    const names = ['free', 'live', 'erased', 'kept'];
    const states: string[] = [];
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      const name = names[this.#state[sector]];
      states.push(sector === this.#head ? 'head' : sector === this.#tail && name === 'live' ? 'tail' : name);
    }
    return states;
  }

  /** The flash offset of a committed record, or -1 (for the inspector and tests). */
  locate(sequence: number): number {
    if (this.#tail < 0 || sequence < this.tailSequence || sequence > this.#headSequence) return -1;
    const sector = this.#sectorOf(sequence);
    this.#beginScan(sector, this.#lastSequenceOf(sector), this.#firstSequence[sector]);
    while (this.#scanner.next()) {
      if (this.#scanner.parsed.sequence === sequence) return this.#base(sector) + this.#scanner.recordOffset;
    }
    return -1;
  }

  // ---- append path --------------------------------------------------------------------

  /** Writes a record; while the ring cannot move on, only if `floorBytes` of the head sector stay free after it. */
  #write(record: LedgerRecord, floorBytes: number): AppendResult {
    const sequence = this.#headSequence + 1;
    if (sequence > SEQUENCE_MAX) return FULL;
    const size = encodeRecord(record, sequence, this.#record, this.#crc);
    if (size === 0) return INVALID;
    assert(
      size >= RECORD_SIZE_MIN && size <= RECORD_SIZE_MAX && this.#record[0] === COMMIT_MARK,
      'ledger: encoded record out of shape',
    );
    assert(
      record.kind !== 'bank-ack' || size === BANK_ACK_RECORD_BYTES,
      'ledger: a bank-ack record is BANK_ACK_RECORD_BYTES',
    );
    const fits = this.#head >= 0 && this.#appendOffset + size <= this.#sectorBytes;
    if (!this.#nextSectorAvailable() && (!fits || this.#appendOffset + size + floorBytes > this.#sectorBytes))
      return FULL;
    if (this.#zapPending && !this.#zapTail()) return this.#fail('append: zap');
    if (!fits) {
      const refused = this.#openNextSector(sequence);
      if (refused !== undefined) return refused;
    }
    const at = this.#base(this.#head) + this.#appendOffset;
    // Body first, commit mark last: a cut anywhere before the mark leaves no record.
    if (!this.#programFrom(at + 1, this.#recordBody, size - 1)) return this.#fail('append: body');
    if (!this.#programFrom(at, this.#record, 1)) return this.#fail('append: commit mark');
    if (this.#flash.read(at, this.#readBack, size) !== 'ok') return this.#fail('append: read back');
    for (let index = 0; index < size; index++) {
      if (this.#readBack[index] !== this.#record[index]) return this.#fail('append: read back differs');
    }
    this.#appendOffset += size;
    this.#headSequence = sequence;
    if (record.kind !== 'bank-ack') this.#lastDataSequence = sequence;
    return { ok: true, sequence };
  }

  /** Opens the sector after the head (or the first usable one); undefined when opened, else the refusal. */
  #openNextSector(firstSequence: number): AppendResult | undefined {
    const next = this.#head < 0 ? this.#firstUsableSector() : this.#next(this.#head);
    if (next < 0) return FULL;
    if (this.#state[next] === SECTOR_LIVE) {
      // The ring is full: wrap only over a sector whose records the bank holds.
      if (!this.#tailReclaimable()) return FULL;
      this.#dropTail();
    }
    if (this.#state[next] === SECTOR_KEPT) return FULL;
    if (this.#state[next] !== SECTOR_ERASED) {
      if (!this.#erase(next)) return IO;
      this.#erasesOnAppend++;
    }
    const sectorSequence = this.#head < 0 ? 1 : this.#sectorSequence[this.#head] + 1;
    const header = this.#headerFields;
    header.sectorSequence = sectorSequence;
    header.firstSequence = firstSequence;
    header.eraseCount = this.#eraseCount[next];
    // The checkpoint: all a later mount needs of the sectors before this one.
    header.ackedSequence = this.#ackedSequence;
    header.ackRecordSequence = this.#ackRecordSequence;
    header.lastDataSequence = this.#lastDataSequence;
    header.previousEndOffset = this.#head < 0 ? 0 : this.#appendOffset;
    encodeHeader(header, this.#header, this.#crc);
    const base = this.#base(next);
    if (!this.#programSpan(base + MAGIC_BYTES, this.#header, MAGIC_BYTES, HEADER_BYTES - MAGIC_BYTES))
      return this.#fail('open: header');
    if (!this.#programSpan(base, this.#header, 0, MAGIC_BYTES)) return this.#fail('open: magic');
    if (this.#head >= 0) this.#endOffset[this.#head] = this.#appendOffset;
    copyHeader(header, this.#headHeader);
    this.#state[next] = SECTOR_LIVE;
    this.#sectorSequence[next] = sectorSequence;
    this.#firstSequence[next] = firstSequence;
    this.#head = next;
    if (this.#tail < 0) this.#tail = next;
    this.#appendOffset = HEADER_BYTES;
    return undefined;
  }

  /** Whether the ring can move on to a new sector (free, or the oldest and fully acknowledged). */
  #nextSectorAvailable(): boolean {
    const next = this.#head < 0 ? this.#firstUsableSector() : this.#next(this.#head);
    if (next < 0) return false;
    const state = this.#state[next];
    return state === SECTOR_FREE || state === SECTOR_ERASED || (state === SECTOR_LIVE && this.#tailReclaimable());
  }

  /** Whether an acknowledgement of `ackedSequence` makes the sector blocking the ring (the one after the head) reclaimable. */
  #freesRing(ackedSequence: number): boolean {
    if (this.#head < 0) return false;
    const next = this.#next(this.#head);
    return (
      this.#state[next] === SECTOR_LIVE &&
      next === this.#tail &&
      this.#tail !== this.#head &&
      this.#lastSequenceOf(this.#tail) <= ackedSequence
    );
  }

  #tailReclaimable(): boolean {
    return this.#tail >= 0 && this.#tail !== this.#head && this.#lastSequenceOf(this.#tail) <= this.#ackedSequence;
  }

  #dropTail(): void {
    assert(this.#tailReclaimable(), 'ledger: dropping a sector with unacknowledged records');
    this.#state[this.#tail] = SECTOR_FREE;
    this.#tail = this.#next(this.#tail);
    this.#resumeAtEnd.clear();
    this.#resumeAtStart.clear();
  }

  #erase(sector: number): boolean {
    assert(
      this.#state[sector] !== SECTOR_LIVE && this.#state[sector] !== SECTOR_KEPT,
      'ledger: erasing a sector in use',
    );
    const status = this.#flash.eraseSector(this.#firstSector + sector);
    assert(status !== 'bounds' && status !== 'alignment', 'ledger: erase out of bounds');
    if (status !== 'ok') {
      this.#fail('erase');
      return false;
    }
    this.#eraseCount[sector]++;
    this.#state[sector] = SECTOR_ERASED;
    return true;
  }

  /** Programs source[0, length) at a flash offset: in one program inside a page, else split (#programSpan). */
  #programFrom(offset: number, source: Uint8Array, length: number): boolean {
    if (Math.floor(offset / this.#pageBytes) !== Math.floor((offset + length - 1) / this.#pageBytes))
      return this.#programSpan(offset, source, 0, length);
    const status: FlashStatus = this.#flash.program(offset, source, length);
    assert(status !== 'bounds' && status !== 'alignment', 'ledger: program out of bounds or across a page');
    return status === 'ok';
  }

  /** Programs source[from, from + length) at a flash offset, split at page boundaries. */
  #programSpan(offset: number, source: Uint8Array, from: number, length: number): boolean {
    let done = 0;
    while (done < length) {
      const pageLeft = this.#pageBytes - ((offset + done) % this.#pageBytes);
      const chunk = Math.min(pageLeft, length - done, this.#chunk.length);
      for (let index = 0; index < chunk; index++) this.#chunk[index] = source[from + done + index];
      const status: FlashStatus = this.#flash.program(offset + done, this.#chunk, chunk);
      assert(status !== 'bounds' && status !== 'alignment', 'ledger: program out of bounds or across a page');
      if (status !== 'ok') return false;
      done += chunk;
    }
    return true;
  }

  #fail(what: string): AppendResult {
    this.#failed = true;
    this.#note(`flash failed (${what}): appends refused until the next mount`);
    return IO;
  }

  #noteAck(recordSequence: number, ackedSequence: number): void {
    this.#ackedSequence = ackedSequence;
    this.#ackRecordSequence = recordSequence;
    let kept = 0;
    for (let index = 0; index < this.#ackRecordCount; index++) {
      if (this.#ackRecords[index] > ackedSequence) this.#ackRecords[kept++] = this.#ackRecords[index];
    }
    this.#ackRecordCount = kept;
    this.#trackAckRecord(recordSequence);
  }

  #trackAckRecord(recordSequence: number): void {
    if (this.#ackRecordCount < ACK_RECORDS_TRACKED_MAX) {
      this.#ackRecords[this.#ackRecordCount++] = recordSequence;
      return;
    }
    let lowest = 0;
    for (let index = 1; index < this.#ackRecordCount; index++)
      if (this.#ackRecords[index] < this.#ackRecords[lowest]) lowest = index;
    if (this.#ackRecords[lowest] < recordSequence) this.#ackRecords[lowest] = recordSequence;
  }

  // ---- mount -------------------------------------------------------------------------

  #mount(): void {
    const valid = this.#readHeaders();
    this.#ringLength = 0;
    for (let sector = 0; sector < this.#sectorCount; sector++) if (this.#skip[sector] === 0) this.#ringLength++;
    if (this.#ringLength < 2) {
      this.#note('fewer than two usable sectors: nothing can be appended');
      this.#failed = true;
    }
    let head = -1;
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      if (valid[sector] === 0) continue;
      if (head >= 0 && this.#sectorSequence[sector] === this.#sectorSequence[head])
        this.#note(`sectors ${head} and ${sector} claim the same sector sequence`);
      if (head < 0 || this.#sectorSequence[sector] > this.#sectorSequence[head]) head = sector;
    }
    if (head >= 0) this.#mountChain(head, valid);
    if (this.#failed) return;
    const chainComplete = this.#tail < 0 || this.#firstSequence[this.#tail] <= this.#ackedSequence + 1;
    if (!chainComplete)
      this.#note(
        `records ${this.#ackedSequence + 1}..${this.#firstSequence[this.#tail] - 1} are missing; stale sectors kept`,
      );
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      if (this.#state[sector] === SECTOR_LIVE || this.#state[sector] === SECTOR_KEPT) continue;
      // A valid header outside the ring may hold records the bank lacks when the ring has a hole.
      this.#state[sector] = valid[sector] !== 0 && !chainComplete ? SECTOR_KEPT : SECTOR_FREE;
      if (valid[sector] !== 0 && chainComplete) this.#skipped++;
    }
    if (this.#tail >= 0) this.#recordsFound = this.#headSequence - this.#firstSequence[this.#tail] + 1;
    if (this.#head >= 0) this.#pinHead();
  }

  /** Reads every header; the head's (the highest sector sequence) is kept whole in #headHeader. */
  #readHeaders(): Uint8Array {
    const valid = new Uint8Array(this.#sectorCount);
    const header = this.#headerFields;
    let best = -1;
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      if (this.#flash.read(this.#base(sector), this.#header, HEADER_BYTES) !== 'ok') {
        this.#state[sector] = SECTOR_KEPT;
        this.#failed = true;
        this.#note(`sector ${sector}: header unreadable`);
        continue;
      }
      parseHeader(this.#header, header, this.#crc);
      if (header.kind === 'blank') this.#blankSectors++;
      if (header.kind === 'garbage') this.#skipped++;
      if (header.kind === 'foreign') {
        this.#state[sector] = SECTOR_KEPT;
        this.#skip[sector] = 1;
        this.#skipped++;
        this.#note(`sector ${sector}: layout version ${header.version}, not ours: kept, never erased`);
      }
      if (header.kind !== 'valid') continue;
      valid[sector] = 1;
      this.#sectorSequence[sector] = header.sectorSequence;
      this.#firstSequence[sector] = header.firstSequence;
      this.#eraseCount[sector] = header.eraseCount;
      this.#previousEnd[sector] = Math.min(Math.max(header.previousEndOffset, HEADER_BYTES), this.#sectorBytes);
      // What this read said, not a second read: a header with weak bits may read otherwise next time.
      if (best < 0 || header.sectorSequence > this.#sectorSequence[best]) {
        best = sector;
        copyHeader(header, this.#headHeader);
      }
    }
    return valid;
  }

  /**
   * Reads the head's records, which with its header's checkpoint give the head, the bank's
   * acknowledgement and the newest data record; then walks the ring back over consecutive
   * headers. A sector behind the head was whole when the ring moved on from it (a cut can only
   * touch the head's tail, a header being written or a sector being erased): its header is
   * enough, and its records are read only when something asks for them (readFrom).
   */
  #mountChain(head: number, valid: Uint8Array): void {
    const checkpoint = this.#headHeader;
    const last = this.#scanForMount(head);
    if (this.#failed) return;
    const acked = this.#scanAckRecord > 0 ? this.#scanAcked : checkpoint.ackedSequence;
    this.#headSequence = last;
    this.#lastDataSequence = this.#scanDataRecord > 0 ? this.#scanDataRecord : checkpoint.lastDataSequence;
    this.#state[head] = SECTOR_LIVE;
    this.#endOffset[head] = this.#scanner.position;
    this.#head = head;
    this.#tail = head;
    this.#headEnd = this.#scanner.position;
    this.#headLastRecord = this.#scanLastRecordOffset;
    this.#headTailBlank = this.#scanner.end === 'blank' || this.#scanner.end === 'full';
    let newer = head;
    for (let chainLength = 1; chainLength < this.#ringLength; chainLength++) {
      const sector = this.#previous(newer);
      if (
        valid[sector] === 0 ||
        this.#sectorSequence[sector] !== this.#sectorSequence[newer] - 1 ||
        this.#firstSequence[sector] > this.#firstSequence[newer]
      )
        break;
      // The sector after the head, fully acknowledged, is the one maintain() erases: an erase
      // may have been cut there, so it is judged from the newer sectors alone.
      if (chainLength === this.#ringLength - 1 && this.#firstSequence[newer] - 1 <= acked) {
        this.#note(`sector ${sector}: acknowledged, reclaimed`);
        break;
      }
      this.#state[sector] = SECTOR_LIVE;
      this.#endOffset[sector] = this.#previousEnd[newer];
      this.#tail = sector;
      newer = sector;
    }
    this.#settleAcks(acked, this.#scanAckRecord > 0 ? this.#scanAckRecord : checkpoint.ackRecordSequence);
  }

  /** The acknowledgement the mount found, and the bank-ack records above it (the head's, and the checkpoint's). */
  #settleAcks(acked: number, ackRecordSequence: number): void {
    this.#ackedSequence = acked;
    this.#ackRecordSequence = ackRecordSequence;
    if (this.#headHeader.ackRecordSequence > 0) this.#trackAckRecord(this.#headHeader.ackRecordSequence);
    let kept = 0;
    for (let index = 0; index < this.#ackRecordCount; index++) {
      const recordSequence = this.#ackRecords[index];
      if (recordSequence > acked) this.#ackRecords[kept++] = recordSequence;
    }
    this.#ackRecordCount = kept;
  }

  /** Reads the head sector's records; returns the last sequence (first - 1 when none). */
  #scanForMount(sector: number): number {
    this.#beginScan(sector, SEQUENCE_MAX, this.#firstSequence[sector]);
    let last = this.#firstSequence[sector] - 1;
    this.#scanAckRecord = 0;
    this.#scanDataRecord = 0;
    this.#scanLastRecordOffset = -1;
    while (this.#scanner.next()) {
      const parsed = this.#scanner.parsed;
      last = parsed.sequence;
      this.#scanLastRecordOffset = this.#scanner.recordOffset;
      if (parsed.kindCode !== KIND_BANK_ACK) this.#scanDataRecord = parsed.sequence;
      if (parsed.kindCode === KIND_BANK_ACK) {
        this.#scanAckRecord = parsed.sequence;
        this.#scanAcked = parsed.ackedSequence;
        this.#trackAckRecord(parsed.sequence);
      }
    }
    const end = this.#scanner.end;
    if (end === 'io') {
      this.#failed = true;
      this.#note(`sector ${sector}: read failed`);
    } else if (end === 'torn' || end === 'commit') {
      this.#tornRecords++;
      this.#note(`sector ${sector}: torn record at offset ${this.#scanner.position}`);
    } else if (end === 'corrupt' || end === 'sequence' || end === 'limit') {
      this.#skipped++;
      this.#note(`sector ${sector}: records end at offset ${this.#scanner.position} (${end})`);
    }
    return last;
  }

  /**
   * Makes the mount's view durable before anything is appended: the head header and the last
   * record's commit mark are programmed again with their own bytes (settling any weak bit).
   * The bytes after the last record are zapped (#zapTail) so an interrupted append there can
   * never read as a record nor be programmed over: at once when they hold something, else by
   * the first append, so that a boot that appends nothing costs no room and the next mount
   * finds the same tail.
   */
  #pinHead(): void {
    const head = this.#head;
    const base = this.#base(head);
    encodeHeader(this.#headHeader, this.#header, this.#crc);
    if (
      !this.#programSpan(base + MAGIC_BYTES, this.#header, MAGIC_BYTES, HEADER_BYTES - MAGIC_BYTES) ||
      !this.#programSpan(base, this.#header, 0, MAGIC_BYTES)
    ) {
      this.#fail('mount: head header');
      return;
    }
    if (this.#headLastRecord >= 0) {
      this.#record[0] = COMMIT_MARK;
      if (!this.#programSpan(base + this.#headLastRecord, this.#record, 0, 1)) {
        this.#fail('mount: commit mark');
        return;
      }
    }
    this.#zapFrom = this.#headEnd;
    this.#appendOffset = Math.min(this.#headEnd + ZAP_GUARD_BYTES, this.#sectorBytes);
    this.#zapPending = this.#zapFrom < this.#appendOffset;
    // Bytes there that are not erased may be an append cut while its commit mark was being
    // programmed: whole but for a weak mark, it could read as a record on a later mount. Zapped
    // now, the mount's decision stands. Erased-looking bytes can only hide a body cut before its
    // mark: never a record, so they wait for the first append.
    if (this.#zapPending && !this.#headTailBlank && !this.#zapTail()) this.#fail('mount: zap');
  }

  /** Zaps the head's tail that the mount left: [#zapFrom, #appendOffset) to 0x00. */
  #zapTail(): boolean {
    const base = this.#base(this.#head);
    this.#chunk.fill(0);
    let offset = this.#zapFrom;
    while (offset < this.#appendOffset) {
      const pageLeft = this.#pageBytes - ((base + offset) % this.#pageBytes);
      const length = Math.min(pageLeft, this.#appendOffset - offset, this.#chunk.length);
      const status = this.#flash.program(base + offset, this.#chunk, length);
      assert(status !== 'bounds' && status !== 'alignment', 'ledger: zap out of bounds');
      if (status !== 'ok') return false;
      offset += length;
    }
    this.#zapPending = false;
    return true;
  }

  // ---- helpers -----------------------------------------------------------------------

  #beginScan(sector: number, limit: number, fromSequence: number): void {
    // The nearest remembered point at or before fromSequence in this sector, else the header.
    const first = this.#firstSequence[sector];
    const atStart = this.#resumeUsable(this.#resumeAtStart, sector, limit, fromSequence, first);
    const atEnd = this.#resumeUsable(
      this.#resumeAtEnd,
      sector,
      limit,
      fromSequence,
      atStart ? this.#resumeAtStart.sequence : first,
    );
    const point = atEnd ? this.#resumeAtEnd : atStart ? this.#resumeAtStart : undefined;
    this.#scanner.begin(
      this.#flash,
      this.#base(sector),
      this.#sectorBytes,
      point?.offset ?? HEADER_BYTES,
      first,
      limit,
      point?.sequence ?? first,
    );
  }

  #resumeUsable(point: ResumePoint, sector: number, limit: number, fromSequence: number, notBefore: number): boolean {
    return (
      point.sector === sector &&
      this.#sectorSequence[sector] === point.sectorSequence &&
      point.sequence <= fromSequence &&
      point.sequence <= limit &&
      point.sequence >= notBefore
    );
  }

  #rememberResume(sector: number, sequence: number): void {
    if (this.#scanner.expectedSequence > sequence) return this.#resumeAtEnd.clear();
    this.#resumeAtEnd.set(sector, this.#sectorSequence[sector], this.#scanner.position, this.#scanner.expectedSequence);
  }

  /** The live sector holding `sequence` (tail <= sequence <= head): the head's at once (the outbox reads near the head), else a walk from the tail. */
  #sectorOf(sequence: number): number {
    if (sequence >= this.#firstSequence[this.#head]) return this.#head;
    let sector = this.#tail;
    while (sector !== this.#head && this.#firstSequence[this.#next(sector)] <= sequence) sector = this.#next(sector);
    return sector;
  }

  #lastSequenceOf(sector: number): number {
    return sector === this.#head ? this.#headSequence : this.#firstSequence[this.#next(sector)] - 1;
  }

  #firstUsableSector(): number {
    for (let sector = 0; sector < this.#sectorCount; sector++) {
      if (this.#state[sector] === SECTOR_FREE || this.#state[sector] === SECTOR_ERASED) return sector;
    }
    return -1;
  }

  #base(sector: number): number {
    return (this.#firstSector + sector) * this.#sectorBytes;
  }

  /** The ring's next sector in physical order, stepping over foreign ones. */
  #next(sector: number): number {
    let next = sector;
    for (let step = 0; step < this.#sectorCount; step++) {
      next = next + 1 === this.#sectorCount ? 0 : next + 1;
      if (this.#skip[next] === 0) return next;
    }
    return sector;
  }

  #previous(sector: number): number {
    let previous = sector;
    for (let step = 0; step < this.#sectorCount; step++) {
      previous = previous === 0 ? this.#sectorCount - 1 : previous - 1;
      if (this.#skip[previous] === 0) return previous;
    }
    return sector;
  }

  #note(text: string): void {
    if (this.#notes.length < NOTES_MAX) this.#notes.push(text);
  }
}

function copyHeader(from: SectorHeader, to: SectorHeader): void {
  to.kind = from.kind;
  to.version = from.version;
  to.sectorSequence = from.sectorSequence;
  to.firstSequence = from.firstSequence;
  to.eraseCount = from.eraseCount;
  to.ackedSequence = from.ackedSequence;
  to.ackRecordSequence = from.ackRecordSequence;
  to.lastDataSequence = from.lastDataSequence;
  to.previousEndOffset = from.previousEndOffset;
}
