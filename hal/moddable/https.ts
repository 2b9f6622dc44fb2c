// HttpsClient for the firmware's main machine. The HTTPS work itself runs in a Worker.
//
// Why a Worker (docs/board.md, Bank link): the UART FIFOs hold 128 bytes and Moddable's serial
// adds no buffer, so at 9600 baud the bill validator's FIFO fills in about 133 ms; a TLS
// handshake in Moddable's JavaScript TLS takes seconds of uninterrupted JavaScript. Run on the
// main machine, one handshake would overflow the validator and card-reader FIFOs, miss CCNET's
// poll period and starve the 4 s watchdog. On ESP32 a Worker is its own FreeRTOS task and is
// scheduled preemptively (documentation/base/worker.md, Scheduling), so the main machine keeps
// polling the devices while the worker computes; the cost is the worker's own memory
// (WORKER_MEMORY below), which is why only the bank link lives there.
//
// The alternative — run requests only while the devices are idle and disabled — was rejected:
// authorisation and bill lookup happen while a customer stands at the machine with the
// validator enabled for the next step, and CCNET must be polled every 100–200 ms even when
// the validator is disabled.
import Timer from 'timer';
import Worker from 'worker';
import type { WorkerOptions } from 'worker';
import type { HttpsClient, HttpsRequest, HttpsResult } from '../ports';
import {
  type BankRequestMessage,
  type BankResultMessage,
  REQUEST_BODY_BYTES_MAX,
  REQUEST_TIMEOUT_MS_MAX,
} from './bank-protocol';
import { type FaultHandler, guarded } from './fault';

export const BANK_WORKER_MODULE = 'hal/moddable/bank-worker';
/**
 * The worker's machine in the documented form (Moddable documentation/base/worker.md: static,
 * chunk, heap, stack, keys, priority; the older {allocation, stackCount, slotCount} leaves the
 * FreeRTOS priority at 0 and warns in debug builds). Sized for one TLS 1.2 handshake
 * (securesocket.md: about 4 KB stack, 10 KB chunks, 6 KB slots free) plus the HTTP client and a
 * 4 KB request and response: 26 KB of chunks, 1 024 slots (16 KB), 384 stack slots (6 KB),
 * fixed (incremental 0) so a leak fails loudly instead of eating the system heap.
 */
export interface BankWorkerCreation extends WorkerOptions {
  /** FreeRTOS task priority on ESP32 (modWorker.c; 0 means its default, tskIDLE_PRIORITY + 1). */
  readonly priority: number;
}
/**
 * Priority 1 (just above idle), below Moddable's main task (4, build/devices/esp32/lib/main/main.c):
 * on the core they share, the firmware's loop always runs first and a handshake only takes
 * time the loop does not want; on the other core the worker has the CPU to itself.
 */
export const BANK_WORKER_PRIORITY = 1;
export const WORKER_CREATION: BankWorkerCreation = Object.freeze({
  static: 0,
  chunk: Object.freeze({ initial: 26 * 1024, incremental: 0 }),
  heap: Object.freeze({ initial: 1024, incremental: 0 }),
  stack: 384,
  keys: Object.freeze({ initial: 32, incremental: 0, name: 31, symbol: 7 }),
  priority: BANK_WORKER_PRIORITY,
});
/** The worker enforces the request's own timeout; this much later the main side stops waiting. */
export const WORKER_GRACE_MS = 2000;
/** A worker that has not answered a request this long after its timeout is stuck: replace it. */
export const WORKER_STUCK_MS = 30_000;

export class WorkerHttpsClient implements HttpsClient {
  readonly requestBodyBytesMax = REQUEST_BODY_BYTES_MAX;
  #worker: Worker;
  #nextId = 1;
  /** The request the worker is working on (answered to the caller or not), or 0. */
  #workerBusyId = 0;
  #workerBusySinceMs = 0;
  #pendingId = 0;
  #pendingDone: ((result: HttpsResult) => void) | undefined = undefined;
  #timer: Timer | undefined = undefined;
  readonly #nowMs: () => number;
  readonly #onFault: FaultHandler;
  workerRestarts = 0;

