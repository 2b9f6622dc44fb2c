// Reads the card number (PAN) from a payment chip with ISO 7816-4 APDUs, the least an EMV
// terminal must do to learn it: SELECT a payment application by AID (list-of-AIDs method,
// EMV Book 1 §12.3.3), GET PROCESSING OPTIONS with the PDOL filled with zeros, then READ RECORD
// along the AFL until tag 5A (PAN) or 57 (track 2 equivalent data) turns up. No cryptograms,
// no cardholder verification: the bank authorises with the token, not the chip.
//
// A step machine: the driver asks for the next C-APDU, ships it through the reader, and hands
// back the R-APDU (data + SW1 SW2). No allocation after construction.
import { assert } from '../assert';
import { TlvSpan, dolDataLength, tlvFind } from './tlv';

/**
 * Payment application identifiers tried in order. Kaspi Gold is issued on Visa and Mastercard;
 * Maestro and Visa Electron cover older foreign debit cards (which the bank then refuses).
 */
export const PAYMENT_AIDS: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10]), // Visa credit/debit
  Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10]), // Mastercard
  Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x03, 0x20, 0x10]), // Visa Electron
  Object.freeze([0xa0, 0x00, 0x00, 0x00, 0x04, 0x30, 0x60]), // Maestro
]);

export const SW_OK = 0x9000;
/** Bytes of an AFL we keep: 4 per entry, 16 entries is far above any real card. */
export const AFL_BYTES_MAX = 64;
export const PDOL_DATA_BYTES_MAX = 64;
export const RECORDS_READ_MAX = 16;
/** SW 61xx / 6Cxx detours (T=0) allowed for one step before we call the card broken. */
export const DETOURS_PER_STEP_MAX = 4;
/** Every APDU of one read, detours included. */
export const APDUS_PER_READ_MAX = 40;
/** ISO/IEC 7812: a PAN has at most 19 digits; payment cards at least 12. */
export const PAN_DIGITS_MAX = 19;
export const PAN_DIGITS_MIN = 12;
export const APDU_BYTES_MAX = 5 + 255 + 1;

export type EmvFailure = 'not-payment-card' | 'protocol';
export type EmvStep = 'more' | 'pan' | EmvFailure;

type Phase = 'select' | 'gpo' | 'read-record' | 'done';

export class EmvPanReader {
  /** The PAN as ASCII digits in pan[0..panLength). Wiped by `wipe()`; never leaves the driver. */
  readonly pan = new Uint8Array(PAN_DIGITS_MAX);
  panLength = 0;
  readonly #afl = new Uint8Array(AFL_BYTES_MAX);
  #aflLength = 0;
  #pdolDataLength = 0;
  #phase: Phase = 'done';
  #aidIndex = 0;
  #aflIndex = 0;
  #record = 0;
  #recordsRead = 0;
  #apdus = 0;
  #detours = 0;
  /** 0: the step's own command; 0x61: GET RESPONSE next; 0x6C: the step's command again with this Le. */
  #detour = 0;
  #detourLe = 0;
  readonly #span = new TlvSpan();

  start(): void {
    this.wipe();
    this.#phase = 'select';
    this.#aidIndex = 0;
    this.#aflLength = 0;
    this.#pdolDataLength = 0;
    this.#recordsRead = 0;
    this.#apdus = 0;
    this.#beginStep();
  }

  wipe(): void {
    this.pan.fill(0);
    this.panLength = 0;
  }

  get aidIndex(): number {
    return this.#aidIndex;
  }

