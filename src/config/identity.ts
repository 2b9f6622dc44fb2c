// The machine's identity at the bank comes from one place: the board's provisioning (the ATM id
// its device certificate carries). The bank checks every body's atmId against the certificate,
// so an id from anywhere else — a default, a setting an engineer typed — gets 403 on every
// request and sync stops without a word (issue 15, item 4). Read once at start-up; the console
// shows it and cannot change it.
//
// So does its card-token key (item 7): the machine's own, made by the bank when it provisioned
// this machine — not one key for the fleet in Settings, and never a key of zeros when there is
// none: then card sign-in is off and selftest says why.
import type { Provisioning } from '../../hal/ports';

/** The bank's rule for a certificate CN (tools/bank/API.md): what the bank would accept at all. */
export const ATM_ID_CHARS_MAX = 24;
const ATM_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** HMAC-SHA-256 keys of 256 bits: what the bank makes for each machine (tools/bank/store.ts). */
export const CARD_TOKEN_KEY_BYTES = 32;

export interface MachineIdentity {
  /** The bank's name for this machine; undefined when the board is not provisioned. */
  readonly atmId: string | undefined;
  /** Why there is no ATM id ('' when there is one): the console, the log and the screen say it. */
  readonly atmIdProblem: string;
  /** Why card sign-in is off ('' when the machine has its own card-token key). The key itself is not here. */
  readonly cardTokenKeyProblem: string;
}

export function readIdentity(provisioning: Provisioning): MachineIdentity {
  return Object.freeze({ ...atmIdOf(provisioning), cardTokenKeyProblem: readCardTokenKey(provisioning).problem });
}

function atmIdOf(provisioning: Provisioning): { readonly atmId: string | undefined; readonly atmIdProblem: string } {
  const atmId = provisioning.atmId();
  if (atmId === undefined) return { atmId: undefined, atmIdProblem: 'not provisioned: the board has no ATM id' };
  if (atmId.length > ATM_ID_CHARS_MAX || !ATM_ID_PATTERN.test(atmId)) {
    const shown = JSON.stringify(atmId.slice(0, ATM_ID_CHARS_MAX + 1));
    return {
      atmId: undefined,
      atmIdProblem: `provisioned ATM id ${shown} is malformed (1..${ATM_ID_CHARS_MAX} of A-Z a-z 0-9 . _ -)`,
    };
  }
  return { atmId, atmIdProblem: '' };
}

/**
 * The machine's card-token key, for the card reader alone; undefined (with the reason) when none
 * is provisioned or what is there cannot be a key the bank made: the wrong length, or every byte
 * the same (zeros, or 0xFF of an erased flash page).
 */
export function readCardTokenKey(provisioning: Provisioning): {
  readonly key: Uint8Array | undefined;
  readonly problem: string;
} {
  const key = provisioning.cardTokenKey();
  if (key === undefined) return { key: undefined, problem: 'no card-token key provisioned: card sign-in is off' };
  if (key.length !== CARD_TOKEN_KEY_BYTES) {
    key.fill(0);
    return {
      key: undefined,
      problem: `provisioned card-token key is ${key.length} bytes, not ${CARD_TOKEN_KEY_BYTES}: card sign-in is off`,
    };
  }
  let sameBytes = 1;
  while (sameBytes < key.length && key[sameBytes] === key[0]) sameBytes++;
  if (sameBytes === key.length) {
    key.fill(0);
    return {
      key: undefined,
      problem: 'provisioned card-token key is blank (every byte the same): card sign-in is off',
    };
  }
  return { key, problem: '' };
}
