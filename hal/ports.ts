// The ports: one small interface per peripheral, shaped after ECMA-419 (embedded:io).
// The firmware under src/ sees the machine only through these. Each has a simulated
// implementation (hal/sim), a Node one where a desk has the part (hal/node), and a
// Moddable one for the controller board (hal/moddable). Configuration (baud rate, bank
// host, certificates) is given to an implementation's constructor, never through a port.

/** Time. Both readings are whole or fractional milliseconds. */
export interface Clock {
  /** Milliseconds since boot; never goes backwards. */
  monotonicMs(): number;
  /** Milliseconds since 1970-01-01T00:00Z (UTC), or NaN while the wall clock is not set. */
  wallMs(): number;
}

/** The one periodic callback that drives the cooperative loop (Moddable: Timer.repeat). */
export interface Ticker {
  start(periodMs: number, onTick: () => void): void;
  stop(): void;
}

/** A serial line, 8N1, polled like ECMA-419 embedded:io/serial with a caller's buffer. */
export interface SerialLine {
  /** Moves up to `into.length` received bytes into `into` from index 0; returns the count, 0 when none waits. Never blocks. */
  read(into: Uint8Array): number;
  /** Queues the first `length` bytes of `bytes`, all or none (ECMA-419: no partial writes). False when there is no room. */
  write(bytes: Uint8Array, length: number): boolean;
}

export interface FlashGeometry {
  readonly sizeBytes: number;
  /** The erase unit: erasing sets every byte of a sector to 0xFF. */
  readonly sectorSizeBytes: number;
  /** A program may not cross a page boundary. */
  readonly pageSizeBytes: number;
}

export type FlashStatus = 'ok' | 'bounds' | 'alignment' | 'io';

/**
 * Raw NOR flash (a partition). Programming only clears bits (1 -> 0). A power cut during a
 * program leaves the bytes being written undefined; during an erase, the sector undefined.
 */
export interface NorFlash {
  readonly geometry: FlashGeometry;
  read(offsetBytes: number, into: Uint8Array, length: number): FlashStatus;
  program(offsetBytes: number, from: Uint8Array, length: number): FlashStatus;
  eraseSector(sectorIndex: number): FlashStatus;
}

export type HttpsMethod = 'GET' | 'POST';

export interface HttpsRequest {
  readonly method: HttpsMethod;
  /** Path and query on the bank host the client was built for, e.g. "/v1/deposits". */
  readonly path: string;
  /** JSON text, or undefined for no body. */
  readonly body: string | undefined;
  readonly timeoutMs: number;
}

export type HttpsFailure = 'timeout' | 'connect' | 'tls' | 'io' | 'too-large' | 'busy';

export type HttpsResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly failure: HttpsFailure; readonly detail: string };

/** HTTPS to the one bank host, CA pinned and device certificate given at construction. */
export interface HttpsClient {
  /**
   * The longest request body this link sends, in bytes (UTF-8); a longer one fails with
   * 'too-large' and is never sent. The board's bank worker takes 4 096 (hal/moddable); a
   * caller that must send a lot (the outbox) sizes its requests to this.
   */
  readonly requestBodyBytesMax: number;
  /** Starts a request; `onDone` is called exactly once, on a later turn. False (and no call) if one is already in flight. */
  request(request: HttpsRequest, onDone: (result: HttpsResult) => void): boolean;
}

export type Language = 'kk' | 'ru' | 'en';

/** A semantic screen: what is shown, not how it is drawn. */
export interface Screen {
  /** Stable identifier of the screen, e.g. "attract", "insert-notes". */
  readonly id: string;
  readonly language: Language;
  readonly title: string;
  readonly lines: readonly string[];
  /** Machine-readable values behind the text (amounts in tiyn, masked IIN, ...). */
  readonly fields: Readonly<Record<string, string | number>>;
  /** A payload to draw as a QR code, if any. */
  readonly qr: string | undefined;
}

export interface Display {
  show(screen: Screen): void;
}

export type Key =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | 'enter'
  | 'cancel'
  | 'clear'
  | 'F1'
  | 'F2'
  | 'F3'
  | 'F4';

