// Where the Moddable SDK lives for this project, and the environment its tools need.
//
// One place answers "which SDK, built where": `npm run moddable:setup` (setup.mjs) fills the
// cache, every other board script (build-board, typecheck, the Linux runtime) reads it from here.
// The SDK is the pinned 8.2.3 release (docs/board.md); its host tools are built once into a
// cache outside the work tree, so a second setup or any build takes seconds, not minutes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Moddable-OpenSource/moddable at the 8.2.3 release (the vendored archive's SDK-COMMIT). */
export const SDK_VERSION = '8.2.3';
export const SDK_COMMIT = '48ee02d8cfe0dccb51ee2465cf6716b3468684a4';
export const SDK_REPOSITORY = 'https://github.com/Moddable-OpenSource/moddable.git';
/** The archive a machine without network access uses (../shared/vendor beside the checkout). */
export const VENDORED_ARCHIVE = path.resolve(projectRoot, '../shared/vendor/moddable-sdk-8.2.3.tar.xz');
/** ESP-IDF release the 8.2.3 SDK expects for ESP32 (build/devices/esp32/manifest.json EXPECTED_ESP_IDF). */
export const ESP_IDF_VERSION = 'v6.0';

export function cacheRoot() {
  const base =
    process.env.ATM_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kaspi-red-atm');
  return path.resolve(base);
}

/**
 * Where this checkout's builds go: one folder per checkout, because make decides what to rebuild
 * by file times, and a module another checkout compiled later would look up to date here.
 */
export function buildRoot() {
  const checkout = createHash('sha256').update(projectRoot).digest('hex').slice(0, 10);
  return path.join(cacheRoot(), 'build', `${path.basename(projectRoot)}-${checkout}`);
}

/** The SDK tree: $MODDABLE when the user has one, else the cache's own copy of the pinned commit. */
export function sdkRoot() {
  if (process.env.MODDABLE) return path.resolve(process.env.MODDABLE);
  return path.join(cacheRoot(), `moddable-${SDK_COMMIT.slice(0, 12)}`, 'moddable');
}

export function hostToolsDir(sdk = sdkRoot()) {
  return path.join(sdk, 'build', 'bin', 'lin', 'release');
}

/**
 * TypeScript 6 for mcconfig (it writes target es2025), installed into the cache by setup: the
 * project pins 5.9 for ts-node, and two packages in one node_modules would fight over `tsc`.
 */
export const TYPESCRIPT_FOR_MCCONFIG = '6.0.3';

export function typescript6BinDir() {
  return path.join(cacheRoot(), `typescript-${TYPESCRIPT_FOR_MCCONFIG}`, 'node_modules', '.bin');
}

export const HOST_TOOLS = Object.freeze(['xsc', 'xsid', 'xsl', 'mcconfig', 'mcrez']);

export function hostToolsBuilt(sdk = sdkRoot()) {
  return HOST_TOOLS.every((tool) => existsSync(path.join(hostToolsDir(sdk), tool)));
}

/** Set up by `npm run moddable:setup`: host tools built and the Linux runtime's timer in place. */
export function sdkReady(sdk = sdkRoot()) {
  return hostToolsBuilt(sdk) && existsSync(path.join(sdk, 'modules/base/timer/lin/timer.c.sdk'));
}

/** The commit an SDK tree says it is (SDK-COMMIT in the archive, or git). */
export function sdkCommitOf(sdk) {
  const file = path.join(sdk, 'SDK-COMMIT');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return undefined;
}

/**
 * The environment mcconfig and its makefiles need. `IDF_PATH` only has to answer `git describe`
 * while mcconfig writes an esp32 makefile (no C is compiled here), so a stub repository in the
 * cache stands in when no ESP-IDF is installed.
 */
export function toolEnv(extra = {}) {
  const sdk = sdkRoot();
  if (!hostToolsBuilt(sdk)) {
    throw new Error(`the Moddable SDK's host tools are not built in ${sdk}: run \`npm run moddable:setup\` first`);
  }
  return {
    ...process.env,
    MODDABLE: sdk,
    XS_DIR: path.join(sdk, 'xs'),
    BUILD_DIR: path.join(sdk, 'build'),
    PATH: [hostToolsDir(sdk), typescript6BinDir(), process.env.PATH].join(path.delimiter),
    ...extra,
  };
}

export function idfStubDir() {
  return path.join(cacheRoot(), 'esp-idf-stub');
}
