// The card reader's serial frames (src/card/PROTOCOL.md). Shared by the driver and the
// simulator: the encoder writes into a caller's buffer; the receiver parses byte by byte
// into its own buffer, allocated once.
import { assert } from '../assert';

export const STX = 0x02;
export const ETX = 0x03;
export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;

/** Frame types: a host command, a positive answer, a negative answer. */
export const TYPE_COMMAND = 0x43; // 'C'
export const TYPE_POSITIVE = 0x50; // 'P'
export const TYPE_NEGATIVE = 0x4e; // 'N'

/** Command codes (CM) and parameters (PM). ASCII digits, as Creator-style readers use. */
export const CM_INIT = 0x30;
export const CM_STATUS = 0x31;
export const CM_ENTRY = 0x32;
export const CM_MOVE = 0x33;
export const CM_ICC = 0x51;
export const CM_RF = 0x60;

export const PM_INIT_KEEP = 0x30;
export const PM_STATUS_SENSE = 0x30;
export const PM_ENTRY_ENABLE = 0x30;
export const PM_ENTRY_DISABLE = 0x31;
export const PM_MOVE_EJECT = 0x30;
export const PM_MOVE_RETAIN = 0x31;
export const PM_CHIP_ACTIVATE = 0x30;
export const PM_CHIP_DEACTIVATE = 0x31;
export const PM_CHIP_APDU = 0x39;

/** ST0: where the card is. ST1: whether a contactless card was seen since the last answer. */
export const ST0_NO_CARD = 0x30;
export const ST0_AT_GATE = 0x31;
export const ST0_INSIDE = 0x32;
export const ST1_NO_TAP = 0x30;
export const ST1_TAP_SEEN = 0x31;

/** Error codes of a negative answer, E1 E0 as two ASCII digits packed into one number. */
export const ERROR_UNKNOWN_COMMAND = 0x3030; // "00"
export const ERROR_PARAMETER = 0x3031; // "01"
export const ERROR_NO_CARD = 0x3032; // "02": the command needs a card where there is none
export const ERROR_JAM = 0x3130; // "10"
export const ERROR_BIN_FULL = 0x3131; // "11"
export const ERROR_NO_CHIP = 0x3230; // "20": no chip contacts on the card
export const ERROR_CHIP_MUTE = 0x3231; // "21": the chip gave no ATR
export const ERROR_CHIP_IO = 0x3232; // "22": the chip stopped answering during an exchange
export const ERROR_NO_RF_CARD = 0x3330; // "30": no contactless card in the field
export const ERROR_HARDWARE = 0x3430; // "40"

/** A C-APDU is at most 5 + 255 + 1 bytes; an R-APDU at most 256 + 2. */
export const FRAME_DATA_BYTES_MAX = 300;
/** LEN counts type, CM, PM (and ST0 ST1 or E1 E0 in answers) and the data. */
export const FRAME_LENGTH_MAX = 5 + FRAME_DATA_BYTES_MAX;
/** STX, LEN (2), body, ETX, BCC. */
export const FRAME_BYTES_MAX = 3 + FRAME_LENGTH_MAX + 2;

/** XOR of bytes[from..to). */
export function bcc(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let index = from; index < to; index++) value ^= bytes[index];
  return value;
}

/** STX LEN_H LEN_L 'C' CM PM DATA ETX BCC into `out`; returns the frame's length. */
export function encodeCommand(cm: number, pm: number, data: Uint8Array, dataLength: number, out: Uint8Array): number {
  return encodeFrame(TYPE_COMMAND, cm, pm, -1, -1, data, dataLength, out);
}

/** STX LEN 'P' CM PM ST0 ST1 DATA ETX BCC, or STX LEN 'N' CM PM E1 E0 ETX BCC (with no data). */
export function encodeAnswer(
  type: number,
  cm: number,
  pm: number,
  s0: number,
  s1: number,
  data: Uint8Array,
  dataLength: number,
  out: Uint8Array,
): number {
  assert(type === TYPE_POSITIVE || type === TYPE_NEGATIVE, 'answer type');
  assert(type === TYPE_POSITIVE || dataLength === 0, 'a negative answer carries no data');
  return encodeFrame(type, cm, pm, s0, s1, data, dataLength, out);
}

function encodeFrame(
  type: number,
  cm: number,
  pm: number,
  s0: number,
  s1: number,
  data: Uint8Array,
  dataLength: number,
  out: Uint8Array,
): number {
  assert(dataLength >= 0 && dataLength <= FRAME_DATA_BYTES_MAX, `frame data length ${dataLength} out of range`);
  const headerBytes = s0 < 0 ? 3 : 5;
  const length = headerBytes + dataLength;
  assert(out.length >= length + 5, 'frame buffer too small');
  let at = 0;
  out[at++] = STX;
  out[at++] = length >> 8;
  out[at++] = length & 0xff;
  out[at++] = type;
  out[at++] = cm;
  out[at++] = pm;
  if (s0 >= 0) {
    out[at++] = s0;
    out[at++] = s1;
  }
  for (let index = 0; index < dataLength; index++) out[at++] = data[index];
  out[at++] = ETX;
  out[at] = bcc(out, 0, at);
  return at + 1;
}

export type FrameProgress = 'none' | 'frame' | 'bad';

/**
 * Parses frames byte by byte. Bytes before an STX are skipped (line noise, a stray ACK).
 * A frame whose LEN is out of range, whose ETX is missing or whose BCC is wrong is 'bad':
 * the caller NAKs it and never acts on it.
 */
export class FrameReceiver {
  readonly bytes = new Uint8Array(FRAME_BYTES_MAX);
  #count = 0;
  #expectedBytes = 0;
  /** Bytes skipped while hunting for STX, since construction. */
  skippedBytes = 0;

  reset(): void {
    this.#count = 0;
    this.#expectedBytes = 0;
  }

  get receiving(): boolean {
    return this.#count > 0;
  }

  push(byte: number): FrameProgress {
    if (this.#count === 0) {
      if (byte !== STX) {
        this.skippedBytes++;
        return 'none';
      }
    }
    this.bytes[this.#count++] = byte;
    if (this.#count === 3) {
      const length = (this.bytes[1] << 8) | this.bytes[2];
      if (length < 3 || length > FRAME_LENGTH_MAX) {
        this.reset();
        return 'bad';
      }
      this.#expectedBytes = length + 5;
    }
    if (this.#count < 3 || this.#count < this.#expectedBytes) return 'none';
    const total = this.#count;
    this.reset();
    if (this.bytes[total - 2] !== ETX || bcc(this.bytes, 0, total - 1) !== this.bytes[total - 1]) return 'bad';
    return 'frame';
  }

  // Accessors for the last complete frame.
  get length(): number {
    return (this.bytes[1] << 8) | this.bytes[2];
  }
  get type(): number {
    return this.bytes[3];
  }
  get cm(): number {
    return this.bytes[4];
  }
  get pm(): number {
    return this.bytes[5];
  }
  /** ST0 of a positive answer, E1 of a negative one. */
  get s0(): number {
    return this.bytes[6];
  }
  get s1(): number {
    return this.bytes[7];
  }
  /** E1 E0 of a negative answer as one number, e.g. 0x3130 for "10". */
  get errorCode(): number {
    return (this.bytes[6] << 8) | this.bytes[7];
  }
  /** Where the data begins: after PM for a command, after ST1 for an answer. */
  get dataStart(): number {
    return this.type === TYPE_COMMAND ? 6 : 8;
  }
  get dataLength(): number {
    return this.length - (this.type === TYPE_COMMAND ? 3 : 5);
  }
}
