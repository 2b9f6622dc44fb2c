// What happens on a note's critical path — while the validator holds it in escrow waiting for
// STACK, or is stacking it — that does not belong there. On the ESP32 a Settings write is NVS:
// it may erase a flash page and stall the flash cache while the validator waits and its
// answers queue in a 128-byte FIFO. Only the ledger append (note-escrowed, before STACK)
// belongs on that path. Watched from the validator's side, so it needs no hook in the
// firmware; used by `npm run budget` and the session tests. Pure TypeScript (it runs in XS too).
import { STATE_ESCROW, STATE_HOLDING, STATE_STACKING } from '../../src/cash/ccnet-codec';
import type { DeskMachine } from '../bench/machine';

export class CriticalPathProbe {
  /** Settings writes made while the validator held a note in escrow or was stacking it. */
  settingsWrites = 0;

  constructor(machine: Pick<DeskMachine, 'sim'>) {
    const { settings, validator } = machine.sim;
    const set = settings.set.bind(settings);
    settings.set = (key, value) => {
      const state = validator.state;
      if (state === STATE_ESCROW || state === STATE_HOLDING || state === STATE_STACKING) this.settingsWrites += 1;
      return set(key, value);
    };
  }
}
