#!/usr/bin/env node
// `npm run typecheck:moddable`: the board's TypeScript against the Moddable SDK's own typings.
//
// mcconfig writes the tsconfig it compiles every module with (tsconfig-base.json: TypeScript 6
// settings, and `paths` from the SDK's examples/manifest_typings.json mapping each module
// specifier to its typings file, plus the project's own modules); this runs tsc once with it
// over the whole board program (the ESP32 and the Linux entries, the adapters, the firmware),
// strict, so an error shows in seconds instead of at the end of a build. No hand-written copy
// of the SDK's declarations is involved.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mcconfig } from './mcbuild.mjs';
import { buildRoot, projectRoot, toolEnv } from './sdk.mjs';

const BOARDS = [
  { platform: 'esp32', manifest: 'manifest.json', exclude: ['hal/moddable/lin/**'] },
  {
    platform: 'lin',
    manifest: 'hal/moddable/lin/manifest.json',
    exclude: ['hal/moddable/main.ts', 'hal/moddable/keypad.ts', 'hal/moddable/network.ts', 'hal/moddable/reconnect.ts'],
  },
];

function typecheck({ platform, manifest, exclude }) {
  const outputDir = path.join(buildRoot(), `typecheck-${platform}`);
  const { tmpDir } = mcconfig({
    manifest: path.join(projectRoot, manifest),
    platform,
    outputDir,
    env: { ATM_PROVISION: outputDir },
  });
  const tsconfig = path.join(tmpDir, 'modules', 'typecheck.json');
  writeFileSync(
    tsconfig,
    JSON.stringify(
      {
        extends: path.join(tmpDir, 'modules', 'tsconfig-base.json'),
        compilerOptions: { noEmit: true, strict: true, noImplicitOverride: true, noFallthroughCasesInSwitch: true },
        files: [],
        include: [
          path.join(projectRoot, 'hal/moddable/**/*.ts'),
          path.join(projectRoot, 'hal/ports.ts'),
          path.join(projectRoot, 'src/**/*.ts'),
        ],
        exclude: exclude.map((pattern) => path.join(projectRoot, pattern)),
      },
      null,
      2,
    ),
  );
  const result = spawnSync('tsc', ['-p', tsconfig], { env: toolEnv(), encoding: 'utf8' });
  const errors = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.replace(/^(\.\.\/)+/, '/'));
  for (const line of errors) console.log(line);
  const count = errors.filter((line) => /error TS\d+/.test(line)).length;
  console.log(`typecheck:moddable: ${platform}: ${count} errors against the SDK's typings (${manifest})`);
  return result.status === 0 && count === 0;
}

try {
  const results = BOARDS.map(typecheck);
  process.exit(results.every(Boolean) ? 0 : 1);
} catch (error) {
  console.error(`typecheck:moddable: ${error.message}`);
  process.exit(1);
}
