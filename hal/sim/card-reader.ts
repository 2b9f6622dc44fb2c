// A simulated motorised card reader on the far end of a serial cable (src/card/PROTOCOL.md),
// holding simulated chip cards that answer ISO 7816-4 / EMV APDUs. The test's hands insert,
// tap and take cards; fault hooks corrupt answers, drop commands, jam the motor, spray noise.
import {
  ACK,
  CM_ENTRY,
  CM_ICC,
  CM_INIT,
  CM_MOVE,
  CM_RF,
  CM_STATUS,
  ERROR_CHIP_MUTE,
  ERROR_JAM,
  ERROR_NO_CARD,
  ERROR_NO_CHIP,
  ERROR_NO_RF_CARD,
  ERROR_PARAMETER,
  ERROR_UNKNOWN_COMMAND,
  FRAME_BYTES_MAX,
  FrameReceiver,
  NAK,
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
  ST1_NO_TAP,
  ST1_TAP_SEEN,
  TYPE_COMMAND,
  TYPE_NEGATIVE,
  TYPE_POSITIVE,
  encodeAnswer,
} from '../../src/card/frame';
import { hmacSha256Parts } from './sha256';
import type { LinkEnd } from './serial-link';
import type { SimActor, VirtualClock } from './world';

// ----- cards -----

export type ChipKind = 'emv' | 'none' | 'mute' | 'not-payment';

export interface SimCardSpec {
  readonly name: string;
  /** The card number, digits only. */
  readonly pan: string;
  readonly chip: ChipKind;
  /** The payment application's AID, hex. */
  readonly aid: string;
  /** Where the PAN is in the records: tag 5A in SFI 2, or only as track 2 equivalent (57) in SFI 1. */
  readonly panTag: '5A' | '57';
  readonly gpoFormat: 1 | 2;
  /** A PDOL (hex tag-length list) in the FCI, or '' for none. */
  readonly pdol: string;
  /** Answers like a T=0 card: 61xx first, the data on GET RESPONSE. */
  readonly t0: boolean;
  readonly contactless: boolean;
}

const VISA_AID = 'A0000000031010';
const MASTERCARD_AID = 'A0000000041010';

function card(spec: Partial<SimCardSpec> & Pick<SimCardSpec, 'name' | 'pan'>): SimCardSpec {
  return Object.freeze({
    chip: 'emv',
    aid: VISA_AID,
    panTag: '5A',
    gpoFormat: 2,
    pdol: '',
    t0: false,
    contactless: true,
    ...spec,
  });
}

/** Demo cards. The Kaspi Gold BINs 440043 / 537400 are the demo's, not Kaspi Bank's real ones. */
export const DEMO_CARDS = Object.freeze({
  kaspiGoldVisa: card({ name: 'Kaspi Gold Visa (demo)', pan: '4400430000000015' }),
  kaspiGoldVisaTrack2: card({
    name: 'Kaspi Gold Visa, PAN only in track 2, PDOL (demo)',
    pan: '4400430000000023',
    panTag: '57',
    gpoFormat: 1,
    pdol: '9F66049F02069F3704',
  }),
  kaspiGoldMastercard: card({
    name: 'Kaspi Gold Mastercard, T=0 (demo)',
    pan: '5374000000000015',
    aid: MASTERCARD_AID,
    t0: true,
  }),
  foreignVisa: card({ name: 'foreign Visa', pan: '4111111111111111', gpoFormat: 1 }),
  muteChip: card({ name: 'Kaspi Gold with a dead chip', pan: '4400430000000031', chip: 'mute' }),
  magstripeOnly: card({ name: 'magstripe-only card', pan: '4400430000000049', chip: 'none', contactless: false }),
  notPayment: card({
    name: 'transport card (chip, no payment application)',
    pan: '4400430000000056',
    chip: 'not-payment',
  }),
});

/** The token the bank should hold for a card: the first 32 hex chars of HMAC-SHA-256(key, PAN digits). */
export function cardTokenFor(pan: string, tokenKey: Uint8Array): string {
  const data = new Uint8Array(pan.length);
  for (let index = 0; index < pan.length; index++) data[index] = pan.charCodeAt(index);
  const mac = new Uint8Array(32);
  hmacSha256Parts(tokenKey, data, data.length, mac);
  let hex = '';
  for (let index = 0; index < 16; index++) hex += (mac[index] < 16 ? '0' : '') + mac[index].toString(16);
  return hex;
}

