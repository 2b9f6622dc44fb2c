// BER-TLV as EMV uses it (EMV Book 3, Annex B): tags of 1–3 bytes, lengths in 1–3 bytes,
// constructed tags (bit 6 of the first tag byte) holding more TLVs. Every read is bounds-checked
// against the caller's end, and nesting is bounded, so a hostile card cannot walk us off a buffer.

/** Templates nest 6F > A5 > BF0C > 61 at most in what we read; allow a little more. */
export const TLV_DEPTH_MAX = 4;
/** Tags longer than 3 bytes do not occur in EMV. */
export const TLV_TAG_BYTES_MAX = 3;

export type TlvOutcome = 'found' | 'absent' | 'malformed';

class Header {
  tag = 0;
  constructed = false;
  valueLength = 0;
}

/** Where a found value lies in the searched buffer. Reused: no allocation per search. */
export class TlvSpan {
  valueStart = 0;
  valueLength = 0;
  /** The search's scratch, owned by the caller's span so the module holds no mutable state (preloadable). */
  readonly header = new Header();
}

/** Reads one TLV header at `at`; fills `header` and returns the value's start, or -1 if malformed. */
function readHeader(bytes: Uint8Array, at: number, end: number, header: Header): number {
  if (at >= end) return -1;
  const first = bytes[at++];
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    let tagBytes = 1;
    for (;;) {
      if (at >= end || tagBytes === TLV_TAG_BYTES_MAX) return -1;
      const next = bytes[at++];
      tag = tag * 256 + next;
      tagBytes++;
      if ((next & 0x80) === 0) break;
    }
  }
  if (at >= end) return -1;
  const lengthByte = bytes[at++];
  let valueLength = lengthByte;
  if (lengthByte === 0x81) {
    if (at + 1 > end) return -1;
    valueLength = bytes[at++];
  } else if (lengthByte === 0x82) {
    if (at + 2 > end) return -1;
    valueLength = (bytes[at] << 8) | bytes[at + 1];
    at += 2;
  } else if (lengthByte > 0x7f) {
    return -1;
  }
  if (at + valueLength > end) return -1;
  header.tag = tag;
  header.constructed = (first & 0x20) !== 0;
  header.valueLength = valueLength;
  return at;
}

/**
 * Finds `tag` in the TLVs of bytes[start..end), searching inside constructed templates
 * depth-first. 0x00 and 0xFF between TLVs are padding (EMV Book 3, B.3) and skipped.
 */
export function tlvFind(bytes: Uint8Array, start: number, end: number, tag: number, into: TlvSpan): TlvOutcome {
  return find(bytes, start, end, tag, into, 0);
}

function find(bytes: Uint8Array, start: number, end: number, tag: number, into: TlvSpan, depth: number): TlvOutcome {
  if (depth > TLV_DEPTH_MAX) return 'malformed';
  let at = start;
  while (at < end) {
    if (bytes[at] === 0x00 || bytes[at] === 0xff) {
      at++;
      continue;
    }
    const header = into.header;
    const valueStart = readHeader(bytes, at, end, header);
    if (valueStart < 0) return 'malformed';
    const valueEnd = valueStart + header.valueLength;
    if (header.tag === tag) {
      into.valueStart = valueStart;
      into.valueLength = header.valueLength;
      return 'found';
    }
    if (header.constructed) {
      const inner = find(bytes, valueStart, valueEnd, tag, into, depth + 1);
      if (inner !== 'absent') return inner;
    }
    at = valueEnd;
  }
  return 'absent';
}

/**
 * The total length of the data a DOL (data object list: tag, length pairs; e.g. the PDOL,
 * tag 9F38) asks for, or -1 if the list is malformed.
 */
export function dolDataLength(bytes: Uint8Array, start: number, end: number): number {
  let total = 0;
  let at = start;
  while (at < end) {
    const first = bytes[at++];
    if ((first & 0x1f) === 0x1f) {
      let tagBytes = 1;
      for (;;) {
        if (at >= end || tagBytes === TLV_TAG_BYTES_MAX) return -1;
        tagBytes++;
        if ((bytes[at++] & 0x80) === 0) break;
      }
    }
    if (at >= end) return -1;
    const length = bytes[at++];
    if (length > 0x7f) return -1;
    total += length;
  }
  return total;
}
