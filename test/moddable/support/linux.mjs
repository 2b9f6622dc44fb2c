// Moddable's Linux runtime for the project's tests: build an app with `mcconfig -p lin` (the
// SDK's own XS, modules and makefiles; mc.so) and run it headless with the host beside this file (host.c).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { make, mcconfig } from '../../../tools/moddable/mcbuild.mjs';
import { buildRoot, projectRoot, sdkRoot } from '../../../tools/moddable/sdk.mjs';

const HOST_SOURCE = path.join(projectRoot, 'test/moddable/support/host.c');
/** What the host's exit status means (host.c): a verdict, the board's restart, an XS abort, a timeout. */
export const EXIT_RESTART = 99;
export const EXIT_ABORT_BASE = 100;
export const EXIT_TIMEOUT = 124;

/** The headless host, compiled once into the cache (again when host.c changes). */
export function ensureHost() {
  const host = path.join(buildRoot(), 'lin-host', 'host');
  if (existsSync(host) && statSync(host).mtimeMs >= statSync(HOST_SOURCE).mtimeMs) return host;
  mkdirSync(path.dirname(host), { recursive: true });
  const gio = spawnSync('pkg-config', ['--cflags', '--libs', 'gio-2.0'], { encoding: 'utf8' });
  if (gio.status !== 0) throw new Error('pkg-config gio-2.0 failed: run `npm run moddable:setup`');
  const args = [
    '-O2',
    '-Wall',
    '-o',
    host,
    HOST_SOURCE,
    `-I${path.join(sdkRoot(), 'build/simulators/modules')}`,
    ...gio.stdout.trim().split(/\s+/),
    '-ldl',
  ];
  const result = spawnSync('gcc', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the headless host failed:\n${result.stderr}`);
  return host;
}

function findFile(directory, name) {
  if (!existsSync(directory)) return undefined;
  for (const entry of readdirSync(directory)) {
    const full = path.join(directory, entry);
    if (entry === name) return full;
    if (statSync(full).isDirectory()) {
      const found = findFile(full, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Builds a Linux app from `manifest` into `<cache>/build/linux` (one output folder for every
 * app, so the XS engine's C is compiled once); resolves with its mc.so, found under the app's
 * name (the manifest's folder). `config` becomes mcconfig key=value arguments; `env` reaches
 * mcconfig and make (ATM_PROVISION).
 */
export async function buildLinuxApp({ name, manifest, config = {}, env = {}, instrument = false, echo = false }) {
  const outputDir = path.join(buildRoot(), 'linux');
  const started = Date.now();
  const { makefile, output: configured } = mcconfig({
    manifest: path.resolve(projectRoot, manifest),
    platform: 'lin',
    outputDir,
    config,
    env,
    instrument,
  });
  const result = await make({ makefile, targets: ['build'], env, echo });
  const errors = `${configured}\n${result.output}`
    .split('\n')
    .filter((line) => /error|Error|###/.test(line) && !/warning|not frozen|no const/.test(line));
  if (result.status !== 0) throw new Error(`building ${name} failed (exit ${result.status}):\n${errors.join('\n')}`);
  const library = findFile(
    path.join(
      outputDir,
      'bin',
      'lin',
      'mc',
      instrument ? 'instrument' : 'release',
      path.basename(path.dirname(path.resolve(projectRoot, manifest))),
    ),
    'mc.so',
  );
  if (library === undefined) throw new Error(`building ${name} wrote no mc.so`);
  return {
    library,
    seconds: (Date.now() - started) / 1000,
    xsl: result.output.split('\n').filter((line) => /^### \d+ instances/.test(line)),
  };
}

/**
 * Runs a built app under the headless host, in `cwd` (where a Linux app's preferences file
 * lands: the manifests set config file.root to "./"). `onLine` hears each line it prints; resolves with
 * the exit status (host.c: 0.. a verdict, 99 the board restarting, 100+ an XS abort, 124 no verdict).
 */
export function runLinuxApp(library, { timeoutSeconds = 120, onLine = () => {}, env = {}, cwd = undefined } = {}) {
  const child = spawn(ensureHost(), [library, String(timeoutSeconds)], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const split = (stream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text) => {
      partial += text;
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        lines.push(line);
        onLine(line);
      }
    });
  };
  split(child.stdout);
  split(child.stderr);
  const exited = new Promise((resolve) =>
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 128 : -1), lines })),
  );
  return { child, exited, lines };
}
