// The bank worker: a separate XS machine (Moddable documentation/base/worker.md) that does HTTPS
// with mutual TLS to the one bank host, one request at a time, and posts exactly one result per
// request. Why a worker: see https.ts. Started by WorkerHttpsClient with WORKER_CREATION.
//
// The stack, all from the Moddable SDK 8.2.3 (examples/io/tcp/httpclient, examples/io/tcp/tlssocket,
// examples/io/udp/dns, modules/crypt/ssl), and what this module adds on top of it:
// - TLS 1.2 (the highest the SDK speaks) with the device's RSA key and certificate (mutual TLS;
//   the SDK's client certificate code is RSA only) and one trusted root: the bank's *server* CA,
//   which signs nothing but the bank's TLS servers. Device certificates come from a different CA,
//   so another ATM's certificate cannot pass for the bank (docs/board.md, Provisioning).
// - The host name: the SDK sends it as SNI and checks it against the server certificate's
//   subjectAltName (modules/crypt/ssl/ssl_cert.js, verify); a certificate for another name fails
//   the handshake. test/moddable proves both refusals on Moddable's own runtime.
// - No exception escapes: every callback here catches; the TCP socket under the TLS socket is
//   GuardedTCP (a rejected certificate throws inside the TLS code's socket callback); and for
//   anything the SDK throws from its own timers, this machine's XS abort hook (manifest defines
//   xs.abortHook) turns an unhandled exception into the request's failure instead of a reboot.
// - The request's body goes out under content-length, in the pieces the client asks for, and is
//   never followed by an empty write (that only ends a chunked body and throws otherwise).
import HTTPClient from 'embedded:network/http/client';
import type { HTTPRequest } from 'embedded:network/http/client';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import config from 'mc/config';
import Resource from 'Resource';
import Timer from 'timer';
import type {} from 'worker';
import type { HttpsFailure } from '../ports';
import {
  type BankRequestMessage,
  type BankResultMessage,
  classifyError,
  RESPONSE_BODY_BYTES_MAX,
} from './bank-protocol';
import { describeError } from './fault';
import { type BankFailureNote, GuardedTCP } from './guarded-tcp';

export const BANK_SERVER_CA_RESOURCE = 'bank-server-ca.der';
export const DEVICE_CERT_RESOURCE = 'device-cert.der';
export const DEVICE_KEY_RESOURCE = 'device-key.der';
/** TLS 1.2: the highest version Moddable's TLS implements. */
const TLS_1_2 = 0x303;
/** Asks the bank for 4 KB TLS records (RFC 6066) so a record fits the worker's heap. */
const TLS_MAX_FRAGMENT_BYTES = 4096;
/** What XS calls an exception nobody caught (xsCommon.c fxAbortString). */
const UNHANDLED = /unhandled/;

/**
 * Module state, in plain objects: this module is preloaded, and a typed array made at preload
 * would be read-only (XS keeps preloaded instances in flash), so the response buffer is made
 * once, on the first request, in this machine's RAM.
 */
const buffers: { response: Uint8Array | undefined } = { response: undefined };

interface InFlight {
  readonly id: number;
  readonly note: BankFailureNote;
  fail(failure: HttpsFailure, detail: string): void;
}

/** The request being served; this machine serves one at a time. */
const current: { request: InFlight | undefined } = { request: undefined };

function tlsOptions(): object {
  return {
    protocolVersion: TLS_1_2,
    certificate: new Resource(BANK_SERVER_CA_RESOURCE),
    clientKey: new Resource(DEVICE_KEY_RESOURCE),
    clientCertificates: [new Resource(DEVICE_CERT_RESOURCE)],
    tls_max_fragment_length: TLS_MAX_FRAGMENT_BYTES,
  };
}

function post(message: BankResultMessage): void {
  try {
    self.postMessage(message);
  } catch {
    // the main machine is gone (terminated this worker); nobody is left to tell
  }
}

