// Where `npm start` says which pty carries the bench's console, for `npm run console`.
import fs from 'node:fs';
import path from 'node:path';

export const BENCH_CONSOLE_PATH_FILE = path.resolve(__dirname, '../../data/bench/console.path');

export function writeBenchConsolePath(ttyPath: string, file = BENCH_CONSOLE_PATH_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${ttyPath}\n`);
}

/** Removes the file if it still names `ttyPath` (another bench may have started since). */
export function removeBenchConsolePath(ttyPath: string, file = BENCH_CONSOLE_PATH_FILE): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === ttyPath) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

export function readBenchConsolePath(file = BENCH_CONSOLE_PATH_FILE): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return text.length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}
