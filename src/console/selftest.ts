// The console's own checks: the parts every build has (crypto, random, settings, clocks,
// configuration, console secrets). The devices add theirs through the machine view.
import { CONSOLE_SETTINGS_KEYS, ROLES } from './auth';
import type { CommandContext } from './commands';
import type { SelftestItem } from './machine-view';
import { asciiBytes, hexOf } from '../bytes';

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
const HMAC_KEY = 'Jefe';
const HMAC_DATA = 'what do ya want for nothing?';
const HMAC_EXPECTED_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
const RANDOM_SAMPLE_BYTES = 32;
const SETTINGS_PROBE_KEY = 'con.probe';

function cryptoCheck(context: CommandContext): SelftestItem {
  const out = new Uint8Array(32);
  const data = asciiBytes(HMAC_DATA);
  context.board.crypto.hmacSha256(asciiBytes(HMAC_KEY), data, data.length, out);
  const ok = hexOf(out) === HMAC_EXPECTED_HEX;
  return {
    name: 'crypto',
    ok,
    detail: ok ? 'HMAC-SHA-256 matches RFC 4231 case 2' : 'HMAC-SHA-256 gives a wrong answer',
  };
}

function randomCheck(context: CommandContext): SelftestItem {
  const first = new Uint8Array(RANDOM_SAMPLE_BYTES);
  const second = new Uint8Array(RANDOM_SAMPLE_BYTES);
  context.board.random.fill(first);
  context.board.random.fill(second);
  // A stuck source repeats itself or gives one value: both would make login nonces guessable.
  const repeated = hexOf(first) === hexOf(second);
  const distinct = new Set(first).size;
  const ok = !repeated && distinct > RANDOM_SAMPLE_BYTES / 4;
  return {
    name: 'random',
    ok,
    detail: ok ? `${distinct} distinct of ${RANDOM_SAMPLE_BYTES} bytes` : 'the random source looks stuck',
  };
}

function settingsCheck(context: CommandContext): SelftestItem {
  const value = String(context.nowMs % 1000);
  const ok =
    context.board.settings.set(SETTINGS_PROBE_KEY, value) && context.board.settings.get(SETTINGS_PROBE_KEY) === value;
  return { name: 'settings', ok, detail: ok ? 'write and read-back' : 'a written value did not read back' };
}

function clockCheck(context: CommandContext): SelftestItem {
  const wallMs = context.board.clock.wallMs();
  // TLS checks certificate dates against the wall clock: without it the bank link cannot start.
  const ok = Number.isFinite(context.board.clock.monotonicMs()) && Number.isFinite(wallMs);
  return {
    name: 'clock',
    ok,
    detail: Number.isFinite(wallMs) ? 'monotonic and wall clock running' : 'wall clock not set (TLS will fail)',
  };
}

function identityCheck(context: CommandContext): SelftestItem {
  const identity = context.identity;
  if (identity.atmId !== undefined)
    return { name: 'identity', ok: true, detail: `ATM id ${identity.atmId} (provisioned)` };
  return {
    name: 'identity',
    ok: false,
    detail: `${identity.atmIdProblem}: out of service, nothing is sent to the bank`,
  };
}

function cardKeyCheck(context: CommandContext): SelftestItem {
  const problem = context.identity.cardTokenKeyProblem;
  return {
    name: 'card-key',
    ok: problem === '',
    detail: problem === '' ? "this machine's own card-token key is provisioned" : problem,
  };
}

export function consoleSelftest(context: CommandContext): SelftestItem[] {
  const problems = context.config.loadProblems;
  const missing = ROLES.filter((role) => !context.auth.isProvisioned(role));
  return [
    cryptoCheck(context),
    randomCheck(context),
    settingsCheck(context),
    clockCheck(context),
    {
      name: 'config',
      ok: problems.length === 0,
      detail: problems.length === 0 ? 'stored values valid' : problems.join('; '),
    },
    {
      name: 'secrets',
      ok: missing.length === 0,
      detail:
        missing.length === 0
          ? `${ROLES.join(' and ')} provisioned (${CONSOLE_SETTINGS_KEYS.engineer}, ${CONSOLE_SETTINGS_KEYS.collector})`
          : `not provisioned: ${missing.join(', ')}`,
    },
    identityCheck(context),
    cardKeyCheck(context),
  ];
}
