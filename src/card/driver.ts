// The motorised card reader's driver: a scheduler task that polls the reader over its own
// serial line (PROTOCOL.md), takes a card in when enabled, reads the chip's card number and
// turns it into a token at once. The PAN never leaves this module in clear: events carry the
// token (HMAC-SHA-256 under the bank's token key) and a masked form; the digits are wiped.
import type { Crypto, SerialLine } from '../../hal/ports';
import { assert } from '../assert';
import type { Task } from '../loop/scheduler';
import { CARD_KEPT, maskPanOfLength } from '../log/mask';
import { EmvPanReader, APDU_BYTES_MAX, type EmvFailure } from './emv';
import {
  CM_ENTRY,
  CM_ICC,
  CM_INIT,
  CM_MOVE,
  CM_RF,
  CM_STATUS,
  ERROR_CHIP_IO,
  ERROR_CHIP_MUTE,
  ERROR_JAM,
  ERROR_NO_CARD,
  ERROR_NO_CHIP,
  ERROR_NO_RF_CARD,
  PM_CHIP_ACTIVATE,
  PM_CHIP_APDU,
  PM_CHIP_DEACTIVATE,
  PM_ENTRY_DISABLE,
  PM_ENTRY_ENABLE,
  PM_INIT_KEEP,
  PM_MOVE_EJECT,
  PM_MOVE_RETAIN,
  PM_STATUS_SENSE,
  ST0_AT_GATE,
  ST0_INSIDE,
  ST0_NO_CARD,
  ST1_TAP_SEEN,
  TYPE_POSITIVE,
} from './frame';
import { ReaderLink } from './link';

export type ReadFailure = 'no-chip' | 'mute' | EmvFailure;

export type CardEvent =
  | { readonly kind: 'inserted' }
  | { readonly kind: 'read'; readonly cardToken: string; readonly maskedPan: string; readonly kaspiGold: boolean }
  | { readonly kind: 'tap-refused' }
  | { readonly kind: 'read-failed'; readonly reason: ReadFailure }
  | { readonly kind: 'removed' }
  | { readonly kind: 'retained' }
  | { readonly kind: 'fault'; readonly detail: string };

/**
 * Kaspi Gold is told by the card number's BIN (its first 6 digits), not by the AID: the AID only
 * names the scheme (Visa, Mastercard), which every bank's cards share. These are the demo
 * BINs of the simulator's Kaspi Gold cards, not Kaspi Bank's real table: the list is
 * configuration the bank supplies (CardReaderOptions.kaspiGoldBins). The flag only lets the
 * screen say "not a Kaspi card" early; the bank decides by the token.
 */
export const KASPI_GOLD_BINS_DEFAULT: readonly string[] = Object.freeze(['440043', '537400']);

export interface CardReaderOptions {
  /**
   * Contactless (tap) authorisation; off while the bank has it "temporarily not working". A
   * function reads the machine's configuration at each tap, so switching it is configuration.
   */
  readonly contactlessEnabled: boolean | (() => boolean);
  /**
   * This machine's own key of HMAC-SHA-256(key, PAN): the bank knows each card by this token.
   * Undefined when none is provisioned: the reader then never takes a card in (no key of zeros).
   */
  readonly tokenKey: Uint8Array | undefined;
  readonly kaspiGoldBins?: readonly string[];
}

export type CardReaderState = 'starting' | 'idle' | 'accepting' | 'reading' | 'holding' | 'presenting' | 'fault';
export type CardPosition = 'none' | 'gate' | 'inside' | 'unknown';

export interface CardReaderStatus {
  readonly state: CardReaderState;
  readonly cardPosition: CardPosition;
  readonly contactlessEnabled: boolean;
  readonly eventsQueued: number;
  readonly eventsDropped: number;
  readonly cardsRead: number;
  readonly cardsRetained: number;
  readonly linkFailures: number;
  readonly naksSent: number;
  readonly naksReceived: number;
  readonly timeouts: number;
  readonly lastFault: string;
}

export const CARD_EVENTS_MAX = 8;
/** How often the reader is asked where the card is (the validator's rhythm: 100–200 ms). */
export const STATUS_PERIOD_MS = 200;
/** While the reader does not answer, it is probed with INIT this often. */
export const FAULT_PROBE_PERIOD_MS = 2000;
/** Operation times the reader may take, before the answer (PROTOCOL.md §5). */
export const OPERATION_MS_QUICK = 100;
export const OPERATION_MS_MOTOR = 3000;
export const OPERATION_MS_CHIP = 1500;
export const TOKEN_HEX_CHARS = 32;
const MAC_BYTES = 32;

