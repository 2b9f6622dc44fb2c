// The CashCode CCNET bill-validator driver: a scheduler task over a SerialLine that keeps the
// device in step with what the session asks (enabled or not, stack or return the note in
// escrow) and turns POLL answers into CashEvents. Master/slave: we send one command, the
// validator answers within 10 ms, we ACK a data answer within 10 ms, then keep the bus quiet.
// Source: CCNET Document 1 Rev 2.6.0, condensed in docs/ccnet.md.
import type { Clock, Crc, SerialLine } from '../../hal/ports';
import { assert } from '../assert';
import { SOFT_CRC } from '../crc';
import { DENOMINATIONS_TENGE } from '../domain';
import type { Task } from '../loop/scheduler';
import type { CashAcceptor, CashAcceptorStatus, CashEvent, CashFault, RejectReason } from './cash-acceptor';
import {
  ADDRESS_BILL_VALIDATOR,
  BILL_TABLE_BYTES,
  BILL_TYPES_MAX,
  CMD_ENABLE_BILL_TYPES,
  CMD_GET_BILL_TABLE,
  CMD_IDENTIFICATION,
  CMD_POLL,
  CMD_RESET,
  CMD_RETURN,
  CMD_STACK,
  FrameReader,
  IDENTIFICATION_BYTES,
  REPLY_ACK,
  REPLY_ILLEGAL_COMMAND,
  REPLY_NAK,
  STATE_BILL_RETURNED,
  STATE_BILL_STACKED,
  STATE_CASSETTE_FULL,
  STATE_CASSETTE_JAMMED,
  STATE_CASSETTE_OUT,
  STATE_CHEATED,
  STATE_ESCROW,
  STATE_FAILURE,
  STATE_IDLING,
  STATE_POWER_UP,
  STATE_POWER_UP_BILL_IN_STACKER,
  STATE_POWER_UP_BILL_IN_VALIDATOR,
  STATE_REJECTING,
  STATE_STACKING,
  STATE_UNIT_DISABLED,
  STATE_VALIDATOR_JAMMED,
  STATE_ACCEPTING,
  STATE_RETURNING,
  STATE_HOLDING,
  STATE_PAUSE,
  billTableValue,
  encodeFrame,
  maskSet,
  type ScanResult,
} from './ccnet-codec';

/**
 * CCNET wants a POLL every 100–200 ms (docs/ccnet.md). 150 ms leaves 50 ms for a late loop
 * (docs/budget.md, npm run budget: worst lateness 35 ms under a stalling neighbour) before the gap leaves the spec.
 */
export const POLL_PERIOD_MS = 150;
export const POLL_PERIOD_MIN_MS = 100;
export const POLL_PERIOD_MAX_MS = 200;
/** The task runs every loop tick so that an answer is ACKed within the spec's 10 ms. */
export const TASK_PERIOD_MS = 5;
/** CCNET: a response (and our ACK/NAK) starts within 10 ms. */
export const RESPONSE_START_MS = 10;
/** CCNET: at most 5 ms between two bytes of a frame. */
export const INTER_BYTE_GAP_MS = 5;
/** We only look at the line once a tick: a deadline measured by us is late by up to this. */
export const TICK_SLACK_MS = 10;
/** CCNET: at least 10 ms of bus silence after ACK/NAK, 20 ms recommended. */
export const BUS_SILENCE_MS = 20;
/** CCNET: no answer for 5 s means send RESET ... */
export const NO_ANSWER_RESET_MS = 5_000;
/** ... and keep sending it at least every 10 s. */
export const RESET_REPEAT_MS = 5_000;
/** Local rule: the device returns an undecided escrow by itself after 10 s; we decide well before. */
export const ESCROW_DECISION_MS = 5_000;
/** CCNET: BILL STACKED / RETURNED comes within 30 s of STACK / RETURN; beyond, the note's fate is lost. */
export const NOTE_OUTCOME_MAX_MS = 35_000;
/**
 * After a controller restart, a device found with a note on its way (accepting, escrow, stacking,
 * returning) is polled, not reset, until it reports where the note went: a RESET would wipe the
 * report, and a note it stacked would become a doubt. Its own escrow timeout (10 s) bounds it.
 */
export const BOOT_NOTE_WAIT_MS = 12_000;
/** A device that stays in initialisation this long is reset again. */
export const INITIALIZE_MAX_MS = 20_000;
/** NAKs we send for bad answers to one command before we give the command up and resend it. */
export const BAD_ANSWERS_MAX = 3;
/** Events the session has not drained yet; it drains every tick, so reaching this is a bug. */
export const EVENTS_MAX = 32;
/** The currency of the notes we take. */
export const COUNTRY_CODE = 'KZT';