export function hexBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let index = 0; index < hex.length; index += 2) bytes.push(parseInt(hex.slice(index, index + 2), 16));
  return bytes;
}

/** BER-TLV with a short or 81 length, for building the card's answers. */
function tlv(tagHex: string, value: readonly number[]): number[] {
  const length = value.length < 0x80 ? [value.length] : [0x81, value.length];
  return [...hexBytes(tagHex), ...length, ...value];
}

function bcdDigits(digits: string): number[] {
  const padded = digits.length % 2 === 0 ? digits : `${digits}F`;
  return hexBytes(padded);
}

/** A chip card's answers to the APDUs a terminal sends to read it. */
export class SimChipCard {
  readonly spec: SimCardSpec;
  #selected = false;
  #pending: number[] = [];

  constructor(spec: SimCardSpec) {
    this.spec = spec;
  }

  /** Answer to reset, or undefined for a chip that does not answer (or is not there). */
  atr(): readonly number[] | undefined {
    this.#selected = false;
    this.#pending = [];
    return this.spec.chip === 'emv' || this.spec.chip === 'not-payment'
      ? [0x3b, 0x65, 0x00, 0x00, 0x9c, 0x11, 0x01, 0x01, 0x03]
      : undefined;
  }

  /** One C-APDU in, one R-APDU (data + SW1 SW2) out. */
  apdu(command: Uint8Array): number[] {
    if (command.length < 4) return [0x67, 0x00];
    const [cla, ins, p1, p2] = command;
    const lc = command.length > 5 ? command[4] : 0;
    const data = command.subarray(5, 5 + lc);
    if (cla === 0x00 && ins === 0xc0) return this.#getResponse(command.length === 5 ? command[4] : 0);
    if (cla === 0x00 && ins === 0xa4 && p1 === 0x04 && p2 === 0x00) return this.#select(data);
    if (cla === 0x80 && ins === 0xa8) return this.#gpo(data);
    if (cla === 0x00 && ins === 0xb2 && (p2 & 0x07) === 0x04) return this.#readRecord(p1, p2 >> 3);
    return [0x6d, 0x00];
  }

  #answer(data: number[]): number[] {
    if (!this.spec.t0) return [...data, 0x90, 0x00];
    this.#pending = data;
    return [0x61, data.length];
  }

  #getResponse(le: number): number[] {
    const data = this.#pending;
    this.#pending = [];
    if (data.length === 0) return [0x6f, 0x00];
    if (le !== data.length) return [0x6c, data.length];
    return [...data, 0x90, 0x00];
  }

  #select(aid: Uint8Array): number[] {
    const mine = hexBytes(this.spec.aid);
    const same =
      this.spec.chip === 'emv' && aid.length === mine.length && mine.every((byte, index) => aid[index] === byte);
    if (!same) return [0x6a, 0x82];
    this.#selected = true;
    const proprietary = [
      ...tlv(
        '50',
        [...'KASPI GOLD'].map((c) => c.charCodeAt(0)),
      ),
      ...(this.spec.pdol === '' ? [] : tlv('9F38', hexBytes(this.spec.pdol))),
    ];
    return this.#answer(tlv('6F', [...tlv('84', mine), ...tlv('A5', proprietary)]));
  }

  #pdolLength(): number {
    const dol = hexBytes(this.spec.pdol);
    let total = 0;
    for (let at = 0; at < dol.length; ) {
      at += (dol[at] & 0x1f) === 0x1f ? 2 : 1;
      total += dol[at++];
    }
    return total;
  }

  #gpo(data: Uint8Array): number[] {
    if (!this.#selected) return [0x69, 0x85];
    if (data.length < 2 || data[0] !== 0x83 || data[1] !== this.#pdolLength()) return [0x67, 0x00];
    const aip = [0x19, 0x80];
    const afl = [0x08, 0x01, 0x01, 0x00, 0x10, 0x01, 0x01, 0x00]; // SFI 1 record 1, SFI 2 record 1
    if (this.spec.gpoFormat === 1) return this.#answer(tlv('80', [...aip, ...afl]));
    return this.#answer(tlv('77', [...tlv('82', aip), ...tlv('94', afl)]));
  }

  #readRecord(record: number, sfi: number): number[] {
    if (!this.#selected || record !== 1) return [0x6a, 0x83];
    const name = tlv(
      '5F20',
      [...'DEMO/CARDHOLDER'].map((c) => c.charCodeAt(0)),
    );
    if (sfi === 1) {
      const track2 = bcdDigits(`${this.spec.pan}D27122010000000000`);
      return this.#answer(tlv('70', this.spec.panTag === '57' ? [...tlv('57', track2), ...name] : name));
    }
    if (sfi === 2) {
      const expiry = tlv('5F24', [0x27, 0x12, 0x31]);
      return this.#answer(
        tlv('70', this.spec.panTag === '5A' ? [...tlv('5A', bcdDigits(this.spec.pan)), ...expiry] : expiry),
      );
    }
    return [0x6a, 0x83];
  }
}

