// The small ports: Random, Crypto, Settings, SystemInfo, Provisioning.
import { Digest } from 'crypt';
import Instrumentation from 'instrumentation';
import Preference from 'preference';
import { fillRandom, restart } from 'atm/native';
import type { Crypto, Provisioning, Random, Settings, SystemInfo } from '../ports';
import { boardConfig } from './config';
import { DigestCrypto } from './digest-crypto';

/** Random bytes from the ESP32's hardware RNG (esp_fill_random, via hal/moddable/native). */
export class HardwareRandom implements Random {
  fill(into: Uint8Array): void {
    fillRandom(into);
  }
}

/** Moddable's native SHA-256 behind the Crypto port (HMAC built on it: digest-crypto.ts). */
export function makeNativeCrypto(): Crypto {
  return new DigestCrypto(() => new Digest('SHA256'));
}

/** ESP32 NVS limits (documentation/files/files.md, Preference): keys 15 characters, values 4000 bytes. */
export const SETTINGS_DOMAIN = 'atm';
export const SETTINGS_KEY_CHARS_MAX = 15;
export const SETTINGS_VALUE_BYTES_MAX = 4000;

export class PreferenceSettings implements Settings {
  get(key: string): string | undefined {
    this.#checkKey(key);
    const value = Preference.get(SETTINGS_DOMAIN, key);
    return typeof value === 'string' ? value : undefined;
  }

  set(key: string, value: string): boolean {
    this.#checkKey(key);
    if (
      value.length * 3 > SETTINGS_VALUE_BYTES_MAX &&
      ArrayBuffer.fromString(value).byteLength > SETTINGS_VALUE_BYTES_MAX
    )
      return false;
    try {
      Preference.set(SETTINGS_DOMAIN, key, value);
      return true;
    } catch {
      return false; // NVS full or flash error: the caller keeps its old value
    }
  }

  /** A key over NVS's limit is a firmware bug (keys are constants), not a runtime condition. */
  #checkKey(key: string): void {
    if (key.length === 0 || key.length > SETTINGS_KEY_CHARS_MAX)
      throw new Error(`settings key '${key}' must be 1..${SETTINGS_KEY_CHARS_MAX} characters`);
  }
}

/**
 * Instrumentation items are numbered differently on each platform (the ESP32 has CPU load items
 * the simulator lacks), so they are looked up by name once (Instrumentation.map, the SDK's
 * typings/instrumentation.d.ts), never by a hard-coded index. A build without instrumentation
 * answers undefined, which the port reports as NaN ("cannot tell").
 */
export const INSTRUMENT_SLOT_HEAP = 'XS Slot Heap Used';
export const INSTRUMENT_CHUNK_HEAP = 'XS Chunk Heap Used';

export class ModdableSystem implements SystemInfo {
  readonly #slotHeapItem = Instrumentation.map(INSTRUMENT_SLOT_HEAP);
  readonly #chunkHeapItem = Instrumentation.map(INSTRUMENT_CHUNK_HEAP);

  restart(): void {
    restart();
  }

  heapUsedBytes(): number {
    if (this.#slotHeapItem === undefined || this.#chunkHeapItem === undefined) return Number.NaN;
    const usedBytes =
      (Instrumentation.get(this.#slotHeapItem) ?? Number.NaN) +
      (Instrumentation.get(this.#chunkHeapItem) ?? Number.NaN);
    return Number.isFinite(usedBytes) && usedBytes > 0 ? usedBytes : Number.NaN;
  }
}

/** The factory's NVS namespace: written once per machine at provisioning, never by the firmware (Settings uses 'atm'). */
export const FACTORY_DOMAIN = 'factory';
/** The machine's own card-token key there: a 32-byte blob the bank made for this machine. */
export const FACTORY_CARD_TOKEN_KEY = 'cardtokenkey';

/**
 * The machine's identity from its per-machine build: `mcconfig ... atmId=KZ-ALA-0001` with the
 * device certificate issued for that CN in $ATM_PROVISION (docs/board.md). The bank worker's
 * x-atm-id header reads the same config.atmId: header, body and certificate name one machine.
 * Its card-token key is the blob the factory wrote into NVS namespace 'factory' (an NVS image
 * made per machine with ESP-IDF's nvs_partition_gen; encrypted NVS on production boards, like
 * the device key under flash encryption). The firmware only reads it; it is never in Settings.
 */
export class BuildProvisioning implements Provisioning {
  atmId(): string | undefined {
    const atmId: unknown = boardConfig.atmId;
    return typeof atmId === 'string' && atmId.length > 0 ? atmId : undefined;
  }

  cardTokenKey(): Uint8Array | undefined {
    let value: unknown;
    try {
      value = Preference.get(FACTORY_DOMAIN, FACTORY_CARD_TOKEN_KEY);
    } catch {
      return undefined; // no factory namespace on this board: not provisioned
    }
    return value instanceof ArrayBuffer ? new Uint8Array(value.slice(0)) : undefined;
  }
}
