// The machine the end-to-end tests drive. Today: the fake (tools/bench/fake-machine.ts), which
// plays the page's paths without the firmware. TODO(coordinator): once tools/bench/machine.ts
// exists, return it here — the one line to switch — and set MACHINE_KIND to 'real'.
import { makeFakeMachine } from '../../tools/bench/fake-machine';
import type { BenchMachine } from '../../tools/bench/machine-api';

export const MACHINE_KIND: 'fake' | 'real' = 'fake';

export async function makeMachine(): Promise<BenchMachine> {
  return makeFakeMachine();
}