const INSERTED: CardEvent = Object.freeze({ kind: 'inserted' });
const REMOVED: CardEvent = Object.freeze({ kind: 'removed' });
const RETAINED: CardEvent = Object.freeze({ kind: 'retained' });
const TAP_REFUSED: CardEvent = Object.freeze({ kind: 'tap-refused' });

type ReadStep = 'activate' | 'apdu' | 'deactivate';

export class CardReaderDriver implements Task {
  readonly name = 'card-reader';
  readonly periodMs = 10;
  /** 128-byte UART FIFO fills in ~133 ms at 9600 baud: be back well before. */
  readonly deadlineMs = 100;
  readonly #link: ReaderLink;
  readonly #crypto: Crypto;
  readonly #tokenKey: Uint8Array | undefined;
  readonly #contactlessSwitch: () => boolean;
  readonly #kaspiGoldBins: readonly string[];
  readonly #emv = new EmvPanReader();
  readonly #apdu = new Uint8Array(APDU_BYTES_MAX);
  readonly #mac = new Uint8Array(MAC_BYTES);
  readonly #events: (CardEvent | undefined)[] = new Array<CardEvent | undefined>(CARD_EVENTS_MAX).fill(undefined);
  #eventHead = 0;
  #eventCount = 0;
  #eventsDropped = 0;
  #state: CardReaderState = 'starting';
  #position: CardPosition = 'unknown';
  #wantAccept = false;
  #entryEnabled = false;
  #ejectRequested = false;
  #retainRequested = false;
  #readInterface = CM_ICC;
  #readStep: ReadStep = 'activate';
  #nextStatusMs = 0;
  /** Nothing to send before the next status poll and no exchange in flight; the scheduler skips the task meanwhile. 0 when a tick has work. */
  restUntilMs = 0;
  #faultReported = false;
  #lastFault = '';
  #linkFailures = 0;
  #cardsRead = 0;
  #cardsRetained = 0;

  constructor(line: SerialLine, crypto: Crypto, options: CardReaderOptions) {
    assert(options.tokenKey === undefined || options.tokenKey.length >= 16, 'token key shorter than 128 bits');
    this.#link = new ReaderLink(line);
    this.#crypto = crypto;
    this.#tokenKey = options.tokenKey;
    const contactless = options.contactlessEnabled;
    this.#contactlessSwitch = typeof contactless === 'function' ? contactless : () => contactless;
    const bins = options.kaspiGoldBins ?? KASPI_GOLD_BINS_DEFAULT;
    for (const bin of bins) assert(/^\d{6}$/.test(bin), `BIN not 6 digits: ${bin}`);
    this.#kaspiGoldBins = bins;
  }

  // ----- the session's side -----

  /** Take one card: open the entry (and read one tap, when contactless is enabled). Never without a key. */
  enable(): void {
    this.restUntilMs = 0;
    this.#wantAccept = this.#tokenKey !== undefined;
  }

  disable(): void {
    this.restUntilMs = 0;
    this.#wantAccept = false;
  }