const READ_SCRATCH_BYTES = 64;
/** Bad frame starts looked past in one tick (each costs a CRC over at most one frame). */
const BAD_SCAN_SKIPS_MAX = 8;
const TX_FRAME_BYTES = 16;
const ENABLE_DATA_BYTES = 6;

type Phase = 'boot' | 'reset' | 'initializing' | 'identify' | 'bill-table' | 'ready' | 'no-answer';
type Decision = 'none' | 'stack' | 'return';

/** Counters for the console and the bench; plain numbers, updated without allocation. */
export class CcnetStats {
  commandsSent = 0;
  polls = 0;
  answers = 0;
  badAnswers = 0;
  timeouts = 0;
  naksSent = 0;
  naksReceived = 0;
  illegalCommands = 0;
  /** Bill-stacked / returned reports that matched no note in flight (an event resent after our lost ACK). */
  repeatsIgnored = 0;
  /** Bill-table entries in tenge that are no banknote in circulation: never enabled. */
  tableEntriesRefused = 0;
  resets = 0;
  /** POLL-to-POLL intervals measured while nothing else was in the way. */
  pollIntervals = 0;
  pollDeviationSumMs = 0;
  pollDeviationWorstMs = 0;
}

export interface CcnetDriverOptions {
  readonly baud?: number;
  readonly pollPeriodMs?: number;
  /** The board's Crc port (native on the board); the firmware's TypeScript CRC by default. */
  readonly crc?: Crc;
}

const REJECT_REASONS: readonly (readonly [number, RejectReason])[] = [
  [0x60, 'insertion'],
  [0x61, 'magnetic'],
  [0x62, 'bill-remained'],
  [0x63, 'multiplying'],
  [0x64, 'conveying'],
  [0x65, 'identification'],
  [0x66, 'verification'],
  [0x67, 'optic'],
  [0x68, 'inhibited'],
  [0x69, 'capacity'],
  [0x6a, 'operation'],
  [0x6c, 'length'],
  [0x6d, 'uv'],
  [0x92, 'barcode'],
  [0x93, 'barcode'],
  [0x94, 'barcode'],
  [0x95, 'barcode'],
];

/** CCNET reject code (Z2 of REJECTING) to the port's reason. */
export function rejectReason(code: number): RejectReason {
  for (const [known, reason] of REJECT_REASONS) if (known === code) return reason;
  return 'unknown';
}

/** CCNET fault state to the port's fault, or undefined for a state that is not a fault. */
export function faultOf(state: number): CashFault | undefined {
  switch (state) {
    case STATE_CASSETTE_FULL:
      return 'cassette-full';
    case STATE_CASSETTE_OUT:
      return 'cassette-removed';
    case STATE_VALIDATOR_JAMMED:
      return 'jam-validator';
    case STATE_CASSETTE_JAMMED:
      return 'jam-stacker';
    case STATE_CHEATED:
      return 'cheated';
    case STATE_FAILURE:
      return 'failure';
    default:
      return undefined;
  }
}

const FAULT_CLEARED = Object.freeze<CashEvent>({ kind: 'fault-cleared' });
const NO_ANSWER = Object.freeze<CashEvent>({ kind: 'fault', fault: 'no-answer' });
const POWER_UP_IN_VALIDATOR = Object.freeze<CashEvent>({ kind: 'power-up-with-bill', where: 'validator' });
const POWER_UP_IN_STACKER = Object.freeze<CashEvent>({ kind: 'power-up-with-bill', where: 'stacker' });

/** Device states in which a note is somewhere between the slot and the cassette. */
function isNoteInFlight(state: number): boolean {
  return (
    state === STATE_ACCEPTING ||
    state === STATE_ESCROW ||
    state === STATE_STACKING ||
    state === STATE_RETURNING ||
    state === STATE_HOLDING ||
    state === STATE_PAUSE
  );
}

export class CcnetDriver implements Task, CashAcceptor {
  readonly name = 'ccnet';
  readonly periodMs = TASK_PERIOD_MS;
  /** One missed tick still leaves the ACK inside the spec's 10 ms. */
  readonly deadlineMs = RESPONSE_START_MS;
  readonly stats = new CcnetStats();

