// What the customer's session may still have to write to the ledger, in bytes, so that it
// promises only what the ledger can keep (src/ledger/ledger.ts, "Full"): a session is opened
// only with room for its worst case, and a note is taken into escrow only with room for
// everything it and its session may still need. The records it then writes are 'promised'
// appends, which a full ledger still takes.
// Each record's size comes from the domain table's fields (src/domain.ts).
import { assert } from '../assert';
import { RECORD_SIZE_MAX, recordSizeMax } from '../ledger/records';

/** note-escrowed, note-stacked, note-returned: frame, session id, denomination (13 bytes). */
export const NOTE_RECORD_BYTES = recordSizeMax('note-escrowed');
assert(
  recordSizeMax('note-stacked') === NOTE_RECORD_BYTES && recordSizeMax('note-returned') === NOTE_RECORD_BYTES,
  "a note's records are one size",
);
/** doubt: frame, session id, denomination, reason (14 bytes). */
export const DOUBT_RECORD_BYTES = recordSizeMax('doubt');
/** session-closed at its largest: frame, session id, outcome, three amounts of up to VARINT_BYTES_MAX bytes (37 bytes). */
export const SESSION_CLOSED_BYTES_MAX = recordSizeMax('session-closed');
/**
 * Records the acceptor may add to a session unasked: a note it stacked without showing it in
 * escrow, a note stacked outside a session, a power-up report for a note nobody escrowed. One is
 * a rare fault; two cover a second before the session ends.
 */
export const SURPRISE_RECORDS_MAX = 2;
/** What an open session may still have to write whatever happens: its closing record and the surprises. */
export const SESSION_PROMISE_BYTES = SESSION_CLOSED_BYTES_MAX + SURPRISE_RECORDS_MAX * DOUBT_RECORD_BYTES;
/** One note taken into escrow: note-escrowed now, then exactly one outcome (stacked, returned, or a doubt). */
export const NOTE_ROOM_BYTES = NOTE_RECORD_BYTES + Math.max(NOTE_RECORD_BYTES, DOUBT_RECORD_BYTES);
/** A note is escrowed only with room for it and everything its session may still need. */
export const ESCROW_ROOM_BYTES = NOTE_ROOM_BYTES + SESSION_PROMISE_BYTES;
/** A session is opened only with room for its opening record, its promise and one note: never a customer who cannot pay. */
export const SESSION_ROOM_BYTES = RECORD_SIZE_MAX + ESCROW_ROOM_BYTES;
