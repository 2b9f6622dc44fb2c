// Runs inside XS: the firmware booted on the simulated board, driven tick by tick.
import { makeSimBoard } from '../../hal/sim/board';
import { LOOP_TICK_MS, startFirmware } from '../../src/firmware';

const sim = makeSimBoard();
startFirmware(sim.board);

(globalThis as Record<string, unknown>).bench = {
  idleTicks(count: number): void {
    sim.world.runFor(count * LOOP_TICK_MS);
  },
};
