// A CashCode bill validator that speaks CCNET byte-exactly on the device end of a simulated
// serial cable: a tenge bill table, a customer's stack of notes fed one by one, rejects for
// bad notes, and the faults a real one has (jams, cassette full or out, cheating, failures,
// power cuts with a note inside, slow answers, extended frames). It keeps its own truth —
// what is in its cassette, what it gave back, what it reported — for tests to compare
// against what the driver told the session. Timings are from CCNET Document 1 (10 ms
// answer, 10 s escrow) or, for the mechanics, plausible and adjustable.
import {
  ADDRESS_BILL_VALIDATOR,
  BILL_TABLE_BYTES,
  BILL_TABLE_WORD_BYTES,
  BILL_TYPES_MAX,
  CMD_ENABLE_BILL_TYPES,
  CMD_GET_BILL_TABLE,
  CMD_GET_STATUS,
  CMD_HOLD,
  CMD_IDENTIFICATION,
  CMD_POLL,
  CMD_RESET,
  CMD_RETURN,
  CMD_SET_SECURITY,
  CMD_STACK,
  FRAME_BYTES_MAX,
  FrameReader,
  IDENTIFICATION_BYTES,
  REPLY_ACK,
  REPLY_ILLEGAL_COMMAND,
  REPLY_NAK,
  STATE_ACCEPTING,
  STATE_BILL_RETURNED,
  STATE_BILL_STACKED,
  STATE_BUSY,
  STATE_CASSETTE_FULL,
  STATE_CASSETTE_JAMMED,
  STATE_CASSETTE_OUT,
  STATE_CHEATED,
  STATE_ESCROW,
  STATE_FAILURE,
  STATE_HOLDING,
  STATE_IDLING,
  STATE_INITIALIZE,
  STATE_PAUSE,
  STATE_POWER_UP,
  STATE_POWER_UP_BILL_IN_STACKER,
  STATE_POWER_UP_BILL_IN_VALIDATOR,
  STATE_REJECTING,
  STATE_RETURNING,
  STATE_STACKING,
  STATE_UNIT_DISABLED,
  STATE_VALIDATOR_JAMMED,
  encodeFrame,
  maskHas,
  stateHasZ2,
} from '../../src/cash/ccnet-codec';
import { SerialLink, type LinkEnd, type WireFault } from './serial-link';
import type { SimActor, VirtualClock } from './world';

/** CCNET's line speed, and the simulator's unless told otherwise. */
export const CCNET_BAUD = 9600;

export interface BillTableEntry {
  readonly billType: number;
  /** Denomination digits and power-of-ten exponent, as the table word carries them. */
  readonly digits: number;
  readonly exponent: number;
  readonly country: string;
  readonly design: 'old' | 'saka';
}

function tenge(billType: number, value: number, design: 'old' | 'saka'): BillTableEntry {
  let exponent = 0;
  let digits = value;
  while (digits % 10 === 0 && digits >= 10) {
    digits /= 10;
    exponent++;
  }
  return { billType, digits, exponent, country: 'KZT', design };
}

/** Old designs in types 0..6, the new "Saka" designs in 8..12 (type 7 left empty, as tables have holes). */
export const TENGE_BILL_TABLE: readonly BillTableEntry[] = Object.freeze([
  tenge(0, 200, 'old'),
  tenge(1, 500, 'old'),
  tenge(2, 1000, 'old'),
  tenge(3, 2000, 'old'),
  tenge(4, 5000, 'old'),
  tenge(5, 10_000, 'old'),
  tenge(6, 20_000, 'old'),
  tenge(8, 500, 'saka'),
  tenge(9, 1000, 'saka'),
  tenge(10, 2000, 'saka'),
  tenge(11, 5000, 'saka'),
  tenge(12, 10_000, 'saka'),
]);

export type InsertedNote = number | 'clipped' | 'foreign' | 'unknown';

