// The machine the end-to-end tests drive: the real one (tools/bench/machine.ts) — the unchanged
// firmware, the validator simulator on a real pty, the reference bank over real HTTPS with its
// own SQLite books — each in a fresh data folder, so every test starts from the demo customers.
// `E2E_MACHINE=fake` drives the page's fake instead (tools/bench/fake-machine.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFakeMachine } from '../../tools/bench/fake-machine';
import { startBenchMachine } from '../../tools/bench/machine';
import type { BenchMachine } from '../../tools/bench/machine-api';

export const MACHINE_KIND: 'fake' | 'real' = process.env.E2E_MACHINE === 'fake' ? 'fake' : 'real';

export async function makeMachine(): Promise<BenchMachine> {
  if (MACHINE_KIND === 'fake') return makeFakeMachine();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atm-e2e-'));
  const bench = await startBenchMachine({ dataDir });
  const machine = bench.machine;
  return {
    snapshot: () => machine.snapshot(),
    act: (action) => machine.act(action),
    onChange: (listener) => machine.onChange(listener),
    consoleText: () => machine.consoleText(),
    close: async () => {
      await machine.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