// ----- the reader -----

export type SimCardPosition = 'none' | 'gate' | 'inside';

/** Motor and chip timings of the simulated reader, ms (a Creator/Sankyo-class unit). */
export const SIM_READER_TIMING = Object.freeze({
  quickMs: 5,
  drawInMs: 600,
  ejectMs: 500,
  retainMs: 900,
  atrMs: 80,
  /** A mute chip: the reader waits this long for an ATR before saying so. */
  atrTimeoutMs: 300,
  apduMs: 30,
  /** A tapped card stays in the field this long. */
  tapFieldMs: 800,
});

export class SimCardReader implements SimActor {
  readonly #clock: VirtualClock;
  readonly #line: LinkEnd;
  readonly #receiver = new FrameReceiver();
  readonly #rx = new Uint8Array(64);
  readonly #out = new Uint8Array(FRAME_BYTES_MAX);
  readonly #single = new Uint8Array(1);
  #outLength = 0;
  #position: SimCardPosition = 'none';
  #card: SimChipCard | undefined = undefined;
  #entryEnabled = false;
  #chipPowered = false;
  #tapLatched = false;
  #fieldCard: SimChipCard | undefined = undefined;
  #fieldUntilMs = 0;
  #drawInAtMs = Infinity;
  // The command being carried out, answered at #answerAtMs.
  #answerAtMs = Infinity;
  #cm = 0;
  #pm = 0;
  #command = new Uint8Array(0);
  // Faults.
  #corruptAnswers = 0;
  #dropCommands = 0;
  #nakCommands = 0;
  #jamNextEject = false;
  /** A dead reader: hears nothing, says nothing. */
  silent = false;
  // What happened, for tests.
  readonly bin: SimCardSpec[] = [];
  commandsReceived = 0;
  naksFromHost = 0;
  badFramesReceived = 0;
  readonly commandLog: string[] = [];
  static readonly COMMAND_LOG_MAX = 256;

  constructor(clock: VirtualClock, line: LinkEnd) {
    this.#clock = clock;
    this.#line = line;
  }

  get position(): SimCardPosition {
    return this.#position;
  }

  get entryEnabled(): boolean {
    return this.#entryEnabled;
  }

  get cardInside(): SimCardSpec | undefined {
    return this.#card?.spec;
  }

  // ----- the customer's hands -----