export interface CcnetValidatorOptions {
  readonly billTable?: readonly BillTableEntry[];
  readonly cassetteCapacity?: number;
  /** From the end of a command to the first byte of the answer; CCNET allows up to 10 ms. */
  readonly responseDelayMs?: number;
  /** Answer with extended frames (LNG = 0 and a 2-byte length) whatever the length. */
  readonly extendedFrames?: boolean;
  readonly baud?: number;
  readonly initializeMs?: number;
  readonly acceptMs?: number;
  readonly stackMs?: number;
  readonly returnMs?: number;
  readonly rejectMs?: number;
}

/** What really happened, kept by the device: the oracle for tests. */
export class ValidatorTruth {
  /** Tenge notes in the cassette, in the order they arrived. */
  readonly cassetteTenge: number[] = [];
  /** Tenge notes handed back to the customer (returned from escrow, ejected after power-up). */
  readonly returnedTenge: number[] = [];
  /** Bad notes refused (clipped, foreign, unknown, inhibited). */
  rejected = 0;
  /** Distinct BILL STACKED reports sent (each counted once however often it was resent). */
  readonly reportedStackedTenge: number[] = [];
  readonly reportedReturnedTenge: number[] = [];
  /** Every POLL state this device has answered with. */
  readonly statesReported = new Set<number>();
  commandsReceived = 0;
  badCommandFrames = 0;
  acksReceived = 0;
  naksReceived = 0;
  ackTimeouts = 0;
  escrowTimeouts = 0;
}

const SIM_ACK_SLACK_MS = 2;
const INTER_BYTE_GAP_MS = 5;
const RETRANSMITS_MAX = 3;
const ESCROW_TIMEOUT_MS = 10_000;
const CHEATED_MS = 600;
const IDENTIFICATION_TEXT = 'SM-KZ1702     ' + '\u0000' + 'KZ0000012345' + 'ATM0001';

type Fault = 'none' | 'cassette-full' | 'cassette-out' | 'jam-validator' | 'jam-stacker' | 'cheated' | 'failure';

export class CcnetValidatorSim implements SimActor {
  readonly truth = new ValidatorTruth();
  readonly #clock: VirtualClock;
  readonly #line: LinkEnd;
  readonly #table = new Uint8Array(BILL_TABLE_BYTES);
  readonly #typeTenge = new Int32Array(BILL_TYPES_MAX);
  readonly #typeDesign: ('old' | 'saka' | '')[] = new Array(BILL_TYPES_MAX).fill('');
  readonly #reader = new FrameReader(ADDRESS_BILL_VALIDATOR, true);
  readonly #scratch = new Uint8Array(64);
  readonly #out = new Uint8Array(FRAME_BYTES_MAX);
  readonly #data = new Uint8Array(FRAME_BYTES_MAX);
  readonly #byteMs: number;
  readonly #options: Required<Omit<CcnetValidatorOptions, 'billTable'>>;
  readonly #customer: { note: InsertedNote; design: 'old' | 'saka' }[] = [];

  responseDelayMs: number;
  /** How long after our answer the controller's ACK may start (CCNET: 10 ms). */
  ackWindowMs = 10;
  extendedFrames: boolean;
  cassetteCapacity: number;

  #powered = true;
  #powerOnAtMs = Infinity;
  #state = STATE_POWER_UP;
  #z2 = 0;
  #stateUntilMs = Infinity;
  #initialized = false;
  readonly #enableMask = new Uint8Array(3);
  readonly #escrowMask = new Uint8Array(3);
  // The note inside, from accepting until stacked or returned.
  #noteType = -1;
  #noteRejectCode = 0;
  #escrowUntilMs = Infinity;
  /** An event (81/82) reported and not yet ACKed by the controller: it is reported again. */
  #eventPending = false;
  #eventReported = false;
  #recoveryType = -1;
  #ejectAfterReset = -1;
  #fault: Fault = 'none';
  #failureCode = 0;
  #jamNextStack = false;
  #jamNextAccept = false;
  #busyUntilMs = 0;
  #pauseUntilMs = 0;
  // The answer on its way, and the ACK we then wait for.
  #answerAtMs = Infinity;
  #answerLength = 0;
  #answerIsEvent = false;
  #answerIsControl = false;
  #ackDueMs = Infinity;
  #retransmits = 0;
  #lastByteMs = 0;

