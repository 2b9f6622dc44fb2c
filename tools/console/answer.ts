// The technician's side of the console login: HMAC-SHA-256(device secret, challenge bytes),
// as 64 hex digits. The challenge is printed as groups of four hex digits joined by ':'.
import { createHmac } from 'node:crypto';

export const SECRET_HEX_CHARS = 64;

/** The challenge's bytes from its printed form (colons optional); undefined if it is not 16 bytes of hex. */
export function challengeBytes(challenge: string): Uint8Array | undefined {
  const hex = challenge.trim().split(':').join('');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The answer to type after `login <role>`, or an error text. */
export function answerChallenge(
  challenge: string,
  secretHex: string,
): { ok: true; answer: string } | { ok: false; error: string } {
  const nonce = challengeBytes(challenge);
  if (nonce === undefined) return { ok: false, error: 'the challenge must be 32 hex digits (colons allowed)' };
  if (secretHex.length !== SECRET_HEX_CHARS || !/^[0-9a-fA-F]+$/.test(secretHex))
    return { ok: false, error: `the secret must be ${SECRET_HEX_CHARS} hex digits` };
  return { ok: true, answer: createHmac('sha256', Buffer.from(secretHex, 'hex')).update(nonce).digest('hex') };
}
