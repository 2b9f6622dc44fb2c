#!/usr/bin/env node
// `npm run build:board`: the ESP32 image up to the link, with the Moddable SDK's own tools.
//
// mcconfig -d -p esp32 on the project's manifest.json, then the makefile it writes, as far as
// it goes without ESP-IDF's Xtensa toolchain (not on this machine): every module compiled (tsc
// 6 for TypeScript, then xsc), the XS image linked and preloaded by xsl (mc.xs.c), the
// certificates packed as resources (mcrez). The C compile and the flash image need ESP-IDF.
//
// It fails on any TypeScript error, any module mcconfig or xsl cannot find, and any src/ module
// that is not preloaded (a firmware module loaded at run time would take RAM the 4 928-slot
// heap does not have). It prints xsl's figures and the preloaded count.
//
// Certificates: $ATM_PROVISION if set (a real machine's, docs/board.md), else a throwaway test
// provisioning made here with openssl — RSA keys, as the SDK's TLS needs for the client key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { make, makefileVariable, mcconfig } from './mcbuild.mjs';
import { buildRoot, cacheRoot, projectRoot } from './sdk.mjs';

const ATM_ID = 'KZ-ALA-0001';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A test provisioning: bank server CA, device CA, the device's RSA key and certificate, in DER. */
export function makeTestProvisioning(directory, atmId) {
  if (existsSync(path.join(directory, 'device-key.der'))) return directory;
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  for (const ca of ['server-ca', 'device-ca']) {
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '3650',
        '-subj',
        `/CN=test ${ca}`,
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.pem`,
      ],
      directory,
    );
  }
  openssl(['genrsa', '-out', 'device-key.pem', '2048'], directory);
  openssl(['req', '-new', '-key', 'device-key.pem', '-subj', `/CN=${atmId}`, '-out', 'device.csr'], directory);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'device.csr',
      '-CA',
      'device-ca.pem',
      '-CAkey',
      'device-ca.key',
      '-CAcreateserial',
      '-days',
      '730',
      '-sha256',
      '-out',
      'device-cert.pem',
    ],
    directory,
  );
  openssl(['x509', '-in', 'server-ca.pem', '-outform', 'der', '-out', 'bank-server-ca.der'], directory);
  openssl(['x509', '-in', 'device-cert.pem', '-outform', 'der', '-out', 'device-cert.der'], directory);
  openssl(
    ['pkcs8', '-topk8', '-nocrypt', '-in', 'device-key.pem', '-outform', 'der', '-out', 'device-key.der'],
    directory,
  );
  return directory;
}

/** The firmware modules that must be preloaded: hal/ports and every src/ module, by module name. */
export function firmwareModuleNames() {
  const names = ['hal/ports'];
  const walk = (relative) => {
    for (const entry of readdirSync(path.join(projectRoot, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) names.push(child.slice(0, -3));
    }
  };
  walk('src');
  return names.sort();
}

/** Module names xsl is told to preload (the makefile's PRELOADS: -p name.xsb ...). */
export function preloadedModules(makefile) {
  const preloads = makefileVariable(makefile, 'PRELOADS') ?? '';
  return new Set([...preloads.matchAll(/-p\s+(\S+)\.xsb/g)].map((match) => match[1]));
}

async function main() {
  const started = Date.now();
  const provision =
    process.env.ATM_PROVISION ?? makeTestProvisioning(path.join(cacheRoot(), 'provision-test', ATM_ID), ATM_ID);
  const outputDir = path.join(buildRoot(), 'board-esp32');
  console.log(`build:board: mcconfig -d -p esp32 manifest.json (ATM_PROVISION=${provision}; output ${outputDir})`);
  const { makefile, tmpDir } = mcconfig({
    manifest: path.join(projectRoot, 'manifest.json'),
    platform: 'esp32',
    outputDir,
    debug: true,
    config: { atmId: process.env.ATM_ID ?? ATM_ID },
    env: { ATM_PROVISION: provision },
  });
  const expected = firmwareModuleNames();
  const preloaded = preloadedModules(makefile);
  const notPreloaded = expected.filter((name) => !preloaded.has(name));
  // The makefile's own xsl and mcrez steps; SDKCONFIG_H is ESP-IDF's and is not needed to get
  // there. xsl runs every time (its figures are the report); compiled modules are reused.
  rmSync(path.join(tmpDir, 'mc.xs.c'), { force: true });
  const result = await make({
    makefile,
    env: { ATM_PROVISION: provision },
    variables: { SDKCONFIG_H: '' },
    targets: [path.join(tmpDir, 'mc.xs.c'), path.join(tmpDir, 'mc.resources.c')],
  });
  const typeErrors = result.output.split('\n').filter((line) => /error TS\d+/.test(line));
  const figures = result.output.split('\n').filter((line) => /^### \d+ instances/.test(line));
  const failures = [];
  if (result.status !== 0) failures.push(`make stopped (exit ${result.status})`);
  if (typeErrors.length > 0) failures.push(`${typeErrors.length} TypeScript errors`);
  if (notPreloaded.length > 0) failures.push(`not preloaded: ${notPreloaded.join(', ')}`);
  if (figures.length === 0) failures.push('xsl did not link (no "### N instances" line)');
  for (const line of typeErrors) console.log(line.replace(/^(\.\.\/)+/, '/'));
  if (result.status !== 0 && typeErrors.length === 0) {
    for (const line of result.output
      .split('\n')
      .filter((text) => /error|Error|###/.test(text) && !/warning/.test(text)))
      console.log(line);
  }
  const warnings = result.output
    .split('\n')
    .filter((line) => /warning/.test(line) && !/not frozen|no const/.test(line));
  for (const line of warnings) console.log(line);
  console.log(
    `build:board: ${preloaded.size} modules preloaded, of them ${expected.length - notPreloaded.length} of the ${expected.length} firmware modules (hal/ports and src/)`,
  );
  for (const line of figures) console.log(`build:board: xsl ${line.replace(/^### /, '')}`);
  console.log(
    `build:board: ${failures.length === 0 ? 'ok' : `FAILED: ${failures.join('; ')}`} in ${((Date.now() - started) / 1000).toFixed(0)} s; stops before the C compile (no ESP-IDF / Xtensa toolchain here)`,
  );
  process.exit(failures.length === 0 ? 0 : 1);
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  main().catch((error) => {
    console.error(`build:board: ${error.message}`);
    process.exit(1);
  });
}