  constructor(clock: VirtualClock, line: LinkEnd, options: CcnetValidatorOptions = {}) {
    this.#clock = clock;
    this.#line = line;
    this.#options = {
      cassetteCapacity: options.cassetteCapacity ?? 1000,
      responseDelayMs: options.responseDelayMs ?? 2,
      extendedFrames: options.extendedFrames ?? false,
      baud: options.baud ?? CCNET_BAUD,
      initializeMs: options.initializeMs ?? 1500,
      acceptMs: options.acceptMs ?? 400,
      stackMs: options.stackMs ?? 500,
      returnMs: options.returnMs ?? 400,
      rejectMs: options.rejectMs ?? 500,
    };
    this.responseDelayMs = this.#options.responseDelayMs;
    this.extendedFrames = this.#options.extendedFrames;
    this.cassetteCapacity = this.#options.cassetteCapacity;
    this.#byteMs = 10_000 / this.#options.baud;
    for (const entry of options.billTable ?? TENGE_BILL_TABLE) this.#writeTableWord(entry);
    this.truth.statesReported.clear();
  }

  #writeTableWord(entry: BillTableEntry): void {
    const at = entry.billType * BILL_TABLE_WORD_BYTES;
    this.#table[at] = entry.digits;
    for (let index = 0; index < 3; index++) this.#table[at + 1 + index] = entry.country.charCodeAt(index);
    this.#table[at + 4] = entry.exponent;
    let value = entry.digits;
    for (let index = 0; index < entry.exponent; index++) value *= 10;
    if (entry.country === 'KZT') {
      this.#typeTenge[entry.billType] = value;
      this.#typeDesign[entry.billType] = entry.design;
    }
  }

  // ---- the customer's hands and the technician's -----------------------------------------

  /** Puts a note on the customer's stack; the device takes it when enabled and idle. */
  insert(note: InsertedNote, design: 'old' | 'saka' = 'old'): void {
    this.#customer.push({ note, design });
  }

  get notesWaiting(): number {
    return this.#customer.length;
  }

  /** The next stack operation jams in the stacker (44) until `clearJam()`; the note then lands in the cassette. */
  jamNextStack(): void {
    this.#jamNextStack = true;
  }

  /** The next note jams in the validator head (43) until `clearJam()`; the technician then takes it out. */
  jamNextAccept(): void {
    this.#jamNextAccept = true;
  }

  /**
   * A faulty or misconfigured device: it stacks a note of bill type `billType` at once, asked or
   * not — no escrow, whatever the masks say — and reports it stacked. False unless it is at
   * rest (idling or disabled, no note inside, no report waiting for the controller's ACK).
   */
  stackUnasked(billType: number): boolean {
    const atRest = this.#state === STATE_IDLING || this.#state === STATE_UNIT_DISABLED;
    if (
      !this.#powered ||
      !this.#initialized ||
      !atRest ||
      this.#noteType >= 0 ||
      this.#eventPending ||
      this.#fault !== 'none'
    )
      return false;
    if (billType < 0 || billType >= BILL_TYPES_MAX) return false;
    this.#noteType = billType;
    this.#startStacking(this.#clock.nowMs);
    return true;
  }

  clearJam(): void {
    if (this.#fault === 'jam-stacker') {
      this.#fault = 'none';
      this.#stackNote(); // it was pushed the rest of the way in
    } else if (this.#fault === 'jam-validator') {
      this.#fault = 'none';
      if (this.#noteType >= 0) this.truth.returnedTenge.push(this.#typeTenge[this.#noteType]);
      this.#noteType = -1;
      this.#setState(this.#idleState());
    }
  }

  removeCassette(): void {
    this.#fault = 'cassette-out';
  }

  insertCassette(): void {
    // Only a cassette that was out goes back in: "inserting" the one in place changes nothing (it
    // once set the idle state over a stacked report still waiting for its POLL, and the note went unheard).
    if (this.#fault !== 'cassette-out') return;
    this.#fault = 'none';
    if (!this.#eventPending) this.#setState(this.#idleState());
  }

  /** The collection: the cassette is emptied and put back. */
  emptyCassette(): void {
    this.truth.cassetteTenge.length = 0;
    if (this.#fault === 'cassette-full') this.#fault = 'none';
  }

  /** Someone pulls a note back on a string: reported as CHEATED for a moment. */
  cheat(): void {
    this.#fault = 'cheated';
    this.#stateUntilMs = this.#clock.nowMs + CHEATED_MS;
  }

  fail(failureCode: number): void {
    this.#fault = 'failure';
    this.#failureCode = failureCode;
  }

  repair(): void {
    if (this.#fault === 'failure') this.#fault = 'none';
  }

  busyFor(durationMs: number): void {
    this.#busyUntilMs = this.#clock.nowMs + durationMs;
  }

  /** The customer pushes the next note in while one is being taken (46 PAUSE). */
  pauseFor(durationMs: number): void {
    this.#pauseUntilMs = this.#clock.nowMs + durationMs;
  }

  /** Power off now and back on after `offMs`: a note in the head is reported as 11, one in the stacker as 12. */
  powerCut(offMs: number): void {
    this.#powered = false;
    this.#powerOnAtMs = this.#clock.nowMs + offMs;
    this.#answerAtMs = Infinity;
    this.#ackDueMs = Infinity;
    this.#stateUntilMs = Infinity;
    this.#reader.clear();
  }

  get state(): number {
    return this.#state;
  }

  get enabled(): boolean {
    return (this.#enableMask[0] | this.#enableMask[1] | this.#enableMask[2]) !== 0;
  }

  // ---- SimActor ---------------------------------------------------------------------------

  nextEventMs(): number {
    if (!this.#powered) return Math.min(this.#powerOnAtMs, this.#line.nextArrivalMs());
    let next = Math.min(this.#line.nextArrivalMs(), this.#answerAtMs, this.#ackDueMs, this.#stateUntilMs);
    if (this.#state === STATE_ESCROW || this.#state === STATE_HOLDING) next = Math.min(next, this.#escrowUntilMs);
    if (this.#reader.count > 0) next = Math.min(next, this.#lastByteMs + INTER_BYTE_GAP_MS);
    if (this.#busyUntilMs > this.#clock.nowMs) next = Math.min(next, this.#busyUntilMs);
    if (this.#pauseUntilMs > this.#clock.nowMs) next = Math.min(next, this.#pauseUntilMs);
    return next;
  }

  step(nowMs: number): void {
    if (!this.#powered) {
      while (this.#line.read(this.#scratch) > 0) {
        /* nobody listens */
      }
      if (nowMs >= this.#powerOnAtMs) this.#powerOn();
      return;
    }
    this.#receive(nowMs);
    if (nowMs >= this.#answerAtMs) this.#sendAnswer(nowMs);
    if (nowMs >= this.#ackDueMs) {
      // Silence counts as NAK: the event stays to be reported again.
      this.truth.ackTimeouts++;
      this.#ackDueMs = Infinity;
    }
    this.#advance(nowMs);
  }

  #powerOn(): void {
    this.#powered = true;
    this.#powerOnAtMs = Infinity;
    this.#initialized = false;
    this.#enableMask.fill(0);
    this.#escrowMask.fill(0);
    this.#eventPending = false;
    this.#escrowUntilMs = Infinity;
    let state = STATE_POWER_UP;
    if (this.#noteType >= 0 && this.#state === STATE_STACKING) {
      state = STATE_POWER_UP_BILL_IN_STACKER;
      this.#recoveryType = this.#noteType;
    } else if (this.#noteType >= 0) {
      state = STATE_POWER_UP_BILL_IN_VALIDATOR;
      this.#ejectAfterReset = this.#noteType;
    }
    this.#noteType = -1;
    if (this.#fault === 'jam-stacker' || this.#fault === 'jam-validator' || this.#fault === 'cheated')
      this.#fault = 'none';
    this.#setState(state);
  }

  // ---- commands -----------------------------------------------------------------------------

  #receive(nowMs: number): void {
    const reader = this.#reader;
    if (reader.readFrom(this.#line, this.#scratch) > 0) this.#lastByteMs = nowMs;
    for (let frames = 0; frames < 4; frames++) {
      const result = reader.scan();
      if (result === 'frame') {
        this.#onFrame(reader.command, reader.buffer, reader.dataStart, reader.dataLength, nowMs);
        reader.drop(result);
        continue;
      }
      if (result === 'bad-crc') {
        this.truth.badCommandFrames++;
        reader.clear();
        this.#answer(REPLY_NAK, nowMs);
      }
      break;
    }
    // CCNET: 5 ms without a byte ends a frame; a torn one is dropped unanswered.
    if (reader.count > 0 && nowMs - this.#lastByteMs >= INTER_BYTE_GAP_MS) reader.clear();
  }

  #onFrame(command: number, frame: Uint8Array, dataStart: number, dataLength: number, nowMs: number): void {
    if (command === REPLY_ACK || command === REPLY_NAK) {
      this.#onControllerReply(command, nowMs);
      return;
    }
    this.truth.commandsReceived++;
    this.#ackDueMs = Infinity;
    switch (command) {
      case CMD_RESET:
        this.#reset(nowMs);
        return this.#answer(REPLY_ACK, nowMs);
      case CMD_POLL:
        return this.#answerPoll(nowMs);
      case CMD_GET_STATUS:
        this.#data.set(this.#enableMask, 0);
        this.#data[3] = 0;
        this.#data[4] = 0;
        this.#data[5] = 0;
        return this.#answerData(6, false, nowMs);
      case CMD_SET_SECURITY:
        return this.#answer(dataLength === 3 ? REPLY_ACK : REPLY_ILLEGAL_COMMAND, nowMs);
      case CMD_ENABLE_BILL_TYPES:
        return this.#onEnable(frame, dataStart, dataLength, nowMs);
      case CMD_STACK:
      case CMD_RETURN:
      case CMD_HOLD:
        return this.#onEscrowCommand(command, nowMs);
      case CMD_IDENTIFICATION:
        for (let index = 0; index < IDENTIFICATION_BYTES; index++)
          this.#data[index] = IDENTIFICATION_TEXT.charCodeAt(index);
        return this.#answerData(IDENTIFICATION_BYTES, false, nowMs);
      case CMD_GET_BILL_TABLE:
        this.#data.set(this.#table, 0);
        return this.#answerData(BILL_TABLE_BYTES, false, nowMs);
      default:
        return this.#answer(REPLY_ILLEGAL_COMMAND, nowMs);
    }
  }

  #onControllerReply(reply: number, nowMs: number): void {
    if (this.#ackDueMs === Infinity) return; // nothing awaited it
    if (reply === REPLY_ACK) {
      this.truth.acksReceived++;
      this.#ackDueMs = Infinity;
      if (this.#answerIsEvent) this.#commitEvent();
      return;
    }
    this.truth.naksReceived++;
    if (this.#retransmits < RETRANSMITS_MAX) {
      this.#retransmits++;
      this.#ackDueMs = Infinity;
      this.#answerAtMs = nowMs + this.responseDelayMs;
    }
  }

  #reset(nowMs: number): void {
    this.#initialized = false;
    this.#enableMask.fill(0);
    this.#escrowMask.fill(0);
    this.#eventPending = false;
    if (this.#fault === 'cheated' || this.#fault === 'jam-validator' || this.#fault === 'failure') this.#fault = 'none';
    if (this.#noteType >= 0 && this.#state === STATE_STACKING) {
      this.#recoveryType = this.#noteType; // under way into the cassette: it finishes, reported after init
      this.#noteType = -1;
      if (this.#fault === 'jam-stacker') this.#fault = 'none';
    } else if (this.#noteType >= 0) {
      this.truth.returnedTenge.push(this.#typeTenge[this.#noteType]); // RESET pushes a held note out
      this.#noteType = -1;
    }
    if (this.#ejectAfterReset >= 0) {
      this.truth.returnedTenge.push(this.#typeTenge[this.#ejectAfterReset]);
      this.#ejectAfterReset = -1;
    }
    this.#escrowUntilMs = Infinity;
    this.#setState(STATE_INITIALIZE);
    this.#stateUntilMs = nowMs + this.#options.initializeMs;
  }

  #onEnable(frame: Uint8Array, dataStart: number, dataLength: number, nowMs: number): void {
    const allowed =
      this.#initialized &&
      (this.#state === STATE_IDLING ||
        this.#state === STATE_UNIT_DISABLED ||
        this.#state === STATE_ACCEPTING ||
        this.#state === STATE_ESCROW ||
        this.#state === STATE_STACKING ||
        this.#state === STATE_RETURNING ||
        this.#state === STATE_HOLDING ||
        this.#state === STATE_REJECTING ||
        this.#state === STATE_BILL_STACKED ||
        this.#state === STATE_BILL_RETURNED);
    if (dataLength !== 6 || !allowed) return this.#answer(REPLY_ILLEGAL_COMMAND, nowMs);
    for (let index = 0; index < 3; index++) {
      this.#enableMask[index] = frame[dataStart + index];
      this.#escrowMask[index] = frame[dataStart + 3 + index];
    }
    if (this.#state === STATE_IDLING || this.#state === STATE_UNIT_DISABLED) this.#setState(this.#idleState());
    this.#answer(REPLY_ACK, nowMs);
  }

  #onEscrowCommand(command: number, nowMs: number): void {
    const holding = this.#state === STATE_ESCROW || this.#state === STATE_HOLDING;
    if (!holding || this.#noteType < 0) return this.#answer(REPLY_ILLEGAL_COMMAND, nowMs);
    if (command === CMD_HOLD) {
      this.#setState(STATE_HOLDING, this.#noteType);
      this.#escrowUntilMs = nowMs + ESCROW_TIMEOUT_MS;
    } else if (command === CMD_STACK) {
      this.#startStacking(nowMs);
    } else {
      this.#startReturning(nowMs);
    }
    this.#answer(REPLY_ACK, nowMs);
  }

  #answerPoll(nowMs: number): void {
    let state = this.#state;
    let z2 = this.#z2;
    if (this.#busyUntilMs > nowMs) {
      state = STATE_BUSY;
      z2 = Math.min(255, Math.ceil((this.#busyUntilMs - nowMs) / 100));
    } else if (this.#pauseUntilMs > nowMs && (state === STATE_ACCEPTING || state === STATE_STACKING)) {
      state = STATE_PAUSE;
    } else if (this.#fault !== 'none' && !this.#eventPending) {
      // A stacked or returned report goes out before any fault: the note's fate comes first.
      state = this.#faultState();
      z2 = this.#failureCode;
    }
    this.truth.statesReported.add(state);
    this.#data[0] = state;
    this.#data[1] = z2;
    const isEvent = state === STATE_BILL_STACKED || state === STATE_BILL_RETURNED;
    if (isEvent && !this.#eventReported) {
      this.#eventReported = true;
      (state === STATE_BILL_STACKED ? this.truth.reportedStackedTenge : this.truth.reportedReturnedTenge).push(
        this.#typeTenge[z2],
      );
    }
    this.#answerData(stateHasZ2(state) ? 2 : 1, isEvent, nowMs);
  }

  #faultState(): number {
    switch (this.#fault) {
      case 'cassette-full':
        return STATE_CASSETTE_FULL;
      case 'cassette-out':
        return STATE_CASSETTE_OUT;
      case 'jam-validator':
        return STATE_VALIDATOR_JAMMED;
      case 'jam-stacker':
        return STATE_CASSETTE_JAMMED;
      case 'cheated':
        return STATE_CHEATED;
      default:
        return STATE_FAILURE;
    }
  }

  #answer(reply: number, nowMs: number): void {
    this.#data[0] = reply;
    this.#answerData(1, false, nowMs);
    this.#answerIsControl = true;
  }

  #answerData(dataLength: number, isEvent: boolean, nowMs: number): void {
    this.#answerLength = encodeFrame(
      this.#out,
      ADDRESS_BILL_VALIDATOR,
      -1,
      this.#data,
      dataLength,
      this.extendedFrames,
    );
    this.#answerIsEvent = isEvent;
    this.#answerIsControl = false;
    this.#answerAtMs = nowMs + this.responseDelayMs;
    this.#retransmits = 0;
  }

  #sendAnswer(nowMs: number): void {
    this.#answerAtMs = Infinity;
    if (!this.#line.write(this.#out, this.#answerLength)) return;
    if (!this.#answerIsControl) {
      // CCNET: the controller's ACK starts within 10 ms of our last byte.
      const ackFrameMs = 6 * this.#byteMs;
      this.#ackDueMs = nowMs + this.#answerLength * this.#byteMs + this.ackWindowMs + ackFrameMs + SIM_ACK_SLACK_MS;
    }
  }

  #commitEvent(): void {
    if (!this.#eventPending) return;
    this.#eventPending = false;
    this.#eventReported = false;
    this.#setState(this.#idleState());
  }

  // ---- the mechanics --------------------------------------------------------------------------

  #advance(nowMs: number): void {
    if (nowMs >= this.#stateUntilMs) {
      this.#stateUntilMs = Infinity;
      this.#onTimer(nowMs);
    }
    if (nowMs >= this.#escrowUntilMs && (this.#state === STATE_ESCROW || this.#state === STATE_HOLDING)) {
      this.truth.escrowTimeouts++;
      this.#startReturning(nowMs); // CCNET: no STACK/RETURN within 10 s, the device returns it itself
    }
    if (
      this.#fault === 'none' &&
      this.#initialized &&
      this.#state === STATE_IDLING &&
      this.#customer.length > 0 &&
      this.#busyUntilMs <= nowMs
    ) {
      this.#takeNote(nowMs);
    }
  }

  #onTimer(nowMs: number): void {
    if (this.#fault === 'cheated') {
      this.#fault = 'none';
      // A stacked or returned report still waiting for its POLL (the device was busy) is not lost with the fault.
      if (!this.#eventPending) this.#setState(this.#idleState());
      return;
    }
    switch (this.#state) {
      case STATE_INITIALIZE:
        this.#initialized = true;
        if (this.#recoveryType >= 0) {
          // Credit recovery: the note in the stacker at power-up is now in the cassette.
          this.#noteType = this.#recoveryType;
          this.#recoveryType = -1;
          this.#stackNote();
        } else {
          this.#setState(STATE_UNIT_DISABLED);
        }
        return;
      case STATE_ACCEPTING:
        return this.#finishAccepting(nowMs);
      case STATE_STACKING:
        if (this.#jamNextStack) {
          this.#jamNextStack = false;
          this.#fault = 'jam-stacker';
          return;
        }
        return this.#stackNote();
      case STATE_RETURNING: {
        const billType = this.#noteType;
        this.truth.returnedTenge.push(this.#typeTenge[billType]);
        this.#noteType = -1;
        this.#eventPending = true;
        this.#eventReported = false;
        this.#setState(STATE_BILL_RETURNED, billType);
        return;
      }
      case STATE_REJECTING:
        this.#setState(this.#idleState());
        return;
      default:
        return;
    }
  }

  #takeNote(nowMs: number): void {
    const { note, design } = this.#customer.shift()!;
    this.#noteRejectCode = 0;
    this.#noteType = -1;
    if (note === 'clipped')
      this.#noteRejectCode = 0x6c; // length
    else if (note === 'foreign')
      this.#noteRejectCode = 0x65; // identification
    else if (note === 'unknown')
      this.#noteRejectCode = 0x66; // verification
    else {
      for (let billType = 0; billType < BILL_TYPES_MAX; billType++) {
        if (this.#typeTenge[billType] === note && this.#typeDesign[billType] === design) this.#noteType = billType;
      }
      if (this.#noteType < 0) this.#noteRejectCode = 0x65;
      else if (!maskHas(this.#enableMask, 0, this.#noteType)) this.#noteRejectCode = 0x68; // inhibited
    }
    if (this.#jamNextAccept) {
      this.#jamNextAccept = false;
      this.#fault = 'jam-validator';
      if (this.#noteType < 0) this.#noteType = -1;
      return;
    }
    this.#setState(STATE_ACCEPTING);
    this.#stateUntilMs = nowMs + this.#options.acceptMs;
  }

  #finishAccepting(nowMs: number): void {
    if (this.#noteRejectCode !== 0) {
      this.truth.rejected++;
      this.#noteType = -1;
      this.#setState(STATE_REJECTING, this.#noteRejectCode);
      this.#stateUntilMs = nowMs + this.#options.rejectMs;
      return;
    }
    if (!maskHas(this.#escrowMask, 0, this.#noteType)) return this.#startStacking(nowMs);
    this.#setState(STATE_ESCROW, this.#noteType);
    this.#escrowUntilMs = nowMs + ESCROW_TIMEOUT_MS;
  }

  #startStacking(nowMs: number): void {
    this.#escrowUntilMs = Infinity;
    if (this.truth.cassetteTenge.length >= this.cassetteCapacity) {
      // No room: the note goes back and the device reports the cassette full.
      this.#fault = 'cassette-full';
      return this.#startReturning(nowMs);
    }
    this.#setState(STATE_STACKING, this.#noteType);
    this.#stateUntilMs = nowMs + this.#options.stackMs;
  }

  #startReturning(nowMs: number): void {
    this.#escrowUntilMs = Infinity;
    this.#setState(STATE_RETURNING, this.#noteType);
    this.#stateUntilMs = nowMs + this.#options.returnMs;
  }

  #stackNote(): void {
    const billType = this.#noteType;
    this.truth.cassetteTenge.push(this.#typeTenge[billType]);
    this.#noteType = -1;
    this.#eventPending = true;
    this.#eventReported = false;
    this.#setState(STATE_BILL_STACKED, billType);
    if (this.truth.cassetteTenge.length >= this.cassetteCapacity) this.#fault = 'cassette-full';
  }

  #idleState(): number {
    if (!this.#initialized) return this.#state;
    return this.enabled ? STATE_IDLING : STATE_UNIT_DISABLED;
  }

  #setState(state: number, z2 = 0): void {
    this.#state = state;
    this.#z2 = z2;
  }
}

/**
 * Byte noise for a SerialLink end's `fault` hook, from one seed: each byte is dropped with
 * probability `dropPerByte`, or has bits flipped within itself with `flipPerByte` (a burst
 * inside one byte, which CRC-16 always catches). Returns the hook and its counts.
 */
export function wireNoise(
  seed: number,
  flipPerByte: number,
  dropPerByte: number,
): { fault: WireFault; flipped: () => number; dropped: () => number } {
  let state = seed | 0 || 0x2545f491;
  let flipped = 0;
  let dropped = 0;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const fault: WireFault = (byte) => {
    const roll = next();
    if (roll < dropPerByte) {
      dropped++;
      return -1;
    }
    if (roll < dropPerByte + flipPerByte) {
      flipped++;
      return byte ^ (1 + Math.floor(next() * 255));
    }
    return byte;
  };
  return { fault, flipped: () => flipped, dropped: () => dropped };
}

/** A validator simulator at the far end of its own simulated cable; the board (or a bridge) holds `link.boardEnd`. */
export interface ValidatorOnCable {
  readonly link: SerialLink;
  readonly sim: CcnetValidatorSim;
}

/**
 * Wires a validator simulator to a simulated cable: the one place it is done, for the simulated
 * board, the CCNET rig and the bridge onto a pty. The cable runs at the device's baud, or at
 * `cableBaud` (the pty bridge's is near-instant: there the pty and the OS give the delays).
 */
export function validatorOnCable(
  clock: VirtualClock,
  options: CcnetValidatorOptions = {},
  cableBaud = options.baud ?? CCNET_BAUD,
): ValidatorOnCable {
  const link = new SerialLink(clock, cableBaud);
  return { link, sim: new CcnetValidatorSim(clock, link.deviceEnd, options) };
}

export { STATE_BILL_STACKED, STATE_BILL_RETURNED, STATE_ESCROW };
