// Technician login by challenge-response: the console prints a fresh random nonce, the
// technician's tool answers HMAC-SHA-256(device secret, nonce) (tools/console computes it).
// Nothing replayable crosses the cable and the secret never does. Each role has its own
// per-device secret, provisioned into Settings; a role without one cannot log in at all.
// Failed answers lock the console for a delay that doubles (1 s, 2 s, 4 s, ... 5 min), and
// the failure count is stored, so cutting the power does not reset the lockout.
import type { Clock, Crypto, Random, Settings } from '../../hal/ports';
import { assert } from '../assert';

export type Role = 'engineer' | 'collector';
export const ROLES: readonly Role[] = Object.freeze(['engineer', 'collector']);

/** Settings keys (NVS: at most 15 characters). Secrets are 64 hex digits (32 bytes). */
export const CONSOLE_SETTINGS_KEYS = Object.freeze({
  engineer: 'con.key.eng',
  collector: 'con.key.col',
  failures: 'con.fails',
});

export const SECRET_BYTES = 32;
export const NONCE_BYTES = 16;
export const ANSWER_BYTES = 32;
export const LOCKOUT_FIRST_MS = 1000;
export const LOCKOUT_MAX_MS = 300_000;
/** Failures counted at most: far past the point where the delay is at its maximum. */
export const FAILURES_MAX = 64;
/** An answer must come within this of the challenge; a nonce is used for one answer only. */
export const CHALLENGE_LIFETIME_MS = 60_000;
export const IDLE_LOGOUT_MS = 300_000;

/** The lockout after `failures` consecutive failed logins: 0, then 1 s doubling, at most 5 min. */
export function lockoutDelayMs(failures: number): number {
  assert(Number.isInteger(failures) && failures >= 0, 'failure count must be a whole number');
  if (failures === 0) return 0;
  let delayMs = LOCKOUT_FIRST_MS;
  for (let step = 1; step < failures && delayMs < LOCKOUT_MAX_MS; step++) delayMs *= 2;
  return Math.min(delayMs, LOCKOUT_MAX_MS);
}