/** One request: connect, send, collect at most RESPONSE_BODY_BYTES_MAX, answer exactly once. */
function run(message: BankRequestMessage): void {
  let answered = false;
  let headersSeen = false;
  let status = 0;
  let bodyLength = 0;
  let client: HTTPClient | undefined;
  const note: BankFailureNote = { message: undefined };
  buffers.response ??= new Uint8Array(RESPONSE_BODY_BYTES_MAX);
  const responseBytes = buffers.response;
  const requestBody = message.body === undefined ? undefined : new Uint8Array(ArrayBuffer.fromString(message.body));
  const finish = (result: BankResultMessage): void => {
    if (answered) return;
    answered = true;
    current.request = undefined;
    Timer.clear(timer);
    const closing = client;
    client = undefined;
    // Closed on the next turn: finish may run inside the client's own callback.
    Timer.set(() => {
      try {
        closing?.close();
      } catch {
        // the socket already failed; nothing left to release
      }
    });
    post(result);
  };
  const fail = (failure: HttpsFailure, detail: string): void =>
    finish({ kind: 'result', id: message.id, ok: false, failure, detail });
  /** A failure the stack reports without a message: the guarded socket's note says what it was. */
  const failFromStack = (error: unknown): void => {
    const detail = note.message ?? (error === undefined || error === null ? '' : describeError(error));
    fail(
      classifyError(detail, headersSeen, note.message !== undefined),
      detail.length > 0 ? detail : 'connection failed',
    );
  };
  const timer = Timer.set(() => fail('timeout', `no response in ${message.timeoutMs} ms`), message.timeoutMs);
  current.request = { id: message.id, note, fail };
  try {
    client = new HTTPClient({
      host: config.bankHost,
      port: config.bankPort,
      dns: { io: Resolver, servers: [config.dnsServer], socket: { io: UDP } },
      socket: { io: TLSSocket, TCP: { io: GuardedTCP }, secure: tlsOptions(), failureNote: note },
      onError(error: unknown) {
        failFromStack(error);
      },
    });
    const headers = new Map<string, string>([
      ['content-type', 'application/json'],
      ['x-atm-id', config.atmId],
    ]);
    if (requestBody !== undefined) headers.set('content-length', String(requestBody.byteLength));
    let requestBodyOffset = 0;
    client.request({
      method: message.method,
      path: message.path,
      headers,
      onHeaders(statusCode: number) {
        headersSeen = true;
        status = statusCode;
      },
      // The client says how many bytes it can take now; the body goes in pieces of that size.
      // With content-length, the client itself ends the request after the last byte.
      onWritable(this: HTTPRequest, count: number) {
        try {
          if (requestBody === undefined || requestBodyOffset >= requestBody.byteLength) return;
          const pieceBytes = Math.min(count, requestBody.byteLength - requestBodyOffset);
          this.write(requestBody.subarray(requestBodyOffset, requestBodyOffset + pieceBytes));
          requestBodyOffset += pieceBytes;
        } catch (error) {
          fail('io', `sending the body: ${describeError(error)}`);
        }
      },
      onReadable(this: HTTPRequest, count: number) {
        try {
          if (bodyLength + count > RESPONSE_BODY_BYTES_MAX) {
            fail('too-large', `response body over ${RESPONSE_BODY_BYTES_MAX} bytes`);
            return;
          }
          this.read(responseBytes.subarray(bodyLength, bodyLength + count));
          bodyLength += count;
        } catch (error) {
          fail('io', `reading the body: ${describeError(error)}`);
        }
      },
      // The SDK calls onDone(null) when the request completed and onDone(error) otherwise.
      onDone(error: Error | null) {
        try {
          if (error !== null && error !== undefined) {
            failFromStack(error);
            return;
          }
          const body = String.fromArrayBuffer(responseBytes.slice(0, bodyLength).buffer as ArrayBuffer);
          finish({ kind: 'result', id: message.id, ok: true, status, body });
        } catch (caught) {
          fail('io', `response body: ${describeError(caught)}`);
        }
      },
    });
  } catch (error) {
    failFromStack(error);
  }
}

/**
 * The worker's XS abort hook (Moddable documentation/xs/handle.md, abortHook): an exception
 * that escaped the SDK's own timer callbacks fails the request it belongs to, and the worker
 * keeps serving. Anything else (memory, stack) is left to abort: the main side replaces a
 * worker that stops answering.
 */
function onAbort(reason: string, exception: unknown): boolean {
  const request = current.request;
  if (!UNHANDLED.test(reason) || request === undefined) return true;
  const detail = request.note.message ?? describeError(exception);
  request.fail(classifyError(detail, false, request.note.message !== undefined), detail);
  return false;
}

(globalThis as { abort?: (reason: string, exception: unknown) => boolean }).abort = onAbort;

self.onmessage = (message: BankRequestMessage) => {
  try {
    if (message?.kind === 'request' && current.request === undefined) run(message);
  } catch (error) {
    post({ kind: 'result', id: message.id, ok: false, failure: 'io', detail: describeError(error) });
  }
};
