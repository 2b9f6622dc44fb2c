// The bank worker: a separate XS machine (documentation/base/worker.md) that does HTTPS with
// mutual TLS to the one bank host, one request at a time, and posts one result per request.
// Why a worker: see https.ts. Started by WorkerHttpsClient with WORKER_MEMORY.
//
// TLS (documentation/network/securesocket.md): the `secure` dictionary carries
// protocolVersion 0x303 (TLS 1.2, the most Moddable's TLS speaks), `certificate` — the bank's CA
// in DER, so only a server chained to that CA is accepted (the pin) — and `clientKey` /
// `clientCertificates` — the device's own key and certificate in DER (mutual TLS). The
// certificate check compares validity dates with the wall clock, which SNTP must have set
// (hal/moddable/network.ts) before the first request; until then the handshake fails as 'tls'.
// The three DER files are per-device build data (manifest "data", docs/board.md: provisioning).
//
// Open point, to confirm on hardware: this passes `secure` inside the `socket` options the
// ECMA-419 HTTP client hands to its TLS socket; if the SDK in use names the dictionary `tls`
// (as Moddable's newer docs do for device.network.https), rename it in tlsOptions() only.
import HTTPClient from 'embedded:network/http/client';
import type { HttpRequest } from 'embedded:network/http/client';
import TCP from 'embedded:io/socket/tcp';
import TLSSocket from 'embedded:io/socket/tcp/tls';
import UDP from 'embedded:io/socket/udp';
import Resolver from 'embedded:network/dns/resolver/udp';
import config from 'mc/config';
import Resource from 'Resource';
import Timer from 'timer';
import type { HttpsFailure } from '../ports';
import { type BankRequestMessage, type BankResultMessage, classifyError, RESPONSE_BODY_BYTES_MAX } from './bank-protocol';

export const BANK_CA_RESOURCE = 'bank-ca.der';
export const DEVICE_CERT_RESOURCE = 'device-cert.der';
export const DEVICE_KEY_RESOURCE = 'device-key.der';
/** TLS 1.2: the highest version Moddable's TLS implements. */
const TLS_1_2 = 0x303;
/** Asks the bank for 4 KB TLS records (RFC 6066) so a record fits the worker's heap. */
const TLS_MAX_FRAGMENT_BYTES = 4096;

const responseBytes = new Uint8Array(RESPONSE_BODY_BYTES_MAX);

function tlsOptions(): object {
  return {
    protocolVersion: TLS_1_2,
    certificate: new Resource(BANK_CA_RESOURCE),
    clientKey: new Resource(DEVICE_KEY_RESOURCE),
    clientCertificates: [new Resource(DEVICE_CERT_RESOURCE)],
    tls_max_fragment_length: TLS_MAX_FRAGMENT_BYTES,
  };
}

function post(message: BankResultMessage): void {
  self.postMessage(message);
}

/** One request: connect, send, collect at most RESPONSE_BODY_BYTES_MAX, answer exactly once. */
function run(message: BankRequestMessage): void {
  let answered = false;
  let headersSeen = false;
  let status = 0;
  let bodyLength = 0;
  let client: HTTPClient | undefined = undefined;
  const requestBody = message.body === undefined ? undefined : ArrayBuffer.fromString(message.body);
  const finish = (result: BankResultMessage): void => {
    if (answered) return;
    answered = true;
    Timer.clear(timer);
    try {
      client?.close();
    } catch {
      // closing a socket that already failed; nothing left to release
    }
    post(result);
  };
  const fail = (failure: HttpsFailure, detail: string): void =>
    finish({ kind: 'result', id: message.id, ok: false, failure, detail });
  const timer = Timer.set(() => fail('timeout', `no response in ${message.timeoutMs} ms`), message.timeoutMs);
  try {
    client = new HTTPClient({
      host: config.bankHost,
      port: config.bankPort,
      dns: { io: Resolver, servers: [config.dnsServer], socket: { io: UDP } },
      socket: { io: TLSSocket, TCP: { io: TCP }, secure: tlsOptions() },
      onError(error?: Error) {
        const detail = String(error?.message ?? error ?? 'socket error');
        fail(classifyError(detail, headersSeen), detail);
      },
    });
    const headers = new Map<string, string | number>([['content-type', 'application/json'], ['x-atm-id', config.atmId]]);
    if (requestBody !== undefined) headers.set('content-length', requestBody.byteLength);
    let requestBodyOffset = 0;
    let requestBodyEnded = requestBody === undefined;
    client.request({
      method: message.method,
      path: message.path,
      headers,
      onHeaders(statusCode: number) {
        headersSeen = true;
        status = statusCode;
      },
      // The client says how many bytes it can take now; the body (at most
      // REQUEST_BODY_BYTES_MAX, checked on the main side) goes in pieces of that size, then an
      // empty write ends it.
      onWritable(this: HttpRequest, count: number) {
        if (requestBody === undefined || requestBodyEnded) return;
        const pieceBytes = Math.min(count, requestBody.byteLength - requestBodyOffset);
        if (pieceBytes > 0) {
          this.write(new Uint8Array(requestBody, requestBodyOffset, pieceBytes));
          requestBodyOffset += pieceBytes;
        }
        if (requestBodyOffset === requestBody.byteLength) {
          requestBodyEnded = true;
          this.write();
        }
      },
      onReadable(this: HttpRequest, count: number) {
        const chunk = this.read(count);
        if (chunk === undefined) return;
        if (bodyLength + chunk.byteLength > RESPONSE_BODY_BYTES_MAX) {
          fail('too-large', `response body over ${RESPONSE_BODY_BYTES_MAX} bytes`);
          return;
        }
        responseBytes.set(new Uint8Array(chunk), bodyLength);
        bodyLength += chunk.byteLength;
      },
      onDone(error?: Error) {
        if (error !== undefined) {
          const detail = String(error.message ?? error);
          fail(classifyError(detail, headersSeen), detail);
          return;
        }
        const body = String.fromArrayBuffer(responseBytes.buffer.slice(0, bodyLength));
        finish({ kind: 'result', id: message.id, ok: true, status, body });
      },
    });
  } catch (error) {
    const detail = String((error as Error)?.message ?? error);
    fail(classifyError(detail, headersSeen), detail);
  }
}

self.onmessage = (message: BankRequestMessage) => {
  if (message?.kind === 'request') run(message);
};
