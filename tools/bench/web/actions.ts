// The browser's POST /api/act body, checked before it reaches the machine: a page (or anyone on
// localhost) can send anything, so a bad action is an error value, never a thrown exception.

import { KEYPAD_KEYS } from '../../../hal/sim/peripherals';
import { DENOMINATIONS_TENGE } from '../../../src/domain';
import type { BenchAction, BenchNote } from '../machine-api';

export const ACT_BODY_BYTES_MAX = 4096;
export const CONSOLE_LINE_CHARS_MAX = 256;
export const NOTES_PER_ACTION_MAX = 200;
const ID_CHARS_MAX = 64;

const KEYS: ReadonlySet<string> = new Set(KEYPAD_KEYS);
const NOTES: ReadonlySet<unknown> = new Set<BenchNote | number>([...DENOMINATIONS_TENGE, 'clipped', 'foreign']);

export type Parsed =
  | { readonly ok: true; readonly action: BenchAction }
  | { readonly ok: false; readonly error: string };

/** Parses and checks one action; every field is type- and range-checked. */
export function parseAction(bodyText: string): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return fail('the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('the body is not an object');
  const value = body as Record<string, unknown>;
  switch (value.kind) {
    case 'key':
      return KEYS.has(value.key as string) ? ok({ kind: 'key', key: value.key as string }) : fail('unknown key');
    case 'insert-card':
    case 'tap-card':
      return isId(value.cardId)
        ? ok({ kind: value.kind, cardId: value.cardId })
        : fail('cardId must be a short string');
    case 'take-card':
    case 'jam':
      return ok({ kind: value.kind });
    case 'palm':
      return isId(value.iin) ? ok({ kind: 'palm', iin: value.iin }) : fail('iin must be a short string');
    case 'phone-scan-qr':
      return isId(value.iin) ? ok({ kind: 'phone-scan-qr', iin: value.iin }) : fail('iin must be a short string');
    case 'notes':
      return parseNotes(value.notes);
    case 'power':
      return typeof value.on === 'boolean' ? ok({ kind: 'power', on: value.on }) : fail('on must be true or false');
    case 'network':
      return typeof value.up === 'boolean' ? ok({ kind: 'network', up: value.up }) : fail('up must be true or false');
    case 'cassette':
      return value.state === 'removed' || value.state === 'inserted' || value.state === 'full'
        ? ok({ kind: 'cassette', state: value.state })
        : fail('state must be removed, inserted or full');
    case 'console':
      return typeof value.line === 'string' && value.line.length <= CONSOLE_LINE_CHARS_MAX && !/[\r\n]/.test(value.line)
        ? ok({ kind: 'console', line: value.line })
        : fail(`line must be one line of at most ${CONSOLE_LINE_CHARS_MAX} characters`);
    default:
      return fail('unknown action kind');
  }
}

function parseNotes(notes: unknown): Parsed {
  if (!Array.isArray(notes) || notes.length === 0 || notes.length > NOTES_PER_ACTION_MAX) {
    return fail(`notes must be a list of 1..${NOTES_PER_ACTION_MAX} notes`);
  }
  if (!notes.every((note) => NOTES.has(note))) return fail('unknown note');
  return ok({ kind: 'notes', notes: notes as BenchNote[] });
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= ID_CHARS_MAX;
}

function ok(action: BenchAction): Parsed {
  return { ok: true, action };
}

function fail(error: string): Parsed {
  return { ok: false, error };
}
