import assert from 'node:assert/strict';
import { EmvPanReader, luhnValid } from '../../src/card/emv';
import {
  CM_ENTRY,
  CM_ICC,
  CM_MOVE,
  CM_STATUS,
  FrameReceiver,
  PM_CHIP_APDU,
  PM_ENTRY_ENABLE,
  PM_MOVE_EJECT,
  PM_MOVE_RETAIN,
  PM_STATUS_SENSE,
  TYPE_NEGATIVE,
  TYPE_POSITIVE,
  encodeAnswer,
  encodeCommand,
} from '../../src/card/frame';
import { TlvSpan, dolDataLength, tlvFind } from '../../src/card/tlv';

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(clean.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(clean.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

function toHex(bytes: Uint8Array, length = bytes.length): string {
  let text = '';
  for (let index = 0; index < length; index++)
    text += (index > 0 ? ' ' : '') + (bytes[index] < 16 ? '0' : '') + bytes[index].toString(16).toUpperCase();
  return text;
}

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}

// Frames from src/card/PROTOCOL.md §8, whose BCCs were XORed by hand.
describe('card reader frames (PROTOCOL.md §8)', () => {
  const out = new Uint8Array(320);
  const none = new Uint8Array(0);

  it('encodes commands byte for byte', () => {
    assert.equal(toHex(out, encodeCommand(CM_STATUS, PM_STATUS_SENSE, none, 0, out)), '02 00 03 43 31 30 03 40');
    assert.equal(toHex(out, encodeCommand(CM_ENTRY, PM_ENTRY_ENABLE, none, 0, out)), '02 00 03 43 32 30 03 43');
    assert.equal(toHex(out, encodeCommand(CM_MOVE, PM_MOVE_EJECT, none, 0, out)), '02 00 03 43 33 30 03 42');
    assert.equal(toHex(out, encodeCommand(CM_MOVE, PM_MOVE_RETAIN, none, 0, out)), '02 00 03 43 33 31 03 43');
    const select = hex('00 A4 04 00 07 A0 00 00 00 03 10 10 00');
    assert.equal(
      toHex(out, encodeCommand(CM_ICC, PM_CHIP_APDU, select, select.length, out)),
      '02 00 10 43 51 39 00 A4 04 00 07 A0 00 00 00 03 10 10 00 03 3E',
    );
  });

  it('encodes answers byte for byte', () => {
    assert.equal(
      toHex(out, encodeAnswer(TYPE_POSITIVE, CM_STATUS, PM_STATUS_SENSE, 0x30, 0x31, none, 0, out)),
      '02 00 05 50 31 30 30 31 03 54',
    );
    assert.equal(
      toHex(out, encodeAnswer(TYPE_NEGATIVE, CM_MOVE, PM_MOVE_EJECT, 0x31, 0x30, none, 0, out)),
      '02 00 05 4E 33 30 31 30 03 48',
    );
    const sw = hex('6A 82');
    assert.equal(
      toHex(out, encodeAnswer(TYPE_POSITIVE, CM_ICC, PM_CHIP_APDU, 0x32, 0x30, sw, 2, out)),
      '02 00 07 50 51 39 32 30 6A 82 03 D4',
    );
  });

  it('parses an answer after line noise, and its fields', () => {
    const receiver = new FrameReceiver();
    const bytes = hex('FF 06 41 02 00 07 50 51 39 32 30 6A 82 03 D4');
    const results: string[] = [];
    for (const byte of bytes) results.push(receiver.push(byte));
    assert.equal(results.filter((result) => result === 'frame').length, 1);
    assert.equal(results[results.length - 1], 'frame');
    assert.equal(receiver.skippedBytes, 3);
    assert.equal(receiver.type, 0x50);
    assert.equal(receiver.cm, 0x51);
    assert.equal(receiver.pm, 0x39);
    assert.equal(receiver.s0, 0x32);
    assert.equal(receiver.dataLength, 2);
    assert.equal(toHex(receiver.bytes.subarray(receiver.dataStart, receiver.dataStart + receiver.dataLength)), '6A 82');
  });

  it('calls a frame bad on a wrong BCC, a missing ETX or an impossible LEN, and recovers on the next', () => {
    const feed = (text: string) => {
      const receiver = new FrameReceiver();
      const results: string[] = [];
      for (const byte of hex(text)) {
        const result = receiver.push(byte);
        if (result !== 'none') results.push(result);
      }
      return results.join(',');
    };
    assert.equal(feed('02 00 05 50 31 30 30 30 03 54'), 'bad'); // BCC should be 55
    assert.equal(feed('02 00 05 50 31 30 30 30 04 52'), 'bad'); // 04 where ETX belongs
    assert.equal(feed('02 01 40 02 00 05 50 31 30 30 30 03 55'), 'bad,frame'); // LEN 320 > 305, then a good one
    assert.equal(feed('02 00 02 02 00 05 50 31 30 30 30 03 55'), 'bad,frame'); // LEN 2 < 3
  });
});

describe('BER-TLV with bounds', () => {
  // 6F FCI: 84 DF name (Mastercard AID), A5 proprietary: 50 label "VISA", 9F38 PDOL (9F66 04, 9F02 06).
  const fci = hex('6F 1A 84 07 A0 00 00 00 03 10 10 A5 0F 50 04 56 49 53 41 9F 38 06 9F 66 04 9F 02 06');
  const span = new TlvSpan();

  it('finds tags inside templates, with 1- and 2-byte tags', () => {
    assert.equal(tlvFind(fci, 0, fci.length, 0x84, span), 'found');
    assert.equal(span.valueStart, 4);
    assert.equal(span.valueLength, 7);
    assert.equal(tlvFind(fci, 0, fci.length, 0x9f38, span), 'found');
    assert.equal(toHex(fci.subarray(span.valueStart, span.valueStart + span.valueLength)), '9F 66 04 9F 02 06');
    assert.equal(dolDataLength(fci, span.valueStart, span.valueStart + span.valueLength), 10);
    assert.equal(tlvFind(fci, 0, fci.length, 0x5a, span), 'absent');
  });

  it('skips 00 padding and reads 81 lengths', () => {
    const value = new Uint8Array(130).fill(0x11);
    const padded = new Uint8Array([
      0x00,
      0x00,
      0x70,
      0x81,
      0x84,
      0x5f,
      0x20,
      0x81,
      0x80,
      ...value.subarray(0, 128),
      0x5a,
      0x00,
    ]);
    assert.equal(tlvFind(padded, 0, padded.length, 0x5a, span), 'found');
    assert.equal(span.valueLength, 0);
    assert.equal(tlvFind(padded, 0, padded.length, 0x5f20, span), 'found');
    assert.equal(span.valueLength, 128);
  });

  it('calls overlong lengths, endless tags and deep nesting malformed', () => {
    const overlong = hex('70 0A 5A 09 53 74 00 00 00 00 00 15');
    assert.equal(tlvFind(overlong, 0, overlong.length, 0x5a, span), 'malformed');
    const endlessTag = hex('9F 81 81 81 01 00');
    assert.equal(tlvFind(endlessTag, 0, endlessTag.length, 0x5a, span), 'malformed');
    const deep = hex('70 0C 70 0A 70 08 70 06 70 04 70 02 5A 00');
    assert.equal(tlvFind(deep, 0, deep.length, 0x5a, span), 'malformed');
    const fourLengthBytes = hex('5A 84 00 00 00 01 00');
    assert.equal(tlvFind(fourLengthBytes, 0, fourLengthBytes.length, 0x5a, span), 'malformed');
    assert.equal(dolDataLength(hex('9F 66'), 0, 2), -1);
  });
});

/** Plays a card against the reader: each pair is (the C-APDU we expect, the R-APDU the card gives). */
function play(reader: EmvPanReader, script: readonly (readonly [string, string])[]): string {
  const command = new Uint8Array(261);
  reader.start();
  let outcome = 'more';
  for (const [expected, response] of script) {
    assert.equal(outcome, 'more', `the read ended before "${expected}"`);
    assert.equal(toHex(command, reader.nextCommand(command)), expected);
    const bytes = hex(response);
    outcome = reader.onResponse(bytes, 0, bytes.length);
  }
  return outcome;
}

function panText(reader: EmvPanReader): string {
  return String.fromCharCode(...reader.pan.subarray(0, reader.panLength));
}

describe('EMV: reading the PAN with APDUs', () => {
  const SELECT_VISA = '00 A4 04 00 07 A0 00 00 00 03 10 10 00';
  const SELECT_MASTERCARD = '00 A4 04 00 07 A0 00 00 00 04 10 10 00';
  const SELECT_VISA_ELECTRON = '00 A4 04 00 07 A0 00 00 00 03 20 10 00';
  const SELECT_MAESTRO = '00 A4 04 00 07 A0 00 00 00 04 30 60 00';
  const FCI_MASTERCARD = '6F 14 84 07 A0 00 00 00 04 10 10 A5 09 50 07 4B 41 53 50 49 20 47 90 00';
  const GPO_NO_PDOL = '80 A8 00 00 02 83 00 00';
  const GPO_FORMAT_2 = '77 0E 82 02 19 80 94 08 08 01 01 00 10 01 01 00 90 00';
  const READ_SFI1_REC1 = '00 B2 01 0C 00';
  const READ_SFI2_REC1 = '00 B2 01 14 00';
  const RECORD_NO_PAN = '70 05 5F 20 02 41 42 90 00';

  it('tries the AIDs in order, then GPO and READ RECORD along the AFL until tag 5A', () => {
    const reader = new EmvPanReader();
    assert.equal(
      play(reader, [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, FCI_MASTERCARD],
        [GPO_NO_PDOL, GPO_FORMAT_2],
        [READ_SFI1_REC1, RECORD_NO_PAN],
        [READ_SFI2_REC1, '70 0A 5A 08 53 74 00 00 00 00 00 15 90 00'],
      ]),
      'pan',
    );
    assert.equal(panText(reader), '5374000000000015');
    reader.wipe();
    assert.equal(reader.panLength, 0);
    assert.ok(reader.pan.every((byte) => byte === 0));
  });

  it('fills the PDOL with zeros, takes GPO format 1, and reads the PAN from track 2 (57)', () => {
    const reader = new EmvPanReader();
    assert.equal(
      play(reader, [
        [SELECT_VISA, '6F 1A 84 07 A0 00 00 00 03 10 10 A5 0F 50 04 56 49 53 41 9F 38 06 9F 66 04 9F 02 06 90 00'],
        ['80 A8 00 00 0C 83 0A 00 00 00 00 00 00 00 00 00 00 00', '80 0A 19 80 08 01 01 00 10 01 01 00 90 00'],
        [READ_SFI1_REC1, '70 0E 57 0C 44 00 43 00 00 00 00 23 D2 71 22 01 90 00'],
      ]),
      'pan',
    );
    assert.equal(panText(reader), '4400430000000023');
  });

  it('follows T=0: 61xx with GET RESPONSE, 6Cxx by repeating with the right Le', () => {
    const reader = new EmvPanReader();
    assert.equal(
      play(reader, [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, '61 16'],
        ['00 C0 00 00 16', FCI_MASTERCARD],
        [GPO_NO_PDOL, GPO_FORMAT_2],
        [READ_SFI1_REC1, '6C 07'],
        ['00 B2 01 0C 07', RECORD_NO_PAN],
        // An odd-length PAN padded with F: 378282246310005 (15 digits).
        [READ_SFI2_REC1, '70 0A 5A 08 37 82 82 24 63 10 00 5F 90 00'],
      ]),
      'pan',
    );
    assert.equal(panText(reader), '378282246310005');
  });

  it('says not-payment-card when no payment AID is on the chip', () => {
    assert.equal(
      play(new EmvPanReader(), [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, '6A 82'],
        [SELECT_VISA_ELECTRON, '6A 81'],
        [SELECT_MAESTRO, '6A 82'],
      ]),
      'not-payment-card',
    );
  });

  it('says not-payment-card when the AFL runs out without a PAN', () => {
    assert.equal(
      play(new EmvPanReader(), [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, FCI_MASTERCARD],
        [GPO_NO_PDOL, GPO_FORMAT_2],
        [READ_SFI1_REC1, RECORD_NO_PAN],
        [READ_SFI2_REC1, '6A 83'],
      ]),
      'not-payment-card',
    );
  });

  it('says protocol on a broken answer, and never keeps digits of a rejected PAN', () => {
    const upToRecord: (readonly [string, string])[] = [
      [SELECT_VISA, '6A 82'],
      [SELECT_MASTERCARD, FCI_MASTERCARD],
      [GPO_NO_PDOL, GPO_FORMAT_2],
      [READ_SFI1_REC1, RECORD_NO_PAN],
    ];
    const reader = new EmvPanReader();
    // Luhn fails (last digit 6 instead of 5).
    assert.equal(
      play(reader, [...upToRecord, [READ_SFI2_REC1, '70 0A 5A 08 53 74 00 00 00 00 00 16 90 00']]),
      'protocol',
    );
    assert.equal(reader.panLength, 0);
    assert.ok(reader.pan.every((byte) => byte === 0));
    // A non-digit nibble in the PAN.
    assert.equal(
      play(reader, [...upToRecord, [READ_SFI2_REC1, '70 0A 5A 08 53 74 0A 00 00 00 00 15 90 00']]),
      'protocol',
    );
    // A length that runs past the record.
    assert.equal(
      play(reader, [...upToRecord, [READ_SFI2_REC1, '70 0A 5A 09 53 74 00 00 00 00 00 15 90 00']]),
      'protocol',
    );
    // GPO answered in neither format; an AFL with SFI 0.
    assert.equal(
      play(reader, [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, FCI_MASTERCARD],
        [GPO_NO_PDOL, '82 02 19 80 90 00'],
      ]),
      'protocol',
    );
    assert.equal(
      play(reader, [
        [SELECT_VISA, '6A 82'],
        [SELECT_MASTERCARD, FCI_MASTERCARD],
        [GPO_NO_PDOL, '80 06 19 80 00 01 01 00 90 00'],
      ]),
      'protocol',
    );
    // SELECT says 9000 but gives no FCI.
    assert.equal(play(reader, [[SELECT_VISA, '90 00']]), 'protocol');
  });

  it('gives up on a card that answers 61xx forever', () => {
    assert.equal(
      play(new EmvPanReader(), [
        [SELECT_VISA, '61 10'],
        ['00 C0 00 00 10', '61 10'],
        ['00 C0 00 00 10', '61 10'],
        ['00 C0 00 00 10', '61 10'],
        ['00 C0 00 00 10', '61 10'],
      ]),
      'protocol',
    );
  });

  it('checks Luhn (ISO/IEC 7812-1) on known numbers', () => {
    assert.ok(luhnValid(ascii('4111111111111111'), 16));
    assert.ok(luhnValid(ascii('79927398713'), 11));
    assert.ok(!luhnValid(ascii('79927398710'), 11));
  });
});
