// BENCH ONLY. The console secrets of the machine on the desk (npm start) and of the simulated
// boards in tests. They are public — they spell "bench-engineer-not-a-real-secret" and
// "bench-collector-not-real-secret!" in ASCII — and exist so that a fresh checkout can log in.
// A real board has its own random secrets, provisioned into its NVS at the factory; the
// firmware has no default and refuses a login for a role that has none.
import type { Settings } from '../../hal/ports';
import { CONSOLE_SETTINGS_KEYS, type Role } from '../../src/console/auth';
import { CARD_TOKEN_KEY_SETTING } from '../../src/card/driver';

export const BENCH_CONSOLE_SECRETS_HEX: Readonly<Record<Role, string>> = Object.freeze({
  engineer: '62656e63682d656e67696e6565722d6e6f742d612d7265616c2d736563726574',
  collector: '62656e63682d636f6c6c6563746f722d6e6f742d7265616c2d73656372657421',
});

/**
 * BENCH ONLY. The key the card reader turns a PAN into the bank's card token with; the bank
 * holds the same key. It spells "kaspi-red-atm-demo-token-key-v1!" in ASCII.
 */
export const BENCH_CARD_TOKEN_KEY_HEX = '6b617370692d7265642d61746d2d64656d6f2d746f6b656e2d6b65792d763121';

/** Writes the bench secrets into a bench or simulated board's settings, where none is provisioned yet. */
export function provisionBenchSecrets(settings: Settings): void {
  for (const role of ['engineer', 'collector'] as const) {
    if (settings.get(CONSOLE_SETTINGS_KEYS[role]) === undefined) settings.set(CONSOLE_SETTINGS_KEYS[role], BENCH_CONSOLE_SECRETS_HEX[role]);
  }
  if (settings.get(CARD_TOKEN_KEY_SETTING) === undefined) settings.set(CARD_TOKEN_KEY_SETTING, BENCH_CARD_TOKEN_KEY_HEX);
}
