// Source: documentation/base/worker.md. The constructor runs the module to completion before
// returning; {allocation, stackCount, slotCount} set the new machine's memory; messages are
// copied (JSON-like objects or ArrayBuffer); inside the worker, `self.onmessage` receives and
// `self.postMessage` sends. On ESP32 workers are FreeRTOS tasks, preemptively scheduled.

declare module 'worker' {
  export interface WorkerMemory {
    readonly allocation: number;
    readonly stackCount: number;
    readonly slotCount: number;
  }
  export default class Worker {
    constructor(modulePath: string, memory?: WorkerMemory);
    postMessage(message: object | ArrayBuffer): void;
    onmessage: ((message: any) => void) | undefined;
    terminate(): void;
  }
}

/** The worker side (inside a module started by `new Worker`). */
declare const self: {
  onmessage: ((message: any) => void) | undefined;
  postMessage(message: object | ArrayBuffer): void;
  close(): void;
};
