// The simulation's three independent witnesses of the money invariants (docs/design.md, 1–5):
//   the cassette  — every note the validator simulator really put in it, and whose hand it came from;
//   the ledger    — every record the firmware's ledger confirmed (a mirror fed by a probe on append);
//   the bank      — the reference bank's books (credits, doubts, receipts, stored sequence).
// What must hold at every moment, whatever the faults, is checked after every step here. The
// invariants themselves (nothing lost, nothing doubled, the totals agree) are the one checker's
// (tools/invariants/money.ts), over the evidence these witnesses gathered: at every quiet moment
// (no customer, the bank has it all) and once the run has settled (faults off, everything synced).
import { INJECTED_HALT_MESSAGE } from './halt-faults';
import type { LedgerRecord } from '../../src/domain';
import type { Firmware } from '../../src/firmware';
import type { BankStore } from '../bank/store';
import {
  brokenInvariants,
  checkInvariants,
  type CassetteNote,
  type CreditedNote,
  type MoneyEvidence,
} from '../invariants/money';

/** Violations kept per run; the first one stops the run (a replay shows it again). */
export const VIOLATIONS_MAX = 8;
const BOOT_SCAN_CHUNK_RECORDS = 64;

type Tally = Map<string, number>;

function bump(tally: Tally, key: string, by = 1): number {
  const value = (tally.get(key) ?? 0) + by;
  tally.set(key, value);
  return value;
}

function key(customerId: string | null, denominationTenge: number): string {
  return `${customerId ?? '?'}/${denominationTenge}`;
}

export class MoneyChecker {
  readonly violations: string[] = [];
  /** Notes that landed in the cassette, by owner and denomination ("c-aigerim/5000"). */
  readonly landed: Tally = new Map();
  landedNotes = 0;
  /** Sessions the ledger opened (cash-in began). */
  sessionsOpened = 0;
  /** Boots that found the ring already past its first sector (the cassette count must survive that). */
  bootsAfterRingWrap = 0;
  /** Times the screen said "credited" (each checked against the bank). */
  creditedScreens = 0;
  /** The ledger's confirmed records by sequence (bank-acks included). */
  readonly #mirror = new Map<number, LedgerRecord>();
  #mirrorHead = 0;
  #lastDataSequence = 0;
  #lastClosedSequence = 0;
  /** The session opened and not yet closed in the ledger, 0 when none. */
  #openSessionId = 0;
  readonly #sessionCustomer = new Map<number, string>();
  readonly #ledgerStacked: Tally = new Map();
  readonly #credited: Tally = new Map();
  readonly #creditedSequences = new Set<number>();
  /** Every note the bank credited, as the evidence carries it. */
  readonly #creditedNotes: CreditedNote[] = [];
  #creditCursor = 0;
  #doubtCursor = 0;
  readonly #doubts: Tally = new Map();
  #bankStored = 0;
  /** Assertion halts of the loop that no flash cut explains (the last one seen, to count each once). */
  readonly #halts: string[] = [];
  #lastHalt: unknown = undefined;
  /** What the witnesses had seen at the last quiet moment's check: the next quiet moment checks again only when it moved. */
  #checkedAt = '';
  readonly #store: BankStore;
  readonly #atmId: string;
  readonly #internalErrors: () => number;
  #now: () => string;
  log: ((line: string) => void) | undefined = undefined;
  /**
   * True while something the firmware has not been told of yet has happened in the machine (a
   * bill a faulty validator stacked unasked, not yet polled): then no moment is quiet.
   */
  unreported: () => boolean = () => false;
  /** Doubts of unknown value (denomination 0) the ledger confirmed: the firmware's answer to a bill of no tenge value. */
  unknownValueDoubtsRecorded = 0;
  /**
   * Bills of no tenge value whose report a power loss took before the doubt was written: the
   * device had stacked them unasked, so nothing on flash said they were coming. Not the
   * firmware's to know; counted apart (money-faults.ts), and excused here.
   */
  excusedUnknownValue = 0;

