// The machine's identity at the bank comes from one place: the board's provisioning (the ATM id
// its device certificate carries). The bank checks every body's atmId against the certificate,
// so an id from anywhere else — a default, a setting an engineer typed — gets 403 on every
// request and sync stops without a word (issue 15, item 4). Read once at start-up; the console
// shows it and cannot change it.
import type { Provisioning } from '../../hal/ports';

/** The bank's rule for a certificate CN (tools/bank/API.md): what the bank would accept at all. */
export const ATM_ID_CHARS_MAX = 24;
const ATM_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export interface MachineIdentity {
  /** The bank's name for this machine; undefined when the board is not provisioned. */
  readonly atmId: string | undefined;
  /** Why there is no ATM id ('' when there is one): the console, the log and the screen say it. */
  readonly atmIdProblem: string;
}

export function readIdentity(provisioning: Provisioning): MachineIdentity {
  const atmId = provisioning.atmId();
  if (atmId === undefined) return Object.freeze({ atmId: undefined, atmIdProblem: 'not provisioned: the board has no ATM id' });
  if (atmId.length > ATM_ID_CHARS_MAX || !ATM_ID_PATTERN.test(atmId)) {
    const shown = JSON.stringify(atmId.slice(0, ATM_ID_CHARS_MAX + 1));
    return Object.freeze({ atmId: undefined, atmIdProblem: `provisioned ATM id ${shown} is malformed (1..${ATM_ID_CHARS_MAX} of A-Z a-z 0-9 . _ -)` });
  }
  return Object.freeze({ atmId, atmIdProblem: '' });
}
