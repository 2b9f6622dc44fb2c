// `npm run ccnet-soak -- [--notes 1000] [--seed 1] [--flip 0.003] [--drop 0.001]`: notes through
// a real pty line with corrupted and dropped bytes; exits 1 unless the session heard exactly
// what the simulated cassette holds. About 0.28 s a note (three 100 ms polls).
import { runCcnetOverPty } from './pty-run';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main(): Promise<void> {
  const notes = option('notes', 1000);
  const result = await runCcnetOverPty({
    notes,
    seed: option('seed', 1),
    flipPerByte: option('flip', 0.003),
    dropPerByte: option('drop', 0.001),
    timeLimitMs: notes * 2000 + 30_000,
    onProgress: (stacked) => console.log(`${stacked} notes stacked`),
  });
  const same =
    JSON.stringify(result.sessionStackedTenge) === JSON.stringify(result.cassetteTenge) &&
    JSON.stringify(result.sessionReturnedTenge) === JSON.stringify(result.returnedTenge) &&
    result.cassetteTenge.length + result.returnedTenge.length === notes &&
    result.halt === undefined;
  const stats = result.stats;
  console.log(
    `notes ${notes}: cassette ${result.cassetteTenge.length}, returned ${result.returnedTenge.length}, session heard ${result.sessionStackedTenge.length} stacked`,
  );
  console.log(
    `noise: ${result.flipped} bytes flipped, ${result.dropped} dropped; driver: ${stats.badAnswers} bad answers NAKed, ${stats.timeouts} timeouts, ${stats.repeatsIgnored} repeated reports ignored`,
  );
  console.log(
    `poll lateness on Node: mean ${(stats.pollDeviationSumMs / Math.max(1, stats.pollIntervals)).toFixed(2)} ms, worst ${stats.pollDeviationWorstMs.toFixed(2)} ms over ${stats.pollIntervals} polls`,
  );
  console.log(`elapsed ${(result.elapsedMs / 1000).toFixed(1)} s — ${same ? 'none lost, none doubled' : 'MISMATCH'}`);
  process.exit(same ? 0 : 1);
}

void main();