  /** Give the card back to the gate; a jam there makes the reader retain it instead. */
  eject(): void {
    this.restUntilMs = 0;
    if (this.#state === 'reading') this.#abortRead();
    if (this.#position === 'inside' || this.#position === 'unknown') this.#ejectRequested = true;
  }

  /** Capture the card into the bin (left at the gate too long, or a fault). */
  retain(): void {
    this.restUntilMs = 0;
    if (this.#state === 'reading') this.#abortRead();
    if (this.#position !== 'none') this.#retainRequested = true;
  }

  nextEvent(): CardEvent | undefined {
    if (this.#eventCount === 0) return undefined;
    const event = this.#events[this.#eventHead];
    this.#events[this.#eventHead] = undefined;
    this.#eventHead = (this.#eventHead + 1) % CARD_EVENTS_MAX;
    this.#eventCount--;
    return event;
  }

  status(): CardReaderStatus {
    const link = this.#link;
    return {
      state: this.#state,
      cardPosition: this.#position,
      contactlessEnabled: this.#contactlessSwitch(),
      eventsQueued: this.#eventCount,
      eventsDropped: this.#eventsDropped,
      cardsRead: this.#cardsRead,
      cardsRetained: this.#cardsRetained,
      linkFailures: this.#linkFailures,
      naksSent: link.naksSent,
      naksReceived: link.naksReceived,
      timeouts: link.timeouts,
      lastFault: this.#lastFault,
    };
  }

  // ----- the loop's side -----

  poll(nowMs: number): void {
    if (nowMs < this.restUntilMs) return;
    this.restUntilMs = 0;
    const link = this.#link;
    link.poll(nowMs);
    if (link.state === 'busy') return;
    if (link.state === 'done') {
      link.consume();
      this.#onAnswer(nowMs);
    } else if (link.state === 'failed') {
      link.consume();
      this.#onLinkFailed(nowMs);
    }
    this.#sendNext(nowMs);
    // Nothing sent and nothing asked: the reader speaks only when spoken to, and the next thing to
    // say is the status poll (the session's calls end the rest at once).
    if (link.state === 'idle') this.restUntilMs = this.#nextStatusMs;
  }

  #sendNext(nowMs: number): void {
    if (this.#state === 'starting' || this.#state === 'fault') {
      if (nowMs >= this.#nextStatusMs) this.#send(CM_INIT, PM_INIT_KEEP, 0, OPERATION_MS_QUICK, nowMs);
    } else if (this.#retainRequested) {
      this.#send(CM_MOVE, PM_MOVE_RETAIN, 0, OPERATION_MS_MOTOR, nowMs);
    } else if (this.#ejectRequested) {
      this.#send(CM_MOVE, PM_MOVE_EJECT, 0, OPERATION_MS_MOTOR, nowMs);
    } else if (this.#state === 'reading') {
      this.#sendReadStep(nowMs);
    } else if (this.#entryEnabled !== this.#wantAccept && (this.#position === 'none' || !this.#wantAccept)) {
      this.#send(CM_ENTRY, this.#wantAccept ? PM_ENTRY_ENABLE : PM_ENTRY_DISABLE, 0, OPERATION_MS_QUICK, nowMs);
    } else if (nowMs >= this.#nextStatusMs) {
      this.#send(CM_STATUS, PM_STATUS_SENSE, 0, OPERATION_MS_QUICK, nowMs);
      this.#nextStatusMs = nowMs + STATUS_PERIOD_MS;
    }
  }

  #send(cm: number, pm: number, dataLength: number, operationMs: number, nowMs: number): void {
    this.#link.send(cm, pm, this.#apdu, dataLength, operationMs, nowMs);
  }

  #sendReadStep(nowMs: number): void {
    const pm =
      this.#readStep === 'activate' ? PM_CHIP_ACTIVATE : this.#readStep === 'apdu' ? PM_CHIP_APDU : PM_CHIP_DEACTIVATE;
    const dataLength = this.#readStep === 'apdu' ? this.#emv.nextCommand(this.#apdu) : 0;
    this.#send(this.#readInterface, pm, dataLength, OPERATION_MS_CHIP, nowMs);
  }

  #onAnswer(nowMs: number): void {
    const answer = this.#link.answer;
    const cm = this.#link.cm;
    const pm = this.#link.pm;
    const positive = answer.type === TYPE_POSITIVE;
    if (positive) this.#observe(answer.s0, answer.s1, cm);
    const error = positive ? 0 : answer.errorCode;
    switch (cm) {
      case CM_INIT:
        return this.#onInit(positive, nowMs);
      case CM_STATUS:
        return positive ? undefined : this.#fault('status refused', nowMs);
      case CM_ENTRY:
        return this.#onEntry(positive, pm, nowMs);
      case CM_MOVE:
        return pm === PM_MOVE_RETAIN ? this.#onRetain(positive, nowMs) : this.#onEject(positive, error, nowMs);
      case CM_ICC:
      case CM_RF:
        return this.#onReadAnswer(positive, error, answer.bytes, answer.dataStart, answer.dataLength);
    }
    assert(false, `answer to an unknown command ${cm}`);
  }

  /** Every positive answer says where the card is, and whether a tap was seen since the last. */
  #observe(st0: number, st1: number, cm: number): void {
    const position: CardPosition =
      st0 === ST0_INSIDE ? 'inside' : st0 === ST0_AT_GATE ? 'gate' : st0 === ST0_NO_CARD ? 'none' : 'unknown';
    const before = this.#position;
    this.#position = position;
    if (position === 'inside' && before !== 'inside' && this.#state === 'accepting') {
      // The reader closes its entry behind a card (PROTOCOL.md §4): one card per enable().
      this.#entryEnabled = false;
      this.#wantAccept = false;
      this.#pushEvent(INSERTED);
      this.#startRead(CM_ICC);
    } else if (position === 'none' && (before === 'gate' || before === 'inside') && cm !== CM_MOVE && cm !== CM_INIT) {
      this.#ejectRequested = false;
      this.#retainRequested = false;
      if (this.#state === 'reading') this.#abortRead();
      this.#state = 'idle';
      this.#pushEvent(REMOVED);
    }
    if (st1 === ST1_TAP_SEEN) this.#onTap();
  }

  #onTap(): void {
    if (!this.#contactlessSwitch()) {
      // Coalesce a customer tapping again and again into one message on the screen.
      const last =
        this.#eventCount === 0 ? undefined : this.#events[(this.#eventHead + this.#eventCount - 1) % CARD_EVENTS_MAX];
      if (last !== TAP_REFUSED) this.#pushEvent(TAP_REFUSED);
      return;
    }
    if (this.#state === 'accepting' && this.#position === 'none') {
      this.#wantAccept = false;
      this.#startRead(CM_RF);
    }
  }

  #onInit(positive: boolean, nowMs: number): void {
    if (!positive) return this.#fault('init refused', nowMs);
    this.#state = 'idle';
    this.#faultReported = false;
    this.#entryEnabled = false;
    // A card inside at start-up (a power cut) belongs to someone who may be long gone: capture it.
    // After a fault mid-session, an eject the session asked for still stands.
    if (this.#position !== 'inside') this.#ejectRequested = false;
    this.#retainRequested = this.#position === 'inside' && !this.#ejectRequested;
    if (this.#position === 'gate') this.#state = 'presenting';
    this.#nextStatusMs = nowMs;
  }

  #onEntry(positive: boolean, pm: number, nowMs: number): void {
    if (!positive) return this.#fault('entry refused', nowMs);
    this.#entryEnabled = pm === PM_ENTRY_ENABLE;
    if (this.#state === 'idle' || this.#state === 'accepting') this.#state = this.#entryEnabled ? 'accepting' : 'idle';
  }

  #onEject(positive: boolean, error: number, nowMs: number): void {
    this.#ejectRequested = false;
    if (positive) {
      if (this.#position === 'gate') this.#state = 'presenting';
      return;
    }
    if (error === ERROR_JAM) {
      this.#lastFault = 'jam on eject: retaining';
      this.#retainRequested = true;
      return;
    }
    if (error === ERROR_NO_CARD) {
      if (this.#position !== 'none') this.#pushEvent(REMOVED);
      this.#position = 'none';
      this.#state = 'idle';
      return;
    }
    this.#fault('eject refused', nowMs);
  }

  #onRetain(positive: boolean, nowMs: number): void {
    this.#retainRequested = false;
    if (!positive) return this.#fault('retain refused: card stuck', nowMs);
    this.#position = 'none';
    this.#state = 'idle';
    this.#cardsRetained++;
    this.#pushEvent(RETAINED);
  }

  #startRead(readInterface: number): void {
    this.#state = 'reading';
    this.#readInterface = readInterface;
    this.#readStep = 'activate';
  }

  #abortRead(): void {
    this.#wipeCardData();
    this.#state = this.#position === 'inside' ? 'holding' : 'idle';
  }

