import type {
  Crc,
  Crypto,
  Display,
  HttpsClient,
  HttpsRequest,
  HttpsResult,
  Key,
  Keypad,
  Provisioning,
  Random,
  Screen,
  Settings,
  SystemInfo,
  Watchdog,
} from '../ports';
import { bytesOfHex } from '../../src/bytes';
import { crc16Kermit, crc32 } from '../../src/crc';
import { BOARD_REQUEST_BODY_BYTES_MAX } from './bank-link';
import { hmacSha256Parts, sha256Parts } from './sha256';
import type { SimActor, VirtualClock } from './world';

/** Keeps every screen shown, for tests and the bench page. */
export class RecordingDisplay implements Display {
  readonly shown: Screen[] = [];
  /** Screens shown since boot, the ones that fell out of the history included. */
  shows = 0;
  static readonly HISTORY_MAX = 256;

  show(screen: Screen): void {
    this.shows += 1;
    if (this.shown.length === RecordingDisplay.HISTORY_MAX) this.shown.shift();
    this.shown.push(screen);
  }

  get current(): Screen | undefined {
    return this.shown[this.shown.length - 1];
  }
}

/** Every key on the ATM's keypad (hal/ports.ts's Key), for what checks a key typed by a person. */
export const KEYPAD_KEYS: readonly Key[] = Object.freeze<Key[]>([
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  ...['enter', 'cancel', 'clear', 'F1', 'F2', 'F3', 'F4'],
] as Key[]);

export class ScriptedKeypad implements Keypad {
  readonly #pending: Key[] = [];

  press(...keys: Key[]): void {
    this.#pending.push(...keys);
  }

  read(): Key | undefined {
    return this.#pending.shift();
  }
}

/** A watchdog that records a bite when not fed in time (the sim board then "restarts"). */
export class SimWatchdog implements Watchdog {
  readonly #clock: VirtualClock;
  timeoutMs = Infinity;
  lastFedMs = 0;
  feeds = 0;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  enable(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
    this.lastFedMs = this.#clock.nowMs;
  }

  feed(): void {
    this.lastFedMs = this.#clock.nowMs;
    this.feeds++;
  }

  get bitten(): boolean {
    return this.#clock.nowMs - this.lastFedMs > this.timeoutMs;
  }
}

/** Deterministic random bytes from a seed (xorshift32): every simulated run replays. */
export class SeededRandom implements Random {
  #state: number;

  constructor(seed: number) {
    this.#state = (seed | 0) === 0 ? 0x9e3779b9 : seed | 0;
  }

  nextUint32(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x;
    return x >>> 0;
  }

  fill(into: Uint8Array): void {
    for (let index = 0; index < into.length; index++) into[index] = this.nextUint32() & 0xff;
  }
}

/**
 * The firmware's own TypeScript CRCs (src/crc.ts) behind the Crc port, as the desk and the
 * simulation run them; the board's are native (hal/moddable/crc.ts). A class of its own so the
 * budget can meter its calls as a port's.
 */
export class SoftCrc implements Crc {
  crc16Kermit(bytes: Uint8Array, start: number, end: number): number {
    return crc16Kermit(bytes, start, end);
  }

  crc32(crc: number, bytes: Uint8Array, start: number, end: number): number {
    return crc32(crc, bytes, start, end);
  }
}

export class SoftCrypto implements Crypto {
  sha256(data: Uint8Array, length: number, out: Uint8Array): void {
    sha256Parts([data], [length], out);
  }

  hmacSha256(key: Uint8Array, data: Uint8Array, length: number, out: Uint8Array): void {
    hmacSha256Parts(key, data, length, out);
  }
}

export class MemorySettings implements Settings {
  readonly #values = new Map<string, string>();
  static readonly KEY_CHARS_MAX = 15;
  static readonly VALUE_CHARS_MAX = 4000;

  get(key: string): string | undefined {
    return this.#values.get(key);
  }

  set(key: string, value: string): boolean {
    if (key.length === 0 || key.length > MemorySettings.KEY_CHARS_MAX || value.length > MemorySettings.VALUE_CHARS_MAX)
      return false;
    this.#values.set(key, value);
    return true;
  }
}

export class SimSystem implements SystemInfo {
  restarts = 0;
  /** What the machine around the board does on a restart (tools/bench/machine.ts restarts the controller). */
  onRestart: (() => void) | undefined = undefined;
  /** The simulated board knows no heap; a desk on Node may report its process's. */
  heapUsedBytes: () => number = () => Number.NaN;

  restart(): void {
    this.restarts++;
    this.onRestart?.();
  }
}

/** The ATM id a simulated board is provisioned with unless a test gives another (or none). */
export const SIM_BOARD_ATM_ID = 'ATM-SIM-0001';
/**
 * TEST BOARDS ONLY: the card-token key of a simulated board provisioned by default. Public — it
 * spells "simulated-board-card-token-key-1" in ASCII. A real machine's key is its own, made by
 * the bank when it provisions that machine (tools/bank: provisionAtm).
 */
export const SIM_BOARD_CARD_TOKEN_KEY_HEX = '73696d756c617465642d626f6172642d636172642d746f6b656e2d6b65792d31';
export const SIM_BOARD_PROVISIONING: SimProvisioningSpec = Object.freeze({
  atmId: SIM_BOARD_ATM_ID,
  cardTokenKeyHex: SIM_BOARD_CARD_TOKEN_KEY_HEX,
});

export interface SimProvisioningSpec {
  /** Omitted: the board has no ATM id (an unprovisioned board). */
  readonly atmId?: string;
  /** Omitted: no card-token key (card sign-in off). Any length of hex, so a test can give a malformed key. */
  readonly cardTokenKeyHex?: string;
}

/** The simulated factory's provisioning; a test may change it between boots (a board re-provisioned). */
export class SimProvisioning implements Provisioning {
  atmIdValue: string | undefined;
  cardTokenKeyHex: string | undefined;

  constructor(spec: SimProvisioningSpec) {
    this.atmIdValue = spec.atmId;
    this.cardTokenKeyHex = spec.cardTokenKeyHex;
  }

  atmId(): string | undefined {
    return this.atmIdValue;
  }

  cardTokenKey(): Uint8Array | undefined {
    return this.cardTokenKeyHex === undefined ? undefined : bytesOfHex(this.cardTokenKeyHex);
  }
}

/** A bank link with no bank behind it: every request fails to connect, on the world's next step. */
export class UnreachableBank implements HttpsClient, SimActor {
  readonly requestBodyBytesMax = BOARD_REQUEST_BODY_BYTES_MAX;
  readonly #pending: ((result: HttpsResult) => void)[] = [];

  request(_request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean {
    if (this.#pending.length > 0) return false;
    this.#pending.push(onDone);
    return true;
  }

  nextEventMs(): number {
    return this.#pending.length > 0 ? 0 : Infinity;
  }

  step(): void {
    const onDone = this.#pending.shift();
    if (onDone !== undefined) onDone({ ok: false, failure: 'connect', detail: 'no bank on this board' });
  }
}