export interface Keypad {
  /** The next key pressed since the last call, or undefined. */
  read(): Key | undefined;
}

export type PalmHealth = 'ready' | 'fault' | 'absent';

export type PalmReading =
  | { readonly kind: 'template'; readonly template: string }
  | { readonly kind: 'poor-image' }
  | { readonly kind: 'fault'; readonly detail: string };

/** The Kaspi Alaqan palm-vein camera. Templates are opaque (encrypted for the bank). */
export interface PalmScanner {
  health(): PalmHealth;
  /** Starts a capture; false when the camera is not ready. */
  start(): boolean;
  /** The result of the capture in progress, once there is one. */
  read(): PalmReading | undefined;
  stop(): void;
}

export interface Watchdog {
  enable(timeoutMs: number): void;
  feed(): void;
}

export interface Random {
  /** Fills `into` with random bytes (a hardware RNG on the board). */
  fill(into: Uint8Array): void;
}

/** Digests. A card number passes through here: an implementation keeps no copy of `data` or `key` once it returns. */
export interface Crypto {
  /** SHA-256 of data[0..length) into out[0..32). */
  sha256(data: Uint8Array, length: number, out: Uint8Array): void;
  /** HMAC-SHA-256 of data[0..length) under key into out[0..32). */
  hmacSha256(key: Uint8Array, data: Uint8Array, length: number, out: Uint8Array): void;
}

/**
 * The two CRCs the firmware computes on every CCNET frame and every ledger record: native on
 * the board (hal/moddable/crc.ts: the SDK's CRC16 and ESP-IDF's ROM CRC-32), the firmware's own
 * TypeScript on the desk and in the simulation (src/crc.ts). Both answer alike on any bytes.
 */
export interface Crc {
  /** CRC-16/KERMIT (CCNET: poly 0x1021 reflected, init 0, no final XOR) of bytes[start..end). */
  crc16Kermit(bytes: Uint8Array, start: number, end: number): number;
  /**
   * CRC-32/ISO-HDLC (zlib's) of bytes[start..end), continuing from `crc`: 0 to begin, else the
   * result over the bytes before (zlib's crc32(), ESP-IDF's esp_rom_crc32_le).
   */
  crc32(crc: number, bytes: Uint8Array, start: number, end: number): number;
}

/** Small durable settings (Moddable: preference / NVS; keys at most 15 characters). */
export interface Settings {
  get(key: string): string | undefined;
  set(key: string, value: string): boolean;
}

/**
 * What the factory provisioned into this one machine, read-only to the firmware: its identity at
 * the bank and its own secrets. Moddable: the per-machine build's config (the id its device
 * certificate was issued for) and the factory's NVS partition; the desk: what the bank issued
 * (the certificate's CN, the key); the simulator: what a test gives it.
 */
export interface Provisioning {
  /** The ATM id this machine's device certificate carries (the bank knows it by nothing else); undefined when none is provisioned. */
  atmId(): string | undefined;
  /** A copy of this machine's own card-token key (shared with the bank alone, no other machine has it); undefined when none is provisioned. */
  cardTokenKey(): Uint8Array | undefined;
}

export interface SystemInfo {
  restart(): void;
  /** Heap bytes in use, or NaN where the platform cannot tell. */
  heapUsedBytes(): number;
}

/** Everything the firmware is given. `startFirmware(board)` is the one entry point. */
export interface Board {
  readonly name: string;
  readonly clock: Clock;
  readonly ticker: Ticker;
  readonly validatorLine: SerialLine;
  readonly cardReaderLine: SerialLine;
  readonly consoleLine: SerialLine;
  readonly ledgerFlash: NorFlash;
  readonly bank: HttpsClient;
  readonly display: Display;
  readonly keypad: Keypad;
  readonly palm: PalmScanner;
  readonly watchdog: Watchdog;
  readonly random: Random;
  readonly crypto: Crypto;
  readonly crc: Crc;
  readonly settings: Settings;
  readonly system: SystemInfo;
  readonly provisioning: Provisioning;
}
