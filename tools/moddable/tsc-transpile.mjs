#!/usr/bin/env node
// A stand-in for `tsc -p <module>-tsconfig.json` in the Linux board's mcconfig builds:
// transpiles the one file the tsconfig names, to the file tsc would write, and nothing else.
//
// Why: mcconfig's makefile runs one `tsc -p` per TypeScript module, and each of those type-checks
// the module's whole import closure — about 70 full checks, four to five minutes on two cores,
// for a build whose types `npm run typecheck:moddable` has already checked in one pass with the
// same generated tsconfig. The ESP32 board build (npm run build:board) keeps mcconfig's real tsc;
// the Linux builds (hal/moddable/lin/manifest.json: typescript.compiler "$(ATM_TSC)") use this.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/typescript'));

function fail(message) {
  process.stderr.write(`tsc-transpile: ${message}\n`);
  process.exit(1);
}

const projectFlag = process.argv.indexOf('-p');
if (projectFlag < 0 || process.argv[projectFlag + 1] === undefined) fail('usage: tsc-transpile -p <tsconfig.json>');
const tsconfigPath = path.resolve(process.argv[projectFlag + 1]);
const tsconfig = JSON.parse(readFileSync(tsconfigPath, 'utf8'));
const { rootDir, outDir } = tsconfig.compilerOptions ?? {};
const [source] = tsconfig.files ?? [];
if (rootDir === undefined || outDir === undefined || source === undefined)
  fail(`${tsconfigPath}: expected rootDir, outDir and one file`);

const output = ts.transpileModule(readFileSync(source, 'utf8'), {
  fileName: source,
  reportDiagnostics: true,
  compilerOptions: {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: false,
    sourceMap: false,
  },
});
const errors = (output.diagnostics ?? []).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
for (const diagnostic of errors)
  process.stderr.write(`${source}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}\n`);
if (errors.length > 0) process.exit(1);
const target = path.join(outDir, path.relative(rootDir, source)).replace(/\.ts$/, '.js');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, output.outputText);
