// A simulated Kaspi Alaqan palm-vein camera on virtual time. The customer's hand is held over
// the camera (`present`) or taken away (`withdraw`); a capture needs the camera started and a
// hand there, and completes `captureLatencyMs` after both hold. The technician's side sets
// the camera's health; a fault during a capture ends it with a fault reading.
import type { PalmHealth, PalmReading, PalmScanner } from '../ports';
import type { SimActor, VirtualClock } from './world';

export interface SimPalmOptions {
  /** From "both hand and capture" to a reading. Alaqan's published demos show about a second. */
  readonly captureLatencyMs?: number;
}

export const SIM_PALM_CAPTURE_LATENCY_MS = 800;

export type PalmHand = string | 'poor-image';

export class SimPalm implements PalmScanner, SimActor {
  readonly #clock: VirtualClock;
  readonly captureLatencyMs: number;
  #health: PalmHealth = 'ready';
  #hand: PalmHand | undefined = undefined;
  #capturing = false;
  #readyAtMs = Infinity;
  #reading: PalmReading | undefined = undefined;
  /** Captures started and readings delivered, for tests and the bench page. */
  capturesStarted = 0;
  readingsDelivered = 0;

  constructor(clock: VirtualClock, options: SimPalmOptions = {}) {
    this.#clock = clock;
    this.captureLatencyMs = options.captureLatencyMs ?? SIM_PALM_CAPTURE_LATENCY_MS;
  }

  // ----- the customer's and technician's hands -----

  /** Holds a palm over the camera: its (opaque, enrolled) template, or one it cannot image. */
  present(hand: PalmHand): void {
    this.#hand = hand;
    if (this.#capturing && this.#readyAtMs === Infinity) this.#readyAtMs = this.#clock.nowMs + this.captureLatencyMs;
  }

  /** Takes the hand away before the capture finished: the capture waits for a hand again. */
  withdraw(): void {
    this.#hand = undefined;
    if (this.#reading === undefined) this.#readyAtMs = Infinity;
  }

  setHealth(health: PalmHealth): void {
    this.#health = health;
    if (health !== 'ready' && this.#capturing && this.#reading === undefined) {
      this.#reading = { kind: 'fault', detail: health === 'absent' ? 'camera disconnected' : 'camera fault' };
      this.#readyAtMs = Infinity;
    }
  }

  // ----- the port -----

  health(): PalmHealth {
    return this.#health;
  }

  start(): boolean {
    if (this.#health !== 'ready') return false;
    this.#capturing = true;
    this.#reading = undefined;
    this.capturesStarted++;
    this.#readyAtMs = this.#hand === undefined ? Infinity : this.#clock.nowMs + this.captureLatencyMs;
    return true;
  }

  read(): PalmReading | undefined {
    if (this.#reading === undefined && this.#capturing && this.#clock.nowMs >= this.#readyAtMs) this.#capture();
    const reading = this.#reading;
    if (reading !== undefined) {
      this.#reading = undefined;
      this.#capturing = false;
      this.#readyAtMs = Infinity;
      // The camera has beeped: the customer takes the hand away. Another attempt needs the hand
      // presented again — a hand left over the camera is not read over and over, spending every
      // attempt on one presentation.
      this.#hand = undefined;
      this.readingsDelivered++;
    }
    return reading;
  }

  stop(): void {
    this.#capturing = false;
    this.#reading = undefined;
    this.#readyAtMs = Infinity;
  }

  // ----- the world -----

  nextEventMs(): number {
    return this.#readyAtMs;
  }

  step(nowMs: number): void {
    if (this.#capturing && this.#reading === undefined && nowMs >= this.#readyAtMs) this.#capture();
  }

  #capture(): void {
    this.#readyAtMs = Infinity;
    const hand = this.#hand;
    if (hand === undefined) return;
    this.#reading = hand === 'poor-image' ? { kind: 'poor-image' } : { kind: 'template', template: hand };
  }
}
