// The firmware alone, as the board build would load it: every module src/firmware.ts reaches,
// and nothing of the simulator. The budget bundles this for its size and evaluates it in a
// fresh XS machine for the slots the modules' own objects take (classes, frozen tables).
import { startFirmware } from '../../src/firmware';

(globalThis as Record<string, unknown>).startFirmware = startFirmware;
