// PalmScanner: not connected on this board.
//
// The Kaspi Alaqan palm-vein camera is a USB (or serial) peripheral of the real machine's
// host computer; the ESP32 controller has no USB host and no driver for it. This adapter is an
// honest stub: health() is 'absent', so the firmware offers the other three authorisations
// (Kaspi QR, Kaspi Gold card, IIN) and never starts a capture. The simulator (hal/sim) speaks
// the camera's protocol for the whole-machine tests.
import type { PalmHealth, PalmReading, PalmScanner } from '../ports';

export class AbsentPalmScanner implements PalmScanner {
  health(): PalmHealth {
    return 'absent';
  }

  start(): boolean {
    return false;
  }

  read(): PalmReading | undefined {
    return undefined;
  }

  stop(): void {}
}