  /** Pushes a card into the slot; false when the shutter is closed or a card is already there. */
  insertCard(spec: SimCardSpec): boolean {
    if (!this.#entryEnabled || this.#position !== 'none') return false;
    this.#card = new SimChipCard(spec);
    this.#position = 'gate';
    this.#drawInAtMs = this.#clock.nowMs + SIM_READER_TIMING.drawInMs;
    return true;
  }

  /** Holds a card to the contactless antenna for a moment. */
  tap(spec: SimCardSpec): void {
    this.#tapLatched = true;
    this.#fieldCard = spec.contactless ? new SimChipCard(spec) : undefined;
    this.#fieldUntilMs = this.#clock.nowMs + SIM_READER_TIMING.tapFieldMs;
  }

  /** Takes the card from the gate; undefined when there is none to take. */
  takeCard(): SimCardSpec | undefined {
    if (this.#position !== 'gate' || this.#drawInAtMs !== Infinity) return undefined;
    const spec = this.#card?.spec;
    this.#card = undefined;
    this.#position = 'none';
    return spec;
  }

  // ----- faults -----

  /** The next `count` answers (retransmissions included) go out with a corrupted byte. */
  corruptAnswers(count: number): void {
    this.#corruptAnswers = count;
  }

  /** The next `count` command frames are lost: no ACK, no answer. */
  dropCommands(count: number): void {
    this.#dropCommands = count;
  }

  /** The next `count` good command frames are NAKed as if they had arrived damaged. */
  nakCommands(count: number): void {
    this.#nakCommands = count;
  }

  /** The next eject jams: the card stays inside and the reader answers "10". */
  jamNextEject(): void {
    this.#jamNextEject = true;
  }

  /** Line noise from the reader's side, now. */
  sendGarbage(bytes: readonly number[]): void {
    this.#line.write(Uint8Array.from(bytes), bytes.length);
  }

  // ----- the world -----

  nextEventMs(): number {
    return Math.min(this.#line.nextArrivalMs(), this.#answerAtMs, this.#drawInAtMs);
  }

  step(nowMs: number): void {
    if (nowMs >= this.#drawInAtMs) {
      this.#drawInAtMs = Infinity;
      this.#position = 'inside';
      this.#entryEnabled = false; // the shutter closes behind a card (PROTOCOL.md §4)
    }
    if (nowMs >= this.#answerAtMs) {
      this.#answerAtMs = Infinity;
      this.#complete(nowMs);
    }
    for (let count = this.#line.read(this.#rx); count > 0; count = this.#line.read(this.#rx)) {
      for (let index = 0; index < count; index++) this.#onByte(this.#rx[index], nowMs);
    }
  }

  #onByte(byte: number, nowMs: number): void {
    if (this.silent) return;
    if (!this.#receiver.receiving && (byte === NAK || byte === ACK)) {
      if (byte === NAK && this.#outLength > 0) {
        this.naksFromHost++;
        this.#transmitAnswer();
      }
      return;
    }
    const progress = this.#receiver.push(byte);
    if (progress === 'bad' || (progress === 'frame' && this.#receiver.type !== TYPE_COMMAND)) {
      this.badFramesReceived++;
      this.#writeByte(NAK);
      return;
    }
    if (progress !== 'frame') return;
    if (this.#dropCommands > 0) {
      this.#dropCommands--;
      return;
    }
    if (this.#nakCommands > 0) {
      this.#nakCommands--;
      this.#writeByte(NAK);
      return;
    }
    this.#writeByte(ACK);
    this.#accept(nowMs);
  }

  #accept(nowMs: number): void {
    const frame = this.#receiver;
    this.commandsReceived++;
    this.#cm = frame.cm;
    this.#pm = frame.pm;
    this.#command = frame.bytes.slice(frame.dataStart, frame.dataStart + frame.dataLength);
    this.#outLength = 0;
    if (this.commandLog.length === SimCardReader.COMMAND_LOG_MAX) this.commandLog.shift();
    this.commandLog.push(`${String.fromCharCode(frame.cm)}${String.fromCharCode(frame.pm)}`);
    this.#answerAtMs = nowMs + this.#durationMs();
  }

  #durationMs(): number {
    const timing = SIM_READER_TIMING;
    if (this.#cm === CM_MOVE && this.#position !== 'none')
      return this.#pm === PM_MOVE_RETAIN ? timing.retainMs : timing.ejectMs;
    if (this.#cm === CM_ICC && this.#pm === PM_CHIP_ACTIVATE && this.#card !== undefined) {
      return this.#card.spec.chip === 'mute' ? timing.atrTimeoutMs : timing.atrMs;
    }
    if ((this.#cm === CM_ICC || this.#cm === CM_RF) && this.#pm === PM_CHIP_APDU) return timing.apduMs;
    return timing.quickMs;
  }

  /** Carries the command out at the end of its duration, and answers. */
  #complete(nowMs: number): void {
    const cm = this.#cm;
    const pm = this.#pm;
    let error = 0;
    let data: readonly number[] = [];
    if (cm === CM_INIT && pm === PM_INIT_KEEP) {
      this.#entryEnabled = false;
      this.#chipPowered = false;
    } else if (cm === CM_STATUS && pm === PM_STATUS_SENSE) {
      // nothing to do: the answer's ST0 ST1 is the point
    } else if (cm === CM_ENTRY && (pm === PM_ENTRY_ENABLE || pm === PM_ENTRY_DISABLE)) {
      this.#entryEnabled = pm === PM_ENTRY_ENABLE && this.#position === 'none';
    } else if (cm === CM_MOVE && (pm === PM_MOVE_EJECT || pm === PM_MOVE_RETAIN)) {
      error = this.#move(pm);
    } else if (cm === CM_ICC && (pm === PM_CHIP_ACTIVATE || pm === PM_CHIP_DEACTIVATE || pm === PM_CHIP_APDU)) {
      ({ error, data } = this.#contact(pm));
    } else if (cm === CM_RF && (pm === PM_CHIP_ACTIVATE || pm === PM_CHIP_DEACTIVATE || pm === PM_CHIP_APDU)) {
      ({ error, data } = this.#contactless(pm, nowMs));
    } else {
      error =
        cm === CM_INIT || cm === CM_STATUS || cm === CM_ENTRY || cm === CM_MOVE || cm === CM_ICC || cm === CM_RF
          ? ERROR_PARAMETER
          : ERROR_UNKNOWN_COMMAND;
    }
    const bytes = Uint8Array.from(data);
    this.#outLength =
      error === 0
        ? encodeAnswer(TYPE_POSITIVE, cm, pm, this.#st0(), this.#takeTap(), bytes, bytes.length, this.#out)
        : encodeAnswer(TYPE_NEGATIVE, cm, pm, error >> 8, error & 0xff, bytes, 0, this.#out);
    this.#transmitAnswer();
  }

  #move(pm: number): number {
    if (this.#position === 'none' || this.#card === undefined) return ERROR_NO_CARD;
    this.#chipPowered = false;
    if (pm === PM_MOVE_RETAIN) {
      this.bin.push(this.#card.spec);
      this.#card = undefined;
      this.#position = 'none';
      this.#drawInAtMs = Infinity;
      return 0;
    }
    if (this.#jamNextEject) {
      this.#jamNextEject = false;
      this.#position = 'inside';
      return ERROR_JAM;
    }
    this.#position = 'gate';
    return 0;
  }

  #contact(pm: number): { error: number; data: readonly number[] } {
    const card = this.#card;
    if (pm === PM_CHIP_DEACTIVATE) {
      this.#chipPowered = false;
      return { error: 0, data: [] };
    }
    if (card === undefined || this.#position !== 'inside') return { error: ERROR_NO_CARD, data: [] };
    if (pm === PM_CHIP_ACTIVATE) {
      if (card.spec.chip === 'none') return { error: ERROR_NO_CHIP, data: [] };
      const atr = card.atr();
      if (atr === undefined) return { error: ERROR_CHIP_MUTE, data: [] };
      this.#chipPowered = true;
      return { error: 0, data: atr };
    }
    if (!this.#chipPowered) return { error: ERROR_NO_CARD, data: [] };
    return { error: 0, data: card.apdu(this.#command) };
  }

  #contactless(pm: number, nowMs: number): { error: number; data: readonly number[] } {
    if (pm === PM_CHIP_DEACTIVATE) {
      this.#fieldCard = undefined;
      return { error: 0, data: [] };
    }
    const card = this.#fieldCard;
    if (card === undefined || nowMs > this.#fieldUntilMs) return { error: ERROR_NO_RF_CARD, data: [] };
    if (pm === PM_CHIP_ACTIVATE) {
      if (card.atr() === undefined) return { error: ERROR_NO_RF_CARD, data: [] };
      return { error: 0, data: [0x04, 0xa2, 0x5b, 0x11] }; // a 4-byte UID
    }
    return { error: 0, data: card.apdu(this.#command) };
  }

  #st0(): number {
    return this.#position === 'inside' ? ST0_INSIDE : this.#position === 'gate' ? ST0_AT_GATE : ST0_NO_CARD;
  }

  /** ST1 reports a tap once, then clears (PROTOCOL.md §4). */
  #takeTap(): number {
    const seen = this.#tapLatched;
    this.#tapLatched = false;
    return seen ? ST1_TAP_SEEN : ST1_NO_TAP;
  }

  #transmitAnswer(): void {
    if (this.#outLength === 0) return;
    if (this.#corruptAnswers > 0) {
      this.#corruptAnswers--;
      const copy = this.#out.slice(0, this.#outLength);
      copy[this.#outLength >> 1] ^= 0x20;
      this.#line.write(copy, this.#outLength);
      return;
    }
    this.#line.write(this.#out, this.#outLength);
  }

  #writeByte(byte: number): void {
    this.#single[0] = byte;
    this.#line.write(this.#single, 1);
  }
}
