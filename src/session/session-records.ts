// What a session (and a restart's recovery) writes to the ledger, and what follows each record:
// the open session's checkpoint, the cassette count, the doubt the validator may still report.
// A record is 'ordinary' (the session may still refuse it: a session opened, a note escrowed) or
// 'promised' (its room was kept: a full ledger never stops the machine for it).
import type { Settings } from '../../hal/ports';
import { assert } from '../assert';
import type { DoubtReason, LedgerRecord, SessionOutcome } from '../domain';
import type { EventLog } from '../log/event-log';
import { CassetteCount } from './cassette';
import type { AppendResult, AppendTier, SessionLedger } from './deps';
import { DoubtInDevice, followSession, OpenSessionCheckpoint, scanLedger, type OpenSession } from './recovery';
import { SESSION_ROOM_BYTES } from './room';

export class SessionRecords {
  readonly cassette: CassetteCount;
  /** The doubt whose note the validator may still report: its report is linked, never doubted again. */
  readonly doubtInDevice: DoubtInDevice;
  /** The session a restart left open in the ledger (closed by RestartRecovery), or undefined. */
  readonly leftOpen: OpenSession | undefined;
  /** Sessions closed since boot, by outcome — for the console and the bench. */
  readonly outcomes: Record<SessionOutcome, number> = { completed: 0, cancelled: 0, timeout: 0, recovered: 0 };
  /** Promised records a full ledger refused since boot (0 unless the room kept for them ran out). */
  unrecordedRecords = 0;
  readonly #ledger: SessionLedger;
  readonly #log: EventLog;
  readonly #checkpoint: OpenSessionCheckpoint;
  /** The open session as the ledger has it, checkpointed after each of its records. */
  #progress: OpenSession | undefined;
  /** Set when a promised record went unwritten: no cash is taken until a restart. */
  #cashRefused = false;

  constructor(ledger: SessionLedger, log: EventLog, settings: Settings | undefined) {
    this.#ledger = ledger;
    this.#log = log;
    this.cassette = new CassetteCount(settings);
    this.#checkpoint = new OpenSessionCheckpoint(settings);
    this.doubtInDevice = new DoubtInDevice(settings);
    this.leftOpen = scanLedger(ledger, this.cassette, this.#checkpoint, this.doubtInDevice);
    this.#progress = this.leftOpen;
  }

  /** Whether a customer may start: the ledger has room for a whole session's worst case. */
  roomForSession(): boolean {
    return !this.#cashRefused && this.#ledger.roomBytes() >= SESSION_ROOM_BYTES;
  }

  /**
   * Appends a record and keeps the open session's checkpoint in step with the ledger — except
   * for note-escrowed: between it and STACK only the ledger append belongs (a Settings write is
   * NVS on the board, which may stall the flash cache while the validator waits). The boot scan
   * replays the records after the checkpoint, and note-escrowed stays in the ring's head sector
   * until the note's outcome record moves the checkpoint past it, once the note is safe.
   */
  record(record: LedgerRecord, tier: AppendTier): AppendResult {
    const written = this.#ledger.append(record, tier);
    if (!written.ok) return written;
    const wasOpen = this.#progress !== undefined;
    this.#progress = followSession(this.#progress, record);
    if (this.#progress !== undefined && record.kind !== 'note-escrowed')
      this.#checkpoint.save(this.#progress, written.sequence);
    else if (this.#progress === undefined && wasOpen) this.#checkpoint.clear();
    return written;
  }

  /**
   * Writes a record the session promised (its room was checked before the session opened or the
   * note was escrowed); returns its sequence. A broken flash stops the machine (an assertion);
   * a full ledger never does: should a promise ever outrun the room kept for it, the record is
   * logged as unwritten, counted, and the machine takes no more cash until a restart.
   */
  promised(record: LedgerRecord): number {
    const written = this.record(record, 'promised');
    if (written.ok) return written.sequence;
    assert(written.error === 'full', `ledger refused a ${record.kind} record: ${written.error}`);
    this.unrecordedRecords += 1;
    this.#cashRefused = true;
    const session = 'sessionId' in record ? ` of session ${record.sessionId}` : '';
    this.#log.record('ledger', `FULL: ${record.kind}${session} not recorded; no more cash taken until a restart`);
    return 0;
  }

  /** A doubt record's note counts apart in the cassette; an unwritten one (sequence 0) does not count. */
  addDoubt(sequence: number): void {
    if (sequence > 0) this.cassette.addDoubt(sequence);
  }

  /** A note whose fate the acceptor never told: a doubt to reconcile, held until the validator reports it. */
  doubtInEscrow(sessionId: number, denominationTenge: number, reason: DoubtReason): void {
    const sequence = this.promised({ kind: 'doubt', sessionId, denominationTenge, reason });
    this.addDoubt(sequence);
    if (sequence > 0) this.doubtInDevice.hold(sequence, sessionId, denominationTenge);
  }

  /**
   * The acceptor stacked a bill its table gives no tenge note for (never enabled: a faulty or
   * misconfigured device). It is in the cassette, so it is never dropped; it is no money the
   * machine can name, so it is never credited: one doubt of unknown value (0) for the bank to
   * reconcile.
   */
  stackedOfUnknownValue(sessionId: number): void {
    this.addDoubt(this.promised({ kind: 'doubt', sessionId, denominationTenge: 0, reason: 'unknown' }));
    this.#log.record('session', 'a bill of no tenge value was stacked: sent to reconcile');
  }
}
