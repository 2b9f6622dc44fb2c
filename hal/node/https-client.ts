// The HttpsClient port over node:https for the machine on the desk: the bank's CA pinned
// (it replaces the system roots, so no other CA is trusted), the device certificate and
// key presented for mutual TLS, one request at a time, a timeout and a cap on the reply.
// Plain http:// is refused at construction: money never travels in clear text.
import https from 'node:https';
import type { HttpsClient, HttpsFailure, HttpsRequest, HttpsResult } from '../ports';

export interface NodeHttpsClientOptions {
  /** https://host:port of the bank's device API. */
  readonly baseUrl: string;
  /** The bank CA (PEM): the only issuer the client trusts for the bank's certificate. */
  readonly caPem: string;
  /** The device certificate and key (PEM); without them the bank refuses the handshake. */
  readonly certPem?: string;
  readonly keyPem?: string;
  /** Replies longer than this fail with 'too-large' (the board's receive buffer is as small). */
  readonly responseBytesMax?: number;
  /** Request bodies longer than this fail with 'too-large' unsent (default: the board's cap). */
  readonly requestBodyBytesMax?: number;
  /** Keep the TLS session between requests (default true): a handshake per batch is the slow part. */
  readonly keepAlive?: boolean;
}

export const RESPONSE_BYTES_MAX_DEFAULT = 16 * 1024;
/** The board's bank worker sends at most this (hal/moddable/bank-protocol.ts): the desk holds to it too. */
export const REQUEST_BODY_BYTES_MAX_DEFAULT = 4096;

export class NodeHttpsClient implements HttpsClient {
  readonly requestBodyBytesMax: number;
  readonly #url: URL;
  readonly #agent: https.Agent;
  readonly #responseBytesMax: number;
  #busy = false;

  constructor(options: NodeHttpsClientOptions) {
    this.#url = new URL(options.baseUrl);
    if (this.#url.protocol !== 'https:') throw new Error(`bank URL ${options.baseUrl}: only https is allowed`);
    this.#responseBytesMax = options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT;
    this.requestBodyBytesMax = options.requestBodyBytesMax ?? REQUEST_BODY_BYTES_MAX_DEFAULT;
    this.#agent = new https.Agent({
      ca: options.caPem,
      cert: options.certPem,
      key: options.keyPem,
      keepAlive: options.keepAlive ?? true,
      maxSockets: 1,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    });
  }

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.#busy) return false;
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    if (body !== undefined && body.length > this.requestBodyBytesMax) {
      setImmediate(() =>
        onDone({ ok: false, failure: 'too-large', detail: `request body over ${this.requestBodyBytesMax} bytes` }),
      );
      return true;
    }
    this.#busy = true;
    let settled = false;
    const finish = (result: HttpsResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.#busy = false;
      onDone(result);
    };
    const fail = (failure: HttpsFailure, detail: string) => finish({ ok: false, failure, detail });
    const outgoing = https.request(
      new URL(request.path, this.#url),
      {
        method: request.method,
        agent: this.#agent,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json', 'content-length': body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let receivedBytes = 0;
        response.on('data', (chunk: Buffer) => {
          receivedBytes += chunk.length;
          if (receivedBytes > this.#responseBytesMax) {
            fail('too-large', `reply over ${this.#responseBytesMax} bytes`);
            outgoing.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish({ ok: true, status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', (error) => fail('io', error.message));
        response.on('aborted', () => fail('io', 'reply aborted'));
      },
    );
    const timer = setTimeout(() => {
      fail('timeout', `no complete reply in ${request.timeoutMs} ms`);
      outgoing.destroy();
    }, request.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      fail(classify(error), `${error.code ?? ''} ${error.message}`.trim()),
    );
    outgoing.end(body);
    return true;
  }

  /** Closes kept-alive connections (tests and shutdown). */
  close(): void {
    this.#agent.destroy();
  }
}

/** connect: nobody listening / unreachable; tls: the handshake or a certificate failed; io: the rest. */
function classify(error: NodeJS.ErrnoException): HttpsFailure {
  const code = error.code ?? '';
  if (
    code === 'ECONNREFUSED' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN'
  )
    return 'connect';
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'EPROTO' ||
    /alert|handshake|certificate/i.test(error.message)
  ) {
    return 'tls';
  }
  return 'io';
}