  /** Writes the next C-APDU into `out`; returns its length. */
  nextCommand(out: Uint8Array): number {
    assert(this.#phase !== 'done', 'no APDU to send: the read is over');
    assert(out.length >= APDU_BYTES_MAX, 'APDU buffer too small');
    if (this.#detour === 0x61) return apdu(out, 0x00, 0xc0, 0x00, 0x00, 0, this.#detourLe); // GET RESPONSE
    const le = this.#detour === 0x6c ? this.#detourLe : 0;
    switch (this.#phase) {
      case 'select': {
        const aid = PAYMENT_AIDS[this.#aidIndex];
        for (let index = 0; index < aid.length; index++) out[5 + index] = aid[index];
        return apdu(out, 0x00, 0xa4, 0x04, 0x00, aid.length, le);
      }
      case 'gpo': {
        // Command template 83 holding the PDOL's data; zeros are valid for each element we may be asked.
        out[5] = 0x83;
        out[6] = this.#pdolDataLength;
        for (let index = 0; index < this.#pdolDataLength; index++) out[7 + index] = 0;
        return apdu(out, 0x80, 0xa8, 0x00, 0x00, 2 + this.#pdolDataLength, le);
      }
      case 'read-record': {
        const sfi = this.#afl[this.#aflIndex] >> 3;
        return apdu(out, 0x00, 0xb2, this.#record, (sfi << 3) | 0x04, 0, le);
      }
    }
  }

  /** Takes the R-APDU in bytes[start..start+length): data then SW1 SW2. */
  onResponse(bytes: Uint8Array, start: number, length: number): EmvStep {
    assert(this.#phase !== 'done', 'a response with no read in progress');
    if (++this.#apdus > APDUS_PER_READ_MAX || length < 2) return this.#fail('protocol');
    const dataEnd = start + length - 2;
    const sw1 = bytes[dataEnd];
    const sw2 = bytes[dataEnd + 1];
    if (sw1 === 0x61 || sw1 === 0x6c) {
      // T=0: "61xx: xx bytes wait, ask with GET RESPONSE"; "6Cxx: wrong Le, repeat with Le=xx" (ISO 7816-4 §5.1.3).
      if (++this.#detours > DETOURS_PER_STEP_MAX) return this.#fail('protocol');
      this.#detour = sw1;
      this.#detourLe = sw2;
      return 'more';
    }
    this.#detour = 0;
    const sw = (sw1 << 8) | sw2;
    switch (this.#phase) {
      case 'select':
        return this.#onSelect(bytes, start, dataEnd, sw);
      case 'gpo':
        return this.#onGpo(bytes, start, dataEnd, sw);
      case 'read-record':
        return this.#onRecord(bytes, start, dataEnd, sw);
    }
    return this.#fail('protocol');
  }

  #beginStep(): void {
    this.#detour = 0;
    this.#detours = 0;
  }

  #fail(reason: EmvFailure): EmvStep {
    this.#phase = 'done';
    this.wipe();
    return reason;
  }

  #onSelect(bytes: Uint8Array, start: number, dataEnd: number, sw: number): EmvStep {
    if (sw !== SW_OK) {
      // 6A82 (not found), 6A81 (blocked), anything else: this application is not on the card.
      if (++this.#aidIndex === PAYMENT_AIDS.length) return this.#fail('not-payment-card');
      this.#beginStep();
      return 'more';
    }
    const span = this.#span;
    if (tlvFind(bytes, start, dataEnd, 0x6f, span) !== 'found') return this.#fail('protocol');
    const fciStart = span.valueStart;
    const fciEnd = fciStart + span.valueLength;
    const pdol = tlvFind(bytes, fciStart, fciEnd, 0x9f38, span);
    if (pdol === 'malformed') return this.#fail('protocol');
    this.#pdolDataLength = 0;
    if (pdol === 'found') {
      const dataLength = dolDataLength(bytes, span.valueStart, span.valueStart + span.valueLength);
      if (dataLength < 0 || dataLength > PDOL_DATA_BYTES_MAX) return this.#fail('protocol');
      this.#pdolDataLength = dataLength;
    }
    this.#phase = 'gpo';
    this.#beginStep();
    return 'more';
  }

  #onGpo(bytes: Uint8Array, start: number, dataEnd: number, sw: number): EmvStep {
    if (sw !== SW_OK || dataEnd - start < 2) return this.#fail('protocol');
    const span = this.#span;
    let aflStart = 0;
    let aflLength = 0;
    if (bytes[start] === 0x80) {
      // Format 1: 80 L AIP(2) AFL(4n).
      if (tlvFind(bytes, start, dataEnd, 0x80, span) !== 'found' || span.valueLength < 2) return this.#fail('protocol');
      aflStart = span.valueStart + 2;
      aflLength = span.valueLength - 2;
    } else if (bytes[start] === 0x77) {
      // Format 2: 77 L { 82 AIP, 94 AFL, ... }.
      if (tlvFind(bytes, start, dataEnd, 0x94, span) !== 'found') return this.#fail('protocol');
      aflStart = span.valueStart;
      aflLength = span.valueLength;
    } else {
      return this.#fail('protocol');
    }
    if (aflLength === 0 || aflLength % 4 !== 0 || aflLength > AFL_BYTES_MAX) return this.#fail('protocol');
    for (let at = 0; at < aflLength; at += 4) {
      const sfi = bytes[aflStart + at] >> 3;
      const first = bytes[aflStart + at + 1];
      const last = bytes[aflStart + at + 2];
      // EMV Book 3 §10.2: SFI 1..30, first record ≥ 1, last ≥ first.
      if (sfi < 1 || sfi > 30 || first < 1 || last < first) return this.#fail('protocol');
      this.#afl.set(bytes.subarray(aflStart + at, aflStart + at + 4), at);
    }
    this.#aflLength = aflLength;
    this.#aflIndex = 0;
    this.#record = this.#afl[1];
    this.#phase = 'read-record';
    this.#beginStep();
    return 'more';
  }

  #onRecord(bytes: Uint8Array, start: number, dataEnd: number, sw: number): EmvStep {
    this.#recordsRead++;
    if (sw === SW_OK) {
      if (bytes[start] !== 0x70) return this.#fail('protocol');
      const span = this.#span;
      const pan = tlvFind(bytes, start, dataEnd, 0x5a, span);
      if (pan === 'malformed') return this.#fail('protocol');
      if (pan === 'found') return this.#takePan(bytes, span.valueStart, span.valueLength, false);
      const track2 = tlvFind(bytes, start, dataEnd, 0x57, span);
      if (track2 === 'malformed') return this.#fail('protocol');
      if (track2 === 'found') return this.#takePan(bytes, span.valueStart, span.valueLength, true);
    }
    // A record without the PAN, or one the card says is missing (6A83): go on along the AFL.
    if (this.#recordsRead >= RECORDS_READ_MAX) return this.#fail('not-payment-card');
    if (this.#record < this.#afl[this.#aflIndex + 2]) {
      this.#record++;
    } else {
      this.#aflIndex += 4;
      if (this.#aflIndex >= this.#aflLength) return this.#fail('not-payment-card');
      this.#record = this.#afl[this.#aflIndex + 1];
    }
    this.#beginStep();
    return 'more';
  }

  /** BCD digits; 5A may end with an F pad nibble; 57 runs up to the D separator. */
  #takePan(bytes: Uint8Array, start: number, length: number, track2: boolean): EmvStep {
    let digits = 0;
    let ended = false;
    for (let nibbleIndex = 0; nibbleIndex < length * 2 && !ended; nibbleIndex++) {
      const byte = bytes[start + (nibbleIndex >> 1)];
      const nibble = (nibbleIndex & 1) === 0 ? byte >> 4 : byte & 0x0f;
      if (nibble <= 9) {
        if (digits === PAN_DIGITS_MAX) return this.#fail('protocol');
        this.pan[digits++] = 0x30 + nibble;
      } else if (track2 ? nibble === 0x0d : nibble === 0x0f && nibbleIndex === length * 2 - 1) {
        ended = true;
      } else {
        return this.#fail('protocol');
      }
    }
    if (track2 && !ended) return this.#fail('protocol');
    if (digits < PAN_DIGITS_MIN || !luhnValid(this.pan, digits)) return this.#fail('protocol');
    this.panLength = digits;
    this.#phase = 'done';
    return 'pan';
  }
}

/** CLA INS P1 P2 [Lc + data already at out[5..]] Le (Le 0 means "up to 256"). */
function apdu(out: Uint8Array, cla: number, ins: number, p1: number, p2: number, lc: number, le: number): number {
  out[0] = cla;
  out[1] = ins;
  out[2] = p1;
  out[3] = p2;
  if (lc === 0) {
    out[4] = le;
    return 5;
  }
  out[4] = lc;
  out[5 + lc] = le;
  return 6 + lc;
}

/** ISO/IEC 7812-1 Annex B (Luhn) over ASCII digits. */
export function luhnValid(digits: Uint8Array, length: number): boolean {
  let sum = 0;
  for (let index = 0; index < length; index++) {
    let digit = digits[length - 1 - index] - 0x30;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