  readonly #line: SerialLine;
  readonly #clock: Clock;
  readonly #byteMs: number;
  readonly #pollPeriodMs: number;
  readonly #reader: FrameReader;
  readonly #crc: Crc;
  readonly #scratch = new Uint8Array(READ_SCRATCH_BYTES);
  readonly #tx = new Uint8Array(TX_FRAME_BYTES);
  readonly #ackFrame = new Uint8Array(TX_FRAME_BYTES);
  readonly #nakFrame = new Uint8Array(TX_FRAME_BYTES);
  readonly #ackLength: number;
  readonly #nakLength: number;
  readonly #enableData = new Uint8Array(ENABLE_DATA_BYTES);
  /** Tenge value of each bill type from the device's table; 0 = empty, another currency, or no tenge note in circulation. */
  readonly #typeTenge = new Int32Array(BILL_TYPES_MAX);
  #denominations: readonly number[] = Object.freeze([]);
  #identification = '';

  readonly #events: (CashEvent | undefined)[] = new Array<CashEvent | undefined>(EVENTS_MAX).fill(undefined);
  #eventsHead = 0;
  #eventsCount = 0;

  #phase: Phase = 'boot';
  #initializedOnce = false;
  #phaseSinceMs = 0;
  // The exchange in flight: one command, its answer, our ACK/NAK.
  #awaiting = false;
  #command = 0;
  #txLength = 0;
  #answerDueMs = 0;
  #lastByteMs = 0;
  #badAnswers = 0;
  #badPending = false;
  #nextSendMs = 0;
  #nextPollMs = 0;
  /** Nothing to send nor to hear before this (see poll); 0 when a tick has work. The scheduler skips the task meanwhile. */
  restUntilMs = 0;
  /** What the last scan of the answer found ('none' after the reader is cleared). */
  #lastScan: ScanResult = 'none';
  #lastPollSentMs = Number.NaN;
  #commandsAtLastPoll = 0;
  #lastAnswerMs = 0;
  #lastResetMs = Number.NEGATIVE_INFINITY;
  // The device as last reported, and what the session wants.
  #lastState = -1;
  #faultState = 0;
  #noAnswerFault = false;
  #wantEnabled = false;
  #deviceEnabled = false;
  #enableSent = false;
  // The note in flight: seen in escrow, not yet reported stacked or returned.
  #noteType = -1;
  #noteSinceMs = 0;
  #decision: Decision = 'none';
  #decisionAcked = false;
  #decisionMs = 0;
  /** Power-up with a bill in the stacker: the BILL STACKED after initialisation is that note (credit recovery). */
  #recoveryPending = false;
  /**
   * A BILL STACKED or RETURNED reported before this boot knew the bill table (the controller
   * restarted while the device went on with a note, or the power-up note in the stacker):
   * told to the session once the table is read. -1 when none.
   */
  #heldType = -1;
  #heldKind: 'stacked' | 'returned' = 'stacked';

