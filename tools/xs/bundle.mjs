// Bundles TypeScript for the XS engine: one IIFE, node:assert swapped for the XS shim.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function bundleForXs(entryContents, resolveDir = root) {
  const result = await build({
    stdin: { contents: entryContents, resolveDir, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'neutral',
    alias: {
      'node:assert/strict': path.join(root, 'test/xs/assert-shim.ts'),
      // The board's native modules, for the budget's estimate of the board's own JavaScript around them.
      crc: path.join(root, 'tools/budget/board-natives.ts'),
      'atm/native': path.join(root, 'tools/budget/board-natives.ts'),
    },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