/** Hex text (either case) into `into`; false unless it is exactly `into.length` bytes of hex. */
export function parseHex(text: string, into: Uint8Array): boolean {
  if (text.length !== into.length * 2) return false;
  for (let index = 0; index < into.length; index++) {
    const high = hexValue(text.charCodeAt(index * 2));
    const low = hexValue(text.charCodeAt(index * 2 + 1));
    if (high < 0 || low < 0) return false;
    into[index] = high * 16 + low;
  }
  return true;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

const HEX = '0123456789abcdef';

/** The nonce as printed: groups of four hex digits joined by ':' (short groups are never masked as a token). */
export function formatChallenge(nonce: Uint8Array): string {
  let text = '';
  for (let index = 0; index < nonce.length; index++) {
    if (index > 0 && index % 2 === 0) text += ':';
    text += HEX[nonce[index] >> 4] + HEX[nonce[index] & 15];
  }
  return text;
}

export type BeginResult =
  | { readonly ok: true; readonly challenge: string }
  | { readonly ok: false; readonly error: string };
export type AnswerResult =
  | { readonly ok: true; readonly role: Role }
  | { readonly ok: false; readonly error: string; readonly failed: boolean };

export class ConsoleAuth {
  readonly #random: Random;
  readonly #crypto: Crypto;
  readonly #settings: Settings;
  // Made once: a login allocates nothing but its reply text.
  readonly #nonce = new Uint8Array(NONCE_BYTES);
  readonly #secret = new Uint8Array(SECRET_BYTES);
  readonly #expected = new Uint8Array(ANSWER_BYTES);
  readonly #answer = new Uint8Array(ANSWER_BYTES);
  #role: Role | undefined = undefined;
  #challengeRole: Role | undefined = undefined;
  #challengeExpiresMs = 0;
  #failures: number;
  #lockedUntilMs: number;
  #lastActivityMs: number;

  constructor(clock: Clock, random: Random, crypto: Crypto, settings: Settings) {
    this.#random = random;
    this.#crypto = crypto;
    this.#settings = settings;
    const stored = settings.get(CONSOLE_SETTINGS_KEYS.failures);
    const failures = stored !== undefined && /^[0-9]{1,2}$/.test(stored) ? Number(stored) : 0;
    this.#failures = Math.min(failures, FAILURES_MAX);
    // After a restart the lockout starts again from boot: pulling the plug buys nothing.
    this.#lockedUntilMs = clock.monotonicMs() + lockoutDelayMs(this.#failures);
    this.#lastActivityMs = clock.monotonicMs();
  }

  get role(): Role | undefined {
    return this.#role;
  }

  get failures(): number {
    return this.#failures;
  }

  get awaitingAnswer(): boolean {
    return this.#challengeRole !== undefined;
  }

  lockedForMs(nowMs: number): number {
    return Math.max(0, this.#lockedUntilMs - nowMs);
  }

  isProvisioned(role: Role): boolean {
    const provisioned = this.#loadSecret(role);
    this.#secret.fill(0);
    return provisioned;
  }

  /** Starts a login for `role`: logs out whoever is in, and returns the challenge to print. */
  begin(role: Role, nowMs: number): BeginResult {
    this.#role = undefined;
    this.#challengeRole = undefined;
    const lockedMs = this.lockedForMs(nowMs);
    if (lockedMs > 0) {
      return {
        ok: false,
        error: `locked out for ${Math.ceil(lockedMs / 1000)} s more after ${this.#failures} failed login(s)`,
      };
    }
    if (!this.#loadSecret(role))
      return { ok: false, error: `no console secret is provisioned for ${role} on this machine` };
    this.#random.fill(this.#nonce);
    this.#challengeRole = role;
    this.#challengeExpiresMs = nowMs + CHALLENGE_LIFETIME_MS;
    return { ok: true, challenge: formatChallenge(this.#nonce) };
  }

  /** Checks the answer to the pending challenge (which it consumes). */
  answer(text: string, nowMs: number): AnswerResult {
    const role = this.#challengeRole;
    assert(role !== undefined, 'an answer without a challenge');
    this.#challengeRole = undefined;
    if (text.length === 0) return { ok: false, error: 'login cancelled', failed: false };
    if (nowMs > this.#challengeExpiresMs)
      return { ok: false, error: 'the challenge expired; log in again', failed: false };
    const secretLoaded = this.#loadSecret(role);
    assert(secretLoaded, 'the secret vanished during a login');
    this.#crypto.hmacSha256(this.#secret, this.#nonce, NONCE_BYTES, this.#expected);
    const wellFormed = parseHex(text, this.#answer);
    if (!wellFormed || !sameBytes(this.#expected, this.#answer)) return this.#fail(nowMs);
    this.#secret.fill(0);
    this.#setFailures(0);
    this.#lockedUntilMs = nowMs;
    this.#role = role;
    this.#lastActivityMs = nowMs;
    return { ok: true, role };
  }

  logout(): void {
    this.#role = undefined;
    this.#challengeRole = undefined;
  }

  touch(nowMs: number): void {
    this.#lastActivityMs = nowMs;
  }

  /** Logs out a session idle for IDLE_LOGOUT_MS; true when it did so now. */
  logoutIfIdle(nowMs: number): boolean {
    if (this.#role === undefined || nowMs - this.#lastActivityMs < IDLE_LOGOUT_MS) return false;
    this.#role = undefined;
    return true;
  }

  #fail(nowMs: number): AnswerResult {
    this.#secret.fill(0);
    this.#setFailures(Math.min(this.#failures + 1, FAILURES_MAX));
    const delayMs = lockoutDelayMs(this.#failures);
    this.#lockedUntilMs = nowMs + delayMs;
    return {
      ok: false,
      error: `wrong answer; locked out for ${delayMs / 1000} s (${this.#failures} failed login(s))`,
      failed: true,
    };
  }

  #setFailures(failures: number): void {
    if (failures === this.#failures && failures === 0) return;
    this.#failures = failures;
    // A refused write leaves the count in RAM only; the lockout still holds until a restart.
    this.#settings.set(CONSOLE_SETTINGS_KEYS.failures, String(failures));
  }

  #loadSecret(role: Role): boolean {
    const text = this.#settings.get(CONSOLE_SETTINGS_KEYS[role]);
    return text !== undefined && parseHex(text, this.#secret);
  }
}

/** Compares all bytes whatever the first difference: the time taken says nothing about the secret. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  assert(a.length === b.length, 'compared byte arrays differ in length');
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index] ^ b[index];
  return difference === 0;
}
