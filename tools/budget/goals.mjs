// The budget's goals that `npm run budget` enforces (issue 17): a figure above its goal fails
// the run (exit 1), so a regression shows in CI without timing anything. Compute is XS metering
// units, deterministic for the pinned xsnap. Other rows' goals are targets, shown, not enforced.
export const GOALS = Object.freeze({
  /** Loop compute per 5 ms tick at the attract screen, nobody there. */
  idleTickCompute: 1_000,
  /** A note's compute from the validator's ESCROW answer to note-stacked, above the machine waiting for it as long. */
  noteAboveWaitingCompute: 25_000,
  /** Mounting the board's full ledger partition (128 KiB), at every boot before the machine takes cash. */
  mountCompute: 2_000_000,
  /** Settings (NVS on the board) writes between a note's note-escrowed record and its STACK. */
  settingsWritesPerNote: 0,
});

/** 4928 → '4 928', as the project writes numbers. */
const group = (value) => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** Makes `row` enforce an upper bound: its goal reads "≤ limit" and the report checks it. */
export function atMost(row, limit) {
  return { ...row, goal: `≤ ${group(limit)}`, limit };
}

/** The rows whose value is above their enforced limit. */
export function goalsMissed(report) {
  return report.sections
    .flatMap((section) => section.rows)
    .filter((row) => row.limit !== undefined && !(Number(row.value) <= row.limit));
}

/** npm run budget's exit status: 1 when a section could not be measured or a figure misses its enforced goal. */
export function exitStatus(report) {
  return report.sections.some((section) => section.error !== undefined) || goalsMissed(report).length > 0 ? 1 : 0;
}