  constructor(store: BankStore, atmId: string, internalErrors: () => number, now: () => string) {
    this.#store = store;
    this.#atmId = atmId;
    this.#internalErrors = internalErrors;
    this.#now = now;
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }

  /** Notes the bank holds "to reconcile" (doubt records, or stacked with no known customer). */
  get doubtNotes(): number {
    let notes = 0;
    for (const count of this.#doubts.values()) notes += count;
    return notes;
  }

  violation(what: string): void {
    if (this.violations.length < VIOLATIONS_MAX) this.violations.push(`${this.#now()}: ${what}`);
  }

  // ----- the cassette -----

  /** A note landed in the cassette; `owner` is the customer whose hand put it in the slot. */
  noteLanded(owner: string, denominationTenge: number): void {
    bump(this.landed, key(owner, denominationTenge));
    this.landedNotes += 1;
  }

  // ----- the ledger -----

  /** Every record the ledger confirmed, as the firmware saw it confirmed. */
  recordConfirmed(sequence: number, record: LedgerRecord): void {
    if (sequence !== this.#mirrorHead + 1) {
      return this.violation(
        `ledger confirmed sequence ${sequence} after ${this.#mirrorHead}: sequences must be contiguous`,
      );
    }
    this.#mirror.set(sequence, record);
    this.#mirrorHead = sequence;
    this.log?.(`ledger ${sequence} ${JSON.stringify(record)}`);
    this.#observe(sequence, record);
  }

  #observe(sequence: number, record: LedgerRecord): void {
    if (record.kind !== 'bank-ack') this.#lastDataSequence = sequence;
    switch (record.kind) {
      case 'doubt':
        if (record.denominationTenge === 0) this.unknownValueDoubtsRecorded += 1;
        return;
      case 'session-opened':
        if (record.sessionId !== sequence)
          this.violation(`session-opened ${sequence} carries session id ${record.sessionId}`);
        this.#sessionCustomer.set(sequence, record.customerId);
        this.sessionsOpened += 1;
        this.#openSessionId = sequence;
        return;
      case 'session-closed':
        this.#lastClosedSequence = sequence;
        if (record.sessionId === this.#openSessionId) this.#openSessionId = 0;
        return;
      case 'note-stacked': {
        const customerId = this.#sessionCustomer.get(record.sessionId);
        if (customerId === undefined)
          return this.violation(
            `note-stacked ${sequence} in session ${record.sessionId}, which the ledger never opened`,
          );
        const noteKey = key(customerId, record.denominationTenge);
        const stacked = bump(this.#ledgerStacked, noteKey);
        // Invariant 2, ledger side: the ledger never records a stacked note the cassette does not hold.
        if (stacked > (this.landed.get(noteKey) ?? 0)) {
          this.violation(
            `ledger records ${stacked} × ${noteKey} stacked, the cassette holds ${this.landed.get(noteKey) ?? 0} from that customer`,
          );
        }
        return;
      }
      default:
        return;
    }
  }

  /** After a boot: what the mounted ledger holds must be what it confirmed before the power went. */
  afterBoot(firmware: Firmware): void {
    const ledger = firmware.ledger;
    this.log?.(
      `boot: ledger tail ${ledger.tailSequence}, head ${ledger.headSequence}, acked ${ledger.ackedSequence}; ` +
        `the firmware counts ${firmware.session.cassette.notes} notes in the cassette`,
    );
    if (ledger.tailSequence > 1) this.bootsAfterRingWrap += 1;
    if (ledger.headSequence < this.#mirrorHead) {
      this.violation(
        `after a restart the ledger's head is ${ledger.headSequence}, but it had confirmed up to ${this.#mirrorHead}`,
      );
    }
    let next = Math.max(ledger.tailSequence, 1);
    const chunksMax = Math.ceil((ledger.headSequence - next + 1) / BOOT_SCAN_CHUNK_RECORDS) + 1;
    for (let chunk = 0; chunk < chunksMax && next <= ledger.headSequence; chunk += 1) {
      const visited = ledger.readFrom(next, BOOT_SCAN_CHUNK_RECORDS, (sequence, record) => {
        const known = this.#mirror.get(sequence);
        if (known !== undefined) {
          if (JSON.stringify(known) !== JSON.stringify(record)) {
            this.violation(
              `after a restart record ${sequence} reads ${JSON.stringify(record)}, it was ${JSON.stringify(known)}`,
            );
          }
        } else {
          // An append the firmware saw fail (the cut came as it finished) that the flash kept anyway.
          this.recordConfirmed(sequence, record);
        }
        next = sequence + 1;
      });
      if (visited === 0) break;
    }
    if (next !== ledger.headSequence + 1 && ledger.headSequence > 0)
      this.violation(`after a restart the ledger reads to ${next - 1} of ${ledger.headSequence}`);
  }

  // ----- every step -----

  /** Safety: what must hold at every moment, whatever the faults. */
  checkStep(firmware: Firmware | undefined, flashCutPending: boolean): void {
    if (firmware !== undefined) this.#checkLedger(firmware, flashCutPending);
    this.#checkBank(firmware);
    // A quiet moment (no customer, the bank has it all): every invariant holds even mid-run.
    if (firmware !== undefined && !this.failed && this.synced(firmware)) {
      const seen = `${this.#mirrorHead}/${this.landedNotes}/${this.#creditCursor}/${this.#doubtCursor}/${this.#halts.length}`;
      if (seen !== this.#checkedAt) this.#checkInvariants(firmware);
      this.#checkedAt = seen;
      // The machine is idle: whatever happened, the last session was closed (a restart closes it as recovered).
      if (this.#openSessionId !== 0)
        this.violation(`the machine is idle, but session ${this.#openSessionId} was never closed in the ledger`);
    }
  }

  #checkInvariants(firmware: Firmware): void {
    for (const broken of brokenInvariants(checkInvariants(this.evidence(firmware)))) this.violation(broken);
  }

  /** What the three witnesses saw, in the one checker's shape: the whole run, from the first boot. */
  evidence(firmware: Firmware): MoneyEvidence {
    const cassette: CassetteNote[] = [];
    for (const [noteKey, count] of this.landed) {
      const slash = noteKey.lastIndexOf('/');
      for (let note = 0; note < count; note += 1)
        cassette.push({ owner: noteKey.slice(0, slash), denominationTenge: Number(noteKey.slice(slash + 1)) });
    }
    const receipts = this.#store.atmReceipts(this.#atmId).map((receipt) => ({
      sessionId: receipt.openedSequence,
      receiptId: String(receipt.receiptNumber),
      depositedTiyn: receipt.receipt.depositedTiyn,
    }));
    const ledger = firmware.ledger;
    return {
      atmId: this.#atmId,
      startHeadSequence: 0,
      ledger: {
        headSequence: ledger.headSequence,
        ackedSequence: ledger.ackedSequence,
        entries: [...this.#mirror].map(([sequence, record]) => ({ sequence, record })),
      },
      bank: {
        storedSequence: this.#store.storedSequence(this.#atmId),
        credited: this.#creditedNotes,
        doubtsGained: this.doubtNotes,
        receiptsGained: receipts.length,
        receipts,
        anomaliesGained: this.#store.anomalies(this.#atmId, VIOLATIONS_MAX),
      },
      cassette,
      unknownValueExcused: this.excusedUnknownValue,
      firmwareCassette: {
        notes: firmware.session.cassette.notes,
        doubtfulNotes: firmware.session.cassette.doubtfulNotes,
      },
      halts: this.#halts,
    };
  }

  #checkLedger(firmware: Firmware, flashCutPending: boolean): void {
    const ledger = firmware.ledger;
    if (ledger.ackedSequence > ledger.headSequence)
      this.violation(`ledger ack ${ledger.ackedSequence} above its head ${ledger.headSequence}`);
    // Invariant 5: every record above the bank's acknowledgement is still readable.
    if (ledger.tailSequence > ledger.ackedSequence + 1) {
      this.violation(
        `the ring dropped records ${ledger.ackedSequence + 1}..${ledger.tailSequence - 1}, which the bank never acknowledged`,
      );
    }
    if (ledger.headSequence !== this.#mirrorHead)
      this.violation(`ledger head ${ledger.headSequence}, but it confirmed ${this.#mirrorHead}`);
    const halt = firmware.scheduler.halt;
    const injected = halt?.message === INJECTED_HALT_MESSAGE;
    if (
      halt !== undefined &&
      !flashCutPending &&
      !injected &&
      halt !== this.#lastHalt &&
      this.#halts.length < VIOLATIONS_MAX
    ) {
      this.#halts.push(`scheduler halted without a flash cut: ${halt.taskName}: ${halt.message}`);
    }
    this.#lastHalt = halt;
    // A full ledger never refuses what the session promised: the room was kept for it.
    if (firmware.session.unrecordedRecords > 0)
      this.violation(`${firmware.session.unrecordedRecords} promised records refused by a full ledger`);
  }

  #checkBank(firmware: Firmware | undefined): void {
    const stored = this.#store.storedSequence(this.#atmId);
    if (stored < this.#bankStored)
      this.violation(`the bank's stored sequence went back from ${this.#bankStored} to ${stored}`);
    this.#bankStored = stored;
    if (stored > this.#mirrorHead)
      this.violation(`the bank holds up to sequence ${stored}, the ledger never wrote past ${this.#mirrorHead}`);
    if (firmware !== undefined && firmware.ledger.ackedSequence > stored) {
      this.violation(`the ledger's ack ${firmware.ledger.ackedSequence} is above what the bank holds (${stored})`);
    }
    if (this.#internalErrors() > 0) this.violation(`the bank answered ${this.#internalErrors()} internal errors`);
    for (const note of this.#store.creditedNotes(this.#atmId, this.#creditCursor)) {
      this.#creditCursor = note.sequence;
      this.#onCredit(note.sequence, note.sessionId, note.customerId, note.denominationTenge);
    }
    for (const doubt of this.#store.doubts(this.#atmId, this.#doubtCursor)) {
      this.#doubtCursor = doubt.sequence;
      bump(this.#doubts, key(doubt.customerId, doubt.denominationTenge));
    }
  }

  /** At every step, before the bank has caught up: never a sequence credited twice, never more than the cassette holds. */
  #onCredit(sequence: number, sessionId: number, customerId: string, denominationTenge: number): void {
    this.#creditedNotes.push({ sequence, sessionId, denominationTenge, customerId });
    if (this.#creditedSequences.has(sequence)) this.violation(`sequence ${sequence} credited twice`);
    this.#creditedSequences.add(sequence);
    const noteKey = key(customerId, denominationTenge);
    const credited = bump(this.#credited, noteKey);
    // Invariants 1 and 2: never more credited to a customer than that customer put in the cassette.
    if (credited > (this.landed.get(noteKey) ?? 0)) {
      this.violation(
        `the bank credited ${credited} × ${noteKey}, the cassette holds ${this.landed.get(noteKey) ?? 0} from that customer`,
      );
    }
  }

  /** The screen says "credited": the bank must already hold the session's closing record. */
  creditedShown(): void {
    this.creditedScreens += 1;
    if (this.#store.storedSequence(this.#atmId) < this.#lastClosedSequence) {
      this.violation(
        `the screen says "credited" but the bank holds up to ${this.#store.storedSequence(this.#atmId)}, the session closed at ${this.#lastClosedSequence}`,
      );
    }
  }

  // ----- the end -----

  /** The machine has everything synced: has the bank got all of it? */
  synced(firmware: Firmware): boolean {
    return (
      firmware.session.idle &&
      !this.unreported() &&
      firmware.ledger.stats().unsyncedRecords === 0 &&
      this.#store.storedSequence(this.#atmId) >= this.#lastDataSequence
    );
  }

  /** After the settle: every invariant in full — the cassette, the ledger and the bank agree note for note. */
  checkSettled(firmware: Firmware): void {
    this.checkStep(firmware, false);
    if (!this.failed) this.#checkInvariants(firmware);
  }
}
