// Running mcconfig and the makefile it writes, for the board scripts (build-board, the Linux board).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { idfStubDir, projectRoot, toolEnv } from './sdk.mjs';

/** What the Linux builds run for each TypeScript module (their manifest's typescript.compiler is $(ATM_TSC)). */
export const TRANSPILE_COMMAND = `${process.execPath} ${path.join(projectRoot, 'tools/moddable/tsc-transpile.mjs')}`;

export const MAKE_JOBS = Math.max(1, Math.min(os.cpus().length, 4));

/** The makefile mcconfig wrote under `outputDir` for `platform` (the app's name is its folder's). */
function findMakefile(outputDir, platform) {
  const tmp = path.join(outputDir, 'tmp', platform === 'lin' ? 'lin' : platform);
  const found = [];
  const walk = (directory, depth) => {
    if (depth > 4 || !existsSync(directory)) return;
    for (const entry of readdirSync(directory)) {
      const full = path.join(directory, entry);
      if (entry === 'makefile') found.push(full);
      else if (statSync(full).isDirectory() && entry !== 'modules') walk(full, depth + 1);
    }
  };
  walk(tmp, 0);
  found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (found.length === 0) throw new Error(`mcconfig wrote no makefile under ${tmp}`);
  return found[0];
}

/** A variable's value as the makefile sets it (`NAME = value`, continued over `\\` line ends). */
export function makefileVariable(makefile, name) {
  const text = readFileSync(makefile, 'utf8').replace(/\\\n/g, ' ');
  const match = new RegExp(`^${name}\\s*=\\s*(.*)$`, 'm').exec(text);
  return match?.[1].trim();
}

/**
 * mcconfig on a manifest: writes the makefile (and the generated tsconfig, mc.config.js, ...)
 * without making anything. `config` overrides the manifest's config as key=value arguments.
 */
export function mcconfig({ manifest, platform, outputDir, debug = false, instrument = false, config = {}, env = {} }) {
  mkdirSync(outputDir, { recursive: true });
  const args = [];
  if (debug) args.push('-d');
  if (instrument) args.push('-i');
  args.push('-p', platform, '-o', outputDir, manifest);
  for (const [key, value] of Object.entries(config)) args.push(`${key}=${value}`);
  const result = spawnSync('mcconfig', args, {
    cwd: path.dirname(manifest),
    env: toolEnv({ IDF_PATH: process.env.IDF_PATH ?? idfStubDir(), ...env }),
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || /### Error/.test(output)) throw new Error(`mcconfig ${args.join(' ')} failed:\n${output}`);
  const makefile = findMakefile(outputDir, platform);
  return { makefile, tmpDir: path.dirname(makefile), output };
}

/** make on an mcconfig makefile; resolves with its exit status and everything it printed. */
export function make({ makefile, targets = [], variables = {}, env = {}, echo = false }) {
  const args = [
    '-f',
    makefile,
    `-j${MAKE_JOBS}`,
    ...Object.entries(variables).map(([key, value]) => `${key}=${value}`),
    ...targets,
  ];
  return new Promise((resolve) => {
    const child = spawn('make', args, {
      cwd: path.dirname(makefile),
      env: toolEnv({
        IDF_PATH: process.env.IDF_PATH ?? idfStubDir(),
        MAKEFLAGS_JOBS: `--jobs=${MAKE_JOBS}`,
        ATM_TSC: TRANSPILE_COMMAND,
        ...env,
      }),
    });
    let output = '';
    const take = (chunk) => {
      output += chunk;
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (status) => resolve({ status, output }));
  });
}

export { projectRoot };
