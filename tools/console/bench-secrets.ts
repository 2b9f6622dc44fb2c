// BENCH ONLY. The console secrets of the machine on the desk (npm start) and of the simulated
// boards in tests. They are public — they spell "bench-engineer-not-a-real-secret" and
// "bench-collector-not-real-secret!" in ASCII — and exist so that a fresh checkout can log in.
// A real board has its own random secrets, provisioned into its NVS at the factory; the
// firmware has no default and refuses a login for a role that has none.
import type { Settings } from '../../hal/ports';
import { CONSOLE_SETTINGS_KEYS, type Role } from '../../src/console/auth';

export const BENCH_CONSOLE_SECRETS_HEX: Readonly<Record<Role, string>> = Object.freeze({
  engineer: '62656e63682d656e67696e6565722d6e6f742d612d7265616c2d736563726574',
  collector: '62656e63682d636f6c6c6563746f722d6e6f742d7265616c2d73656372657421',
});

/** Writes the bench secrets into a bench or simulated board's settings, where none is provisioned yet. */
export function provisionBenchSecrets(settings: Settings): void {
  for (const role of ['engineer', 'collector'] as const) {
    if (settings.get(CONSOLE_SETTINGS_KEYS[role]) === undefined)
      settings.set(CONSOLE_SETTINGS_KEYS[role], BENCH_CONSOLE_SECRETS_HEX[role]);
  }
}