  #onReadAnswer(positive: boolean, error: number, bytes: Uint8Array, dataStart: number, dataLength: number): void {
    if (this.#state !== 'reading') return; // the read was aborted while this answer was on its way
    if (this.#readStep === 'deactivate') {
      this.#state = this.#position === 'inside' ? 'holding' : 'idle';
      return;
    }
    if (!positive) {
      const reason: ReadFailure =
        error === ERROR_NO_CHIP
          ? 'no-chip'
          : error === ERROR_CHIP_MUTE ||
              error === ERROR_CHIP_IO ||
              error === ERROR_NO_RF_CARD ||
              error === ERROR_NO_CARD
            ? 'mute'
            : 'protocol';
      return this.#endRead({ kind: 'read-failed', reason });
    }
    if (this.#readStep === 'activate') {
      // An ATR begins with TS = 3B (direct) or 3F (inverse convention); contactless answers carry the UID.
      if (
        this.#readInterface === CM_ICC &&
        (dataLength < 2 || (bytes[dataStart] !== 0x3b && bytes[dataStart] !== 0x3f))
      ) {
        return this.#endRead({ kind: 'read-failed', reason: 'protocol' });
      }
      this.#emv.start();
      this.#readStep = 'apdu';
      return;
    }
    const step = this.#emv.onResponse(bytes, dataStart, dataLength);
    if (step === 'more') return;
    if (step === 'pan') return this.#endRead(this.#tokenise());
    this.#endRead({ kind: 'read-failed', reason: step });
  }

