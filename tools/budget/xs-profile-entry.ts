// Runs inside XS for `node tools/budget/profile.mjs`: the budget's machine (xs-machine-entry.ts)
// with a probe around every function of the firmware and the simulated ports (the bundle is
// compiled by profile-plugin.mjs). Each probe reads xsnap's meter on entry and exit; a
// function's self compute is its time less its callees' and less the probes' own cost
// (calibrated on two empty functions). Windows (idle ticks, a note) are cut by the parent.
import { calls, childCalls, overhead, self } from './profile-probes';
import { calibrationLeaf, calibrationParent } from './profile-calibration';
import './xs-machine-entry';

const CALIBRATION_CALLS = 1000;

function calibrate(): void {
  const before = snapshot();
  for (let index = 0; index < CALIBRATION_CALLS; index++) calibrationLeaf();
  for (let index = 0; index < CALIBRATION_CALLS; index++) calibrationParent();
  const after = snapshot();
  const names = (globalThis as unknown as { __profileNames: string[] }).__profileNames;
  const leaf = names.findIndex((name) => name.endsWith(':calibrationLeaf'));
  const parent = names.findIndex((name) => name.endsWith(':calibrationParent'));
  // The leaf ran 2 × CALIBRATION_CALLS times: alone, then under the parent.
  overhead.inside = (after.self[leaf] - before.self[leaf]) / (2 * CALIBRATION_CALLS);
  overhead.perChild = (after.self[parent] - before.self[parent]) / CALIBRATION_CALLS - overhead.inside;
}

function snapshot(): { self: number[]; calls: number[]; childCalls: number[] } {
  return { self: Array.from(self), calls: Array.from(calls), childCalls: Array.from(childCalls) };
}

(globalThis as Record<string, unknown>).profileBench = {
  calibrate(): void {
    calibrate();
  },
  /** Sends the counters so far to the parent: it subtracts two sends to get a window. */
  send(): void {
    const message = JSON.stringify({
      self: Array.from(self),
      calls: Array.from(calls),
      childCalls: Array.from(childCalls),
      overheadInside: overhead.inside,
      overheadPerChild: overhead.perChild,
    });
    const sendCommand = (globalThis as unknown as { issueCommand(buffer: ArrayBuffer): void }).issueCommand;
    sendCommand(new TextEncoder().encode(message).buffer as ArrayBuffer);
  },
};
