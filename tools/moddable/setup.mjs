#!/usr/bin/env node
// `npm run moddable:setup`: the Moddable SDK in the build.
//
// Gets the SDK — $MODDABLE if set, else the vendored archive (../shared/vendor), else a clone of
// the pinned commit where there is network — and builds its host tools (xsc, xsid, xsl, mcconfig
// and friends; not xsbug or mcsim, which need GTK) once into a cache outside the work tree.
// A second run only checks and says so. TypeScript 6 for mcconfig is installed into the cache
// from the npm registry, beside the project's own 5.9 that ts-node needs.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cacheRoot,
  HOST_TOOLS,
  hostToolsDir,
  idfStubDir,
  projectRoot,
  SDK_COMMIT,
  SDK_REPOSITORY,
  hostToolsBuilt,
  sdkCommitOf,
  sdkRoot,
  SDK_VERSION,
  typescript6BinDir,
  TYPESCRIPT_FOR_MCCONFIG,
  VENDORED_ARCHIVE,
} from './sdk.mjs';

const JOBS = String(Math.max(1, Math.min(os.cpus().length, 4)));

function say(line) {
  process.stdout.write(`moddable:setup: ${line}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The runtime on Linux (lin_xs.c) and so every host tool links GLib's gio. */
function ensureGio() {
  if (spawnSync('pkg-config', ['--exists', 'gio-2.0']).status === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !have('apt-get')) {
    throw new Error(
      "the SDK's Linux tools need GLib (pkg-config gio-2.0): install Debian's libglib2.0-dev and pkg-config",
    );
  }
  say("installing libglib2.0-dev and pkg-config (Debian) for the SDK's Linux tools");
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'libglib2.0-dev', 'pkg-config'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function fetchSdk(sdk) {
  if (process.env.MODDABLE) {
    if (!existsSync(path.join(sdk, 'xs'))) throw new Error(`$MODDABLE=${sdk} is not a Moddable SDK tree`);
    say(`using $MODDABLE=${sdk}`);
    return;
  }
  if (existsSync(path.join(sdk, 'xs'))) return;
  const parent = path.dirname(sdk);
  rmSync(parent, { recursive: true, force: true });
  mkdirSync(parent, { recursive: true });
  if (existsSync(VENDORED_ARCHIVE)) {
    say(`unpacking ${VENDORED_ARCHIVE} into ${parent}`);
    run('tar', ['-xJf', VENDORED_ARCHIVE, '-C', parent]);
  } else {
    say(`no vendored archive; cloning ${SDK_REPOSITORY} at ${SDK_COMMIT}`);
    run('git', ['init', '-q', sdk]);
    run('git', ['-C', sdk, 'fetch', '-q', '--depth', '1', SDK_REPOSITORY, SDK_COMMIT]);
    run('git', ['-C', sdk, 'checkout', '-q', 'FETCH_HEAD']);
    writeFileSync(path.join(sdk, 'SDK-COMMIT'), `${SDK_COMMIT}\n`);
  }
}

function checkCommit(sdk) {
  const commit =
    sdkCommitOf(sdk) ??
    (() => {
      try {
        return execFileSync('git', ['-C', sdk, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        return undefined;
      }
    })();
  if (commit === SDK_COMMIT) return;
  say(
    `warning: ${sdk} is at ${commit ?? 'an unknown commit'}, the project is tested with ${SDK_VERSION} (${SDK_COMMIT})`,
  );
}

function buildHostTools(sdk) {
  const env = { ...process.env, MODDABLE: sdk, XS_DIR: path.join(sdk, 'xs'), BUILD_DIR: path.join(sdk, 'build') };
  const makefiles = path.join(sdk, 'build', 'makefiles', 'lin');
  const started = Date.now();
  for (const tool of ['xsc', 'xsid', 'xsl']) {
    say(`building ${tool}`);
    run('make', [`-j${JOBS}`, 'GOAL=release', '-f', path.join(sdk, 'xs', 'makefiles', 'lin', `${tool}.mk`)], {
      cwd: makefiles,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  say('building mcconfig, mcrez and the other host tools');
  run('make', [`-j${JOBS}`, 'GOAL=release', '-f', 'tools.mk'], {
    cwd: makefiles,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  say(`host tools built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** mcconfig -p esp32 asks `git describe` of $IDF_PATH while it writes the makefile; nothing more. */
function ensureIdfStub() {
  const stub = idfStubDir();
  if (existsSync(path.join(stub, '.git'))) return;
  mkdirSync(stub, { recursive: true });
  const git = (...args) =>
    run('git', ['-C', stub, '-c', 'user.name=atm', '-c', 'user.email=atm@localhost', ...args], { stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(
    path.join(stub, 'README'),
    'Stands in for ESP-IDF so mcconfig can write an esp32 makefile; no C is compiled with it.\n',
  );
  git('add', 'README');
  git('commit', '-q', '-m', 'ESP-IDF stand-in');
}

function ensureTypescript6() {
  if (existsSync(path.join(typescript6BinDir(), 'tsc'))) return;
  const prefix = path.dirname(path.dirname(typescript6BinDir()));
  say(`installing TypeScript ${TYPESCRIPT_FOR_MCCONFIG} for mcconfig into ${prefix}`);
  mkdirSync(prefix, { recursive: true });
  writeFileSync(path.join(prefix, 'package.json'), '{"private": true}\n');
  run(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--save-exact', `typescript@${TYPESCRIPT_FOR_MCCONFIG}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/**
 * The SDK's Linux timer fires a Worker's timers on the main thread (tools/moddable/lin-host/timer.c
 * says how that was found); the Linux runtime the tests use gets the project's own instead. The
 * ESP32 build does not use this file. The SDK's original stays beside it as timer.c.sdk.
 */
function installLinuxTimer(sdk) {
  const target = path.join(sdk, 'modules', 'base', 'timer', 'lin', 'timer.c');
  const ours = readFileSync(path.join(projectRoot, 'tools', 'moddable', 'lin-host', 'timer.c'));
  if (existsSync(target) && readFileSync(target).equals(ours)) return;
  if (!existsSync(`${target}.sdk`)) copyFileSync(target, `${target}.sdk`);
  writeFileSync(target, ours);
  say(
    `Linux runtime: ${target} replaced by tools/moddable/lin-host/timer.c (a Worker's timers fire on its own thread); the SDK's is kept as timer.c.sdk`,
  );
}

function main() {
  const sdk = sdkRoot();
  const started = Date.now();
  fetchSdk(sdk);
  checkCommit(sdk);
  ensureGio();
  if (hostToolsBuilt(sdk)) {
    say(`host tools already built in ${hostToolsDir(sdk)}`);
  } else {
    buildHostTools(sdk);
  }
  for (const tool of HOST_TOOLS)
    if (!existsSync(path.join(hostToolsDir(sdk), tool))) throw new Error(`${tool} was not built`);
  ensureIdfStub();
  ensureTypescript6();
  installLinuxTimer(sdk);
  say(`SDK ${SDK_VERSION} at ${sdk}`);
  say(`host tools in ${hostToolsDir(sdk)}; TypeScript 6 for mcconfig in ${typescript6BinDir()}; cache ${cacheRoot()}`);
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`moddable:setup: ${error.message}\n`);
  process.exit(1);
}