  constructor(line: SerialLine, clock: Clock, options: CcnetDriverOptions = {}) {
    const baud = options.baud ?? 9600;
    const pollPeriodMs = options.pollPeriodMs ?? POLL_PERIOD_MS;
    assert(baud >= 1200 && baud <= 1_000_000, 'ccnet: baud out of range');
    assert(
      pollPeriodMs >= POLL_PERIOD_MIN_MS && pollPeriodMs <= POLL_PERIOD_MAX_MS,
      'ccnet: poll period outside the spec',
    );
    assert(BUS_SILENCE_MS + TICK_SLACK_MS < POLL_PERIOD_MIN_MS, 'ccnet: an exchange must fit in a poll period');
    assert(ESCROW_DECISION_MS + POLL_PERIOD_MAX_MS * 5 < 10_000, "ccnet: escrow decision must beat the device's 10 s");
    this.#line = line;
    this.#clock = clock;
    this.#crc = options.crc ?? SOFT_CRC;
    this.#reader = new FrameReader(ADDRESS_BILL_VALIDATOR, false, undefined, this.#crc);
    this.#byteMs = 10_000 / baud; // 8N1: ten bits a byte
    this.#pollPeriodMs = pollPeriodMs;
    this.#ackLength = encodeFrame(
      this.#ackFrame,
      ADDRESS_BILL_VALIDATOR,
      -1,
      Uint8Array.of(REPLY_ACK),
      1,
      false,
      this.#crc,
    );
    this.#nakLength = encodeFrame(
      this.#nakFrame,
      ADDRESS_BILL_VALIDATOR,
      -1,
      Uint8Array.of(REPLY_NAK),
      1,
      false,
      this.#crc,
    );
    this.#lastAnswerMs = clock.monotonicMs();
    this.#phaseSinceMs = this.#lastAnswerMs;
  }

  // ---- CashAcceptor -------------------------------------------------------------------

  status(): CashAcceptorStatus {
    if (this.#noAnswerFault || this.#faultState !== 0) return 'fault';
    if (this.#phase !== 'ready') return this.#initializedOnce ? 'unknown' : 'starting';
    // After cashInEnd the device is busy until it reports itself disabled with no note in flight.
    return this.#wantEnabled || this.#deviceEnabled || this.#noteType >= 0 || isNoteInFlight(this.#lastState)
      ? 'cash-in'
      : 'idle';
  }

  denominationsTenge(): readonly number[] {
    return this.#denominations;
  }

  /** Part number and serial number as the device reported them; '' before identification. */
  identification(): string {
    return this.#identification;
  }

  cashInStart(): boolean {
    if (this.status() !== 'idle' || this.#denominations.length === 0) return false;
    this.restUntilMs = 0;
    this.#wantEnabled = true;
    this.#enableSent = false;
    return true;
  }

  stack(): boolean {
    return this.#decide('stack');
  }

  returnNote(): boolean {
    return this.#decide('return');
  }

  cashInEnd(): boolean {
    if (!this.#wantEnabled) return false;
    this.restUntilMs = 0;
    this.#wantEnabled = false;
    this.#enableSent = false;
    // The disable goes out only after the RETURN: #chooseCommand puts the note first.
    if (this.#awaitingDecision()) this.#decide('return');
    return true;
  }

  nextEvent(): CashEvent | undefined {
    if (this.#eventsCount === 0) return undefined;
    const event = this.#events[this.#eventsHead];
    this.#events[this.#eventsHead] = undefined;
    this.#eventsHead = (this.#eventsHead + 1) % EVENTS_MAX;
    this.#eventsCount--;
    return event;
  }

  // ---- Task -----------------------------------------------------------------------------

  poll(nowMs: number): void {
    // Between two exchanges with a ready device and nothing asked of it: the device speaks only
    // when spoken to (CCNET's master/slave), and nothing is due before the next POLL. The tick
    // ends here (most ticks, at the attract screen and with a note on its way alike); what the
    // line holds meanwhile is noise, drained before the next command (#send). The session's
    // calls end the quiet at once; the note's and the silence's clocks (seconds) are looked at
    // on the next POLL's tick.
    if (nowMs < this.restUntilMs) return;
    this.restUntilMs = 0;
    const bytesRead = this.#reader.readFrom(this.#line, this.#scratch);
    if (bytesRead > 0) this.#lastByteMs = nowMs;
    if (this.#awaiting) this.#receive(nowMs, bytesRead > 0);
    if (!this.#awaiting) this.#checkSilence(nowMs);
    this.#checkNote(nowMs);
    if (!this.#awaiting && nowMs >= this.#nextSendMs) this.#send(nowMs);
  }

  // ---- exchange -------------------------------------------------------------------------

  #receive(nowMs: number, bytesArrived: boolean): void {
    const reader = this.#reader;
    // Bytes the last scan found no whole frame in, and none since: the same answer again.
    const unchanged = !bytesArrived && (this.#lastScan === 'none' || this.#lastScan === 'partial');
    let result = unchanged ? this.#lastScan : reader.scan();
    // A damaged frame may hide a sound one behind it (a false SYNC in noise): look past it.
    for (let skips = 0; result === 'bad-crc' && skips < BAD_SCAN_SKIPS_MAX; skips++) {
      this.#badPending = true;
      reader.drop(result);
      result = reader.scan();
    }
    this.#lastScan = result;
    if (result === 'frame') {
      this.#badPending = false;
      this.#onAnswer(nowMs);
      return;
    }
    if (result === 'bad-crc') this.#badPending = true;
    // Never act on a bad frame: wait until the line is quiet (the rest of it has arrived),
    // then NAK so that the device sends its answer again.
    const quietMs = INTER_BYTE_GAP_MS + TICK_SLACK_MS;
    const anyBytes = reader.count > 0;
    if ((this.#badPending || anyBytes) && nowMs - this.#lastByteMs > quietMs) {
      this.#nakAnswer(nowMs);
      return;
    }
    if (!anyBytes && !this.#badPending && nowMs > this.#answerDueMs) {
      this.stats.timeouts++;
      this.#endExchange(nowMs, BUS_SILENCE_MS);
    }
  }

  #clearReader(): void {
    this.#reader.clear();
    this.#lastScan = 'none';
  }

  #nakAnswer(nowMs: number): void {
    this.stats.badAnswers++;
    this.#clearReader();
    this.#badPending = false;
    this.#badAnswers++;
    if (this.#badAnswers > BAD_ANSWERS_MAX) {
      // Give the command up; it is chosen again from the state on the next send.
      this.#endExchange(nowMs, BUS_SILENCE_MS);
      return;
    }
    this.#line.write(this.#nakFrame, this.#nakLength);
    this.stats.naksSent++;
    this.#answerDueMs = nowMs + this.#nakLength * this.#byteMs + RESPONSE_START_MS + TICK_SLACK_MS;
  }

  #endExchange(nowMs: number, quietMs: number): void {
    this.#awaiting = false;
    this.#clearReader();
    this.#nextSendMs = nowMs + quietMs;
  }

  #onAnswer(nowMs: number): void {
    const reader = this.#reader;
    const data = reader.buffer;
    const start = reader.dataStart;
    const length = reader.dataLength;
    this.stats.answers++;
    this.#lastAnswerMs = nowMs;
    const control =
      length === 1 && (data[start] === REPLY_ACK || data[start] === REPLY_NAK || data[start] === REPLY_ILLEGAL_COMMAND);
    if (control) {
      const reply = data[start];
      this.#endExchange(nowMs, BUS_SILENCE_MS);
      this.#onControlReply(reply, nowMs);
      return;
    }
    // A data answer: ACK it at once (the spec's 10 ms), then act on it.
    this.#line.write(this.#ackFrame, this.#ackLength);
    this.#awaiting = false;
    this.#nextSendMs = nowMs + this.#ackLength * this.#byteMs + BUS_SILENCE_MS;
    if (this.#phase === 'no-answer') this.#answeredAgain(nowMs);
    switch (this.#command) {
      case CMD_POLL:
        if (length >= 1) this.#onPollState(data[start], length >= 2 ? data[start + 1] : 0, nowMs);
        break;
      case CMD_IDENTIFICATION:
        if (this.#phase === 'identify' && length >= IDENTIFICATION_BYTES) this.#onIdentification(data, start);
        break;
      case CMD_GET_BILL_TABLE:
        if (this.#phase === 'bill-table' && length >= BILL_TABLE_BYTES) this.#onBillTable(data, start, nowMs);
        break;
      default:
        break; // an unexpected data answer: ACKed, otherwise ignored
    }
    this.#clearReader();
  }

  #onControlReply(reply: number, nowMs: number): void {
    if (reply === REPLY_NAK) {
      // The device got our command damaged: send it again (chosen again from the state).
      this.stats.naksReceived++;
      return;
    }
    if (this.#phase === 'no-answer') this.#answeredAgain(nowMs);
    if (reply === REPLY_ILLEGAL_COMMAND) {
      this.stats.illegalCommands++;
      // STACK/RETURN refused: the device no longer holds the note in escrow; POLL tells what became of it.
      if (this.#command === CMD_STACK || this.#command === CMD_RETURN) this.#decisionAcked = true;
      return;
    }
    switch (this.#command) {
      case CMD_RESET:
        this.#setPhase('initializing', nowMs);
        this.#deviceEnabled = false;
        this.#enableSent = false;
        break;
      case CMD_ENABLE_BILL_TYPES:
        this.#enableSent = true;
        break;
      case CMD_STACK:
      case CMD_RETURN:
        this.#decisionAcked = true;
        break;
      default:
        break;
    }
  }

  #send(nowMs: number): void {
    const command = this.#chooseCommand(nowMs);
    if (command < 0) {
      // Nothing to send a ready device before the next POLL unless the session asks (its calls end the quiet).
      if (this.#phase === 'ready') this.restUntilMs = this.#nextPollMs;
      return;
    }
    let dataLength = 0;
    if (command === CMD_ENABLE_BILL_TYPES) dataLength = this.#fillEnableData();
    this.#txLength = encodeFrame(
      this.#tx,
      ADDRESS_BILL_VALIDATOR,
      command,
      this.#enableData,
      dataLength,
      false,
      this.#crc,
    );
    // A stale byte left on the line must not be taken for the answer to this command: what
    // arrived since the last read (a quiet spell reads nothing) is drained and dropped.
    this.#reader.readFrom(this.#line, this.#scratch);
    this.#clearReader();
    if (!this.#line.write(this.#tx, this.#txLength)) {
      this.#nextSendMs = nowMs + TASK_PERIOD_MS;
      return;
    }
    this.stats.commandsSent++;
    this.#command = command;
    this.#awaiting = true;
    this.#badAnswers = 0;
    this.#badPending = false;
    this.#lastByteMs = nowMs;
    this.#answerDueMs = nowMs + this.#txLength * this.#byteMs + RESPONSE_START_MS + TICK_SLACK_MS;
    if (command === CMD_RESET) {
      this.#lastResetMs = nowMs;
      this.stats.resets++;
    }
    if (command === CMD_POLL) this.#notePollSent(nowMs);
  }

  #notePollSent(nowMs: number): void {
    const stats = this.stats;
    stats.polls++;
    // Lateness against the schedule, for polls that nothing else held up (a STACK exchange
    // may legitimately take the slot): what remains is the loop's own jitter under load.
    if (
      !Number.isNaN(this.#lastPollSentMs) &&
      this.#phase === 'ready' &&
      this.stats.commandsSent === this.#commandsAtLastPoll + 1
    ) {
      const deviationMs = Math.abs(nowMs - this.#nextPollMs);
      stats.pollIntervals++;
      stats.pollDeviationSumMs += deviationMs;
      if (deviationMs > stats.pollDeviationWorstMs) stats.pollDeviationWorstMs = deviationMs;
    }
    this.#lastPollSentMs = nowMs;
    this.#commandsAtLastPoll = this.stats.commandsSent;
    // Keep the phase of the period (a late poll does not push the next ones back), but never
    // closer than the spec's 100 ms to this one.
    this.#nextPollMs += this.#pollPeriodMs;
    if (this.#nextPollMs <= nowMs) this.#nextPollMs = nowMs + this.#pollPeriodMs;
    this.#nextPollMs = Math.max(this.#nextPollMs, nowMs + POLL_PERIOD_MIN_MS);
  }

  /** What to send now, from the phase and from what the session wants; -1 for nothing yet. */
  #chooseCommand(nowMs: number): number {
    switch (this.#phase) {
      case 'boot':
        // First learn whether it powered up with a bill, or holds a note on its way (RESET would hide that).
        return nowMs >= this.#nextPollMs ? CMD_POLL : -1;
      case 'reset':
        return CMD_RESET;
      case 'no-answer':
        if (nowMs - this.#lastResetMs >= RESET_REPEAT_MS) return CMD_RESET;
        return nowMs >= this.#nextPollMs ? CMD_POLL : -1;
      case 'identify':
        return CMD_IDENTIFICATION;
      case 'bill-table':
        return CMD_GET_BILL_TABLE;
      case 'initializing':
        if (nowMs - this.#phaseSinceMs > INITIALIZE_MAX_MS) {
          this.#setPhase('reset', nowMs);
          return CMD_RESET;
        }
        return nowMs >= this.#nextPollMs ? CMD_POLL : -1;
      case 'ready':
        if (this.#noteType >= 0 && this.#decision !== 'none' && !this.#decisionAcked) {
          return this.#decision === 'stack' ? CMD_STACK : CMD_RETURN;
        }
        if (this.#wantEnabled !== this.#deviceEnabled && !this.#enableSent && this.#faultState === 0)
          return CMD_ENABLE_BILL_TYPES;
        return nowMs >= this.#nextPollMs ? CMD_POLL : -1;
    }
  }

  #fillEnableData(): number {
    const data = this.#enableData;
    data.fill(0);
    for (let billType = 0; billType < BILL_TYPES_MAX; billType++) {
      if (this.#typeTenge[billType] === 0) continue;
      if (this.#wantEnabled) maskSet(data, 0, billType); // enabled
      // Held in escrow until we say STACK — also when disabling: a note the device is already
      // drawing in then stops in escrow and is returned, instead of going straight to the
      // cassette with no ESCROW we could record first (found by npm run sim, seed 242).
      maskSet(data, 3, billType);
    }
    return ENABLE_DATA_BYTES;
  }

  #checkSilence(nowMs: number): void {
    if (nowMs - this.#lastAnswerMs < NO_ANSWER_RESET_MS || this.#phase === 'no-answer') return;
    this.#setPhase('no-answer', nowMs);
    if (!this.#noAnswerFault) {
      this.#noAnswerFault = true;
      this.#emit(NO_ANSWER);
    }
  }

  #answeredAgain(nowMs: number): void {
    // It speaks again; we do not know what it went through: start over (a POLL first, for
    // a power-up with a bill), and say the fault cleared once it is ready.
    this.#setPhase('boot', nowMs);
  }

  #setPhase(phase: Phase, nowMs: number): void {
    this.#phase = phase;
    this.#phaseSinceMs = nowMs;
  }

  // ---- what the device said -------------------------------------------------------------

  #onPollState(state: number, z2: number, nowMs: number): void {
    const previous = this.#lastState;
    this.#lastState = state;
    // Right after our RESET a device may still say "power up" for a poll: not a new power cut.
    if (this.#phase === 'initializing' && state === STATE_POWER_UP) return;
    if (
      state === STATE_POWER_UP ||
      state === STATE_POWER_UP_BILL_IN_VALIDATOR ||
      state === STATE_POWER_UP_BILL_IN_STACKER
    ) {
      this.#onPowerUp(state, nowMs);
      return;
    }
    if (this.#phase !== 'ready' && (state === STATE_BILL_STACKED || state === STATE_BILL_RETURNED)) {
      // A note's outcome before the table is known: the note is where the device says, and the
      // session (recovering its ledger) must hear of it — never drop it for a doubt.
      if (previous !== state) this.#holdOutcome(z2, state === STATE_BILL_STACKED ? 'stacked' : 'returned');
      if (this.#phase === 'boot') this.#setPhase('reset', nowMs);
      return;
    }
    if (this.#phase === 'boot') {
      // The controller restarted, the device did not: bring it to a known state, once it has
      // said where the note it was handling went.
      if (isNoteInFlight(state) && nowMs - this.#phaseSinceMs < BOOT_NOTE_WAIT_MS) return;
      this.#setPhase('reset', nowMs);
      return;
    }
    if (this.#phase === 'initializing' && faultOf(state) === undefined) {
      if (state === STATE_UNIT_DISABLED || state === STATE_IDLING) this.#setPhase('identify', nowMs);
      return;
    }
    const fault = faultOf(state);
    if (fault !== undefined) {
      if (state !== this.#faultState) {
        this.#faultState = state;
        this.#emit(state === STATE_FAILURE ? { kind: 'fault', fault, failureCode: z2 } : { kind: 'fault', fault });
      }
      return;
    }
    if (this.#faultState !== 0 && state !== STATE_BILL_STACKED && state !== STATE_BILL_RETURNED) {
      // A stacked/returned report may come before a fault that stands: only a normal state clears it.
      this.#faultState = 0;
      this.#enableSent = false; // the device may have dropped the enable with the fault
      this.#emit(FAULT_CLEARED);
    }
    this.#onNoteState(state, z2, previous, nowMs);
  }

  #onPowerUp(state: number, nowMs: number): void {
    if (state === STATE_POWER_UP_BILL_IN_VALIDATOR) this.#emit(POWER_UP_IN_VALIDATOR);
    if (state === STATE_POWER_UP_BILL_IN_STACKER) {
      this.#emit(POWER_UP_IN_STACKER);
      this.#recoveryPending = true;
    }
    // Whatever note we had in flight, the device has forgotten it; the session resolves it
    // from its ledger and the power-up report.
    this.#noteType = -1;
    this.#decision = 'none';
    this.#deviceEnabled = false;
    this.#enableSent = false;
    this.#setPhase('reset', nowMs);
  }

  #onNoteState(state: number, z2: number, previous: number, nowMs: number): void {
    switch (state) {
      case STATE_IDLING:
      case STATE_UNIT_DISABLED:
        this.#deviceEnabled = state === STATE_IDLING;
        if (this.#deviceEnabled !== this.#wantEnabled) this.#enableSent = false;
        break;
      case STATE_REJECTING:
        if (previous !== STATE_REJECTING) this.#emit({ kind: 'rejected', reason: rejectReason(z2) });
        break;
      case STATE_ESCROW:
        if (this.#noteType < 0 && z2 < BILL_TYPES_MAX) this.#onEscrow(z2, nowMs);
        break;
      case STATE_STACKING:
        if (this.#noteType >= 0 && this.#decision === 'stack') this.#decisionAcked = true;
        break;
      case STATE_BILL_STACKED:
        this.#onOutcome(z2, 'stacked', previous);
        break;
      case STATE_BILL_RETURNED:
        this.#onOutcome(z2, 'returned', previous);
        break;
      default:
        break; // accepting, returning, holding, busy, pause: wait
    }
  }

  #onEscrow(billType: number, nowMs: number): void {
    this.#noteType = billType;
    this.#noteSinceMs = nowMs;
    this.#decisionAcked = false;
    const tenge = this.#typeTenge[billType];
    if (tenge === 0 || !this.#wantEnabled) {
      // Not a note we enabled, or the session ended cash-in: give it back without asking.
      this.#decision = 'return';
      this.#decisionMs = nowMs;
      return;
    }
    this.#decision = 'none';
    this.#emit({ kind: 'escrowed', denominationTenge: tenge });
  }

  #onOutcome(billType: number, kind: 'stacked' | 'returned', previous: number): void {
    if (billType >= BILL_TYPES_MAX) return;
    if (this.#noteType < 0) {
      if (kind === 'stacked' && this.#recoveryPending) {
        this.#holdOutcome(billType, kind);
        this.#emitHeld();
        return;
      }
      if (previous === (kind === 'stacked' ? STATE_BILL_STACKED : STATE_BILL_RETURNED)) {
        // Reported again because our ACK was lost: the note was counted the first time.
        this.stats.repeatsIgnored++;
        return;
      }
      // A note we never saw in escrow went in or out (the device's word is the truth): the
      // session must hear of it, not lose it — a stacked one of unknown value too (0).
      const unseenTenge = this.#typeTenge[billType];
      if (unseenTenge !== 0 || kind === 'stacked') this.#emit({ kind, denominationTenge: unseenTenge });
      return;
    }
    const tenge = this.#typeTenge[billType];
    const announced = this.#typeTenge[this.#noteType] !== 0;
    this.#noteType = -1;
    this.#decision = 'none';
    // The device's word on the note type is the truth. A stacked note is always told, of
    // unknown value (0) too: it is in the cassette even if we never announced it or asked for
    // its return; a return we never announced stays silent.
    if (kind === 'stacked' || (announced && tenge !== 0)) this.#emit({ kind, denominationTenge: tenge });
  }

  /** Keeps an outcome reported before the bill table was read (see #heldType). */
  #holdOutcome(billType: number, kind: 'stacked' | 'returned'): void {
    if (billType >= BILL_TYPES_MAX) return;
    if (kind === 'stacked') this.#recoveryPending = false;
    if (this.#noteType >= 0) {
      // The note in flight before a lost line: this is its outcome; the return of one we never announced stays silent.
      const announced = this.#typeTenge[this.#noteType] !== 0;
      this.#noteType = -1;
      this.#decision = 'none';
      if (!announced && kind === 'returned') return;
    }
    this.#heldType = billType;
    this.#heldKind = kind;
  }

  #emitHeld(): void {
    if (this.#heldType < 0 || this.#phase !== 'ready') return; // after the bill table
    const tenge = this.#typeTenge[this.#heldType];
    this.#heldType = -1;
    if (tenge !== 0 || this.#heldKind === 'stacked') this.#emit({ kind: this.#heldKind, denominationTenge: tenge });
  }

  #onIdentification(data: Uint8Array, start: number): void {
    if (this.#identification === '') {
      let text = '';
      for (let index = 0; index < 27; index++) {
        const byte = data[start + index];
        text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ' ';
        if (index === 14) text += '/';
      }
      this.#identification = text;
    }
    this.#setPhase('bill-table', this.#clock.monotonicMs());
  }

  #onBillTable(data: Uint8Array, start: number, nowMs: number): void {
    const values: number[] = [];
    for (let billType = 0; billType < BILL_TYPES_MAX; billType++) {
      let tenge = billTableValue(data, start, billType, COUNTRY_CODE);
      if (tenge !== 0 && DENOMINATIONS_TENGE.indexOf(tenge) < 0) {
        // A KZT entry that is no banknote in circulation (a coin's value, a test note): never
        // enabled, and what the device may still stack of it is of unknown value.
        this.stats.tableEntriesRefused++;
        tenge = 0;
      }
      this.#typeTenge[billType] = tenge;
      if (tenge !== 0 && values.indexOf(tenge) < 0) values.push(tenge);
    }
    values.sort((a, b) => a - b);
    this.#denominations = Object.freeze(values);
    this.#setPhase('ready', nowMs);
    this.#initializedOnce = true;
    this.#enableSent = false;
    this.#nextPollMs = nowMs;
    if (this.#noAnswerFault) {
      this.#noAnswerFault = false;
      this.#emit(FAULT_CLEARED);
    }
    this.#emitHeld();
  }

  // ---- the note in escrow ----------------------------------------------------------------

  #awaitingDecision(): boolean {
    return this.#phase === 'ready' && this.#noteType >= 0 && this.#decision === 'none';
  }

  #decide(decision: Decision): boolean {
    if (!this.#awaitingDecision()) return false;
    this.restUntilMs = 0;
    this.#decision = decision;
    this.#decisionAcked = false;
    this.#decisionMs = this.#clock.monotonicMs();
    return true;
  }

  #checkNote(nowMs: number): void {
    if (this.#noteType < 0) return;
    if (this.#faultState !== 0 || this.#phase !== 'ready') {
      // A jam or a lost line stops the clocks: the note's fate comes when the device is back.
      this.#noteSinceMs = nowMs;
      this.#decisionMs = nowMs;
      return;
    }
    if (this.#decision === 'none' && nowMs - this.#noteSinceMs > ESCROW_DECISION_MS) {
      this.#decide('return'); // the session did not decide in time: local rule
      return;
    }
    if (this.#decision !== 'none' && nowMs - this.#decisionMs > NOTE_OUTCOME_MAX_MS) {
      // The device never said what became of it: the session hears of it as a fault.
      this.#noteType = -1;
      this.#decision = 'none';
      this.#emit({ kind: 'fault', fault: 'failure' });
    }
  }

  #emit(event: CashEvent): void {
    assert(this.#eventsCount < EVENTS_MAX, 'ccnet: event queue overflow (the session does not drain it)');
    this.#events[(this.#eventsHead + this.#eventsCount) % EVENTS_MAX] = event;
    this.#eventsCount++;
  }
}