  #endRead(event: CardEvent): void {
    this.#wipeCardData();
    this.#pushEvent(event);
    this.#readStep = 'deactivate';
  }

  /**
   * A read is over (done, failed, aborted): the PAN's digits, and the chip's answers that carried
   * it in BCD (the link's frame and receive buffers), are zeroed. The next command's answer
   * would overwrite only its own few bytes of them.
   */
  #wipeCardData(): void {
    this.#emv.wipe();
    this.#link.wipe();
  }

  /** Every buffer of the driver's a card's bytes pass through, for a test to read after a session. */
  buffersForInspection(): readonly Uint8Array[] {
    return [...this.#link.receiveBuffers, this.#emv.pan, this.#apdu, this.#mac];
  }

  /** The only place the PAN is looked at: token, mask, BIN; then the digits are wiped. */
  #tokenise(): CardEvent {
    const emv = this.#emv;
    const panLength = emv.panLength;
    const tokenKey = this.#tokenKey;
    assert(panLength >= 12 && panLength <= emv.pan.length, 'PAN length out of range');
    assert(tokenKey !== undefined, 'a card was read on a machine with no card-token key');
    this.#crypto.hmacSha256(tokenKey, emv.pan, panLength, this.#mac);
    let cardToken = '';
    for (let index = 0; index < TOKEN_HEX_CHARS / 2; index++)
      cardToken += (this.#mac[index] < 16 ? '0' : '') + this.#mac[index].toString(16);
    // Only the digits the mask shows become a string: the rest stays in `emv.pan`, wiped below.
    let lastDigits = '';
    for (let index = panLength - CARD_KEPT.tail; index < panLength; index++)
      lastDigits += String.fromCharCode(emv.pan[index]);
    const maskedPan = maskPanOfLength(panLength, lastDigits);
    const kaspiGold = this.#isKaspiGold(emv.pan);
    emv.wipe();
    this.#mac.fill(0);
    this.#cardsRead++;
    return { kind: 'read', cardToken, maskedPan, kaspiGold };
  }

  #isKaspiGold(pan: Uint8Array): boolean {
    for (const bin of this.#kaspiGoldBins) {
      let same = true;
      for (let index = 0; index < 6 && same; index++) same = pan[index] === bin.charCodeAt(index);
      if (same) return true;
    }
    return false;
  }

  #onLinkFailed(nowMs: number): void {
    this.#linkFailures++;
    const failure = this.#link.failure;
    this.#fault(
      failure === 'bad-answer' || failure === 'nak'
        ? 'line noise: frames keep failing their checks'
        : 'no answer from the reader',
      nowMs,
    );
  }

  #fault(detail: string, nowMs: number): void {
    if (this.#state === 'reading') this.#wipeCardData();
    this.#state = 'fault';
    this.#position = 'unknown';
    this.#entryEnabled = false;
    this.#lastFault = detail;
    this.#nextStatusMs = nowMs + FAULT_PROBE_PERIOD_MS;
    if (this.#faultReported) return; // one event per episode, not one per failed probe
    this.#faultReported = true;
    this.#pushEvent({ kind: 'fault', detail });
  }

  #pushEvent(event: CardEvent): void {
    if (this.#eventCount === CARD_EVENTS_MAX) {
      // A session that stopped draining must not make the reader stop: drop the oldest, count it.
      this.#events[this.#eventHead] = undefined;
      this.#eventHead = (this.#eventHead + 1) % CARD_EVENTS_MAX;
      this.#eventCount--;
      this.#eventsDropped++;
    }
    this.#events[(this.#eventHead + this.#eventCount) % CARD_EVENTS_MAX] = event;
    this.#eventCount++;
  }
}
