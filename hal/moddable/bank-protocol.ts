// The messages between the main machine (https.ts) and the bank worker (bank-worker.ts).
// Worker messages are copied between machines (documentation/base/worker.md), so they are
// small plain objects: one request out, one result back, matched by id.
import type { HttpsFailure, HttpsMethod } from '../ports';

/** Request and response bodies are JSON of a deposit batch or a bill: a few kilobytes at most. */
export const REQUEST_BODY_BYTES_MAX = 4096;
export const RESPONSE_BODY_BYTES_MAX = 4096;
/** The longest a caller may ask for; a TLS handshake in JavaScript alone takes seconds. */
export const REQUEST_TIMEOUT_MS_MAX = 60_000;

export interface BankRequestMessage {
  readonly kind: 'request';
  readonly id: number;
  readonly method: HttpsMethod;
  readonly path: string;
  readonly body: string | undefined;
  readonly timeoutMs: number;
}

export type BankResultMessage =
  | { readonly kind: 'result'; readonly id: number; readonly ok: true; readonly status: number; readonly body: string }
  | {
      readonly kind: 'result';
      readonly id: number;
      readonly ok: false;
      readonly failure: HttpsFailure;
      readonly detail: string;
    };

/**
 * Sorts a TLS or socket error into the port's failure kinds, by what the stack says. An
 * exception the guarded socket caught before any response header is the TLS layer's: it is the
 * only code that runs inside the socket's callbacks until the response arrives.
 */
export function classifyError(message: string, headersSeen: boolean, caughtInSocket = false): HttpsFailure {
  if (/certificate|tls|handshake|alert|verify|auth err|cipher/i.test(message)) return 'tls';
  if (caughtInSocket && !headersSeen) return 'tls';
  return headersSeen ? 'io' : 'connect';
}