  constructor(nowMs: () => number, onFault: FaultHandler) {
    this.#nowMs = nowMs;
    this.#onFault = onFault;
    this.#worker = this.#startWorker();
  }

  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.#workerBusyId !== 0 && !this.#replaceStuckWorker()) return false;
    if (!(request.timeoutMs > 0 && request.timeoutMs <= REQUEST_TIMEOUT_MS_MAX))
      throw new Error('https timeout out of range');
    if (request.path.charAt(0) !== '/') throw new Error('https path must start with /');
    const id = this.#nextId++;
    if (request.body !== undefined && overBodyCap(request.body)) {
      this.#finishLater(onDone, {
        ok: false,
        failure: 'too-large',
        detail: `request body over ${REQUEST_BODY_BYTES_MAX} bytes`,
      });
      return true;
    }
    const message: BankRequestMessage = {
      kind: 'request',
      id,
      method: request.method,
      path: request.path,
      body: request.body,
      timeoutMs: request.timeoutMs,
    };
    this.#worker.postMessage(message);
    this.#workerBusyId = id;
    this.#workerBusySinceMs = this.#nowMs();
    this.#pendingId = id;
    this.#pendingDone = onDone;
    this.#timer = Timer.set(
      guarded('bank timeout', this.#onFault, () => this.#onTimeout(id)),
      request.timeoutMs + WORKER_GRACE_MS,
    );
    return true;
  }

  #startWorker(): Worker {
    const worker = new Worker(BANK_WORKER_MODULE, WORKER_CREATION);
    worker.onmessage = guarded('bank result', this.#onFault, (message: BankResultMessage) => this.#onResult(message));
    return worker;
  }

  #onResult(message: BankResultMessage): void {
    if (message.kind !== 'result' || message.id !== this.#workerBusyId) return; // a replaced worker's late answer
    this.#workerBusyId = 0;
    if (message.id !== this.#pendingId) return; // already answered as a timeout
    const result: HttpsResult = message.ok
      ? { ok: true, status: message.status, body: message.body }
      : { ok: false, failure: message.failure, detail: message.detail };
    this.#complete(result);
  }

  #onTimeout(id: number): void {
    this.#timer = undefined;
    if (id !== this.#pendingId) return;
    this.#complete({ ok: false, failure: 'timeout', detail: 'no answer from the bank worker' });
  }

  #complete(result: HttpsResult): void {
    const onDone = this.#pendingDone;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#pendingId = 0;
    this.#pendingDone = undefined;
    if (onDone !== undefined) onDone(result);
  }

  /** True when the worker was stuck and has been replaced, so a new request may go. */
  #replaceStuckWorker(): boolean {
    if (this.#pendingId !== 0) return false; // the caller still waits for an answer
    if (this.#nowMs() - this.#workerBusySinceMs < WORKER_STUCK_MS + REQUEST_TIMEOUT_MS_MAX) return false;
    this.#worker.terminate();
    this.#worker = this.#startWorker();
    this.#workerBusyId = 0;
    this.workerRestarts++;
    return true;
  }

  /** The port promises onDone on a later turn, never inside request(). */
  #finishLater(onDone: (result: HttpsResult) => void, result: HttpsResult): void {
    Timer.set(guarded('bank result', this.#onFault, () => onDone(result)));
  }
}

/**
 * Whether the body's UTF-8 bytes pass the cap, which is in bytes, while a string's length counts
 * UTF-16 units. At or below a third of the cap no text can pass it (at most 3 bytes a unit), so
 * the common small body is not encoded twice.
 */
function overBodyCap(text: string): boolean {
  return text.length * 3 > REQUEST_BODY_BYTES_MAX && ArrayBuffer.fromString(text).byteLength > REQUEST_BODY_BYTES_MAX;
}
