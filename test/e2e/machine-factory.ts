// The machine the end-to-end tests drive: the real one (tools/bench/desk.ts), each in a fresh data
// folder, so every test starts from the demo customers. By default with npm start's parts — the
// unchanged firmware, the validator simulator on a real pty, the reference bank over real HTTPS
// with its own SQLite books, the ledger in a file; `E2E_PARTS=simulated` runs the same machine
// with the simulated cable, the NOR emulator and the bank in process (on the wall clock either way).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NPM_START_PARTS, SIMULATED_PARTS, startDesk, type RunningDesk } from '../../tools/bench/desk';
import type { BenchMachine } from '../../tools/bench/machine-api';

export const MACHINE_KIND: 'simulated' | 'npm start' =
  process.env.E2E_PARTS === 'simulated' ? 'simulated' : 'npm start';

/** The desk machine with the parts asked for, in a fresh data folder removed at close. */
export async function startFreshDesk(
  parts: typeof NPM_START_PARTS | typeof SIMULATED_PARTS,
): Promise<RunningDesk & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atm-e2e-'));
  const desk = await startDesk({ ...parts, dataDir });
  return {
    ...desk,
    dataDir,
    close: async () => {
      await desk.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function makeMachine(): Promise<BenchMachine> {
  const desk = await startFreshDesk(MACHINE_KIND === 'simulated' ? SIMULATED_PARTS : NPM_START_PARTS);
  const page = desk.page;
  return {
    snapshot: () => page.snapshot(),
    act: (action) => page.act(action),
    onChange: (listener) => page.onChange(listener),
    consoleText: () => page.consoleText(),
    close: () => desk.close(),
  };
}
