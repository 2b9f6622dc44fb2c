// The whole machine on virtual time: the unchanged firmware (startFirmware) on a simulated
// board, with the power supply and the watchdog's reset as part of the world. A power cut
// stops the firmware mid-step (its RAM is gone), cuts the validator's power too, clears the
// cables, and boots the firmware again after the outage from what the flash kept. A cut can
// also be armed inside the flash: the NOR emulator damages the write in progress, the
// firmware sees its flash fail, and the machine goes dark at that moment.
// Pure TypeScript: the core tests run this in the XS engine too.

import type { Settings } from '../../hal/ports';
import { makeSimBoard, type SimBoard, type SimBoardOptions } from '../../hal/sim/board';
import type { SimActor } from '../../hal/sim/world';
import { startFirmware, type Firmware } from '../../src/firmware';

export interface SimMachineOptions extends SimBoardOptions {
  /** Writes the board's factory provisioning (secrets, keys) into its settings. */
  readonly provision?: (settings: Settings) => void;
  /** How long the power stays off after a cut (ms). */
  readonly outageMs?: number;
  /** Called after every boot, before the firmware's first tick (the simulation's probes attach here). */
  readonly onBoot?: (firmware: Firmware) => void;
}

export class SimMachine {
  readonly sim: SimBoard;
  readonly counts = { boots: 0, powerCuts: 0, flashCuts: 0, watchdogResets: 0, controllerRestarts: 0 };
  #firmware: Firmware | undefined;
  #bootAtMs = Infinity;
  readonly #outageMs: number;
  readonly #onBoot: ((firmware: Firmware) => void) | undefined;

  constructor(options: SimMachineOptions = {}) {
    this.sim = makeSimBoard(options);
    this.#outageMs = options.outageMs ?? 2_000;
    this.#onBoot = options.onBoot;
    options.provision?.(this.sim.settings);
    this.sim.world.add(this.#powerSupply());
    this.#boot();
  }

  /** The running firmware; undefined while the power is off. */
  get firmware(): Firmware | undefined {
    return this.#firmware;
  }

  get poweredOn(): boolean {
    return this.#firmware !== undefined;
  }

  /** Pulls the plug now; the machine boots again after `outageMs`. */
  powerCut(outageMs = this.#outageMs): void {
    this.counts.powerCuts += 1;
    this.#powerOff(outageMs);
  }

  /**
   * The controller alone restarts (a crash, the reset line, a firmware update) and is back after
   * `offMs`; the validator keeps its power and goes on with the note it holds, reporting it to
   * whoever polls next. The firmware's RAM is gone; the flash keeps what was written.
   */
  restartController(offMs = 500): void {
    if (this.#firmware === undefined) return;
    this.counts.controllerRestarts += 1;
    this.#firmware.stop();
    this.#firmware = undefined;
    this.sim.flash.cancelPowerCut();
    this.sim.bankLink?.reset(); // the board's connection dies with it: no reply reaches the next boot's ledger through the old one
    for (const link of [this.sim.validatorLink, this.sim.cardReaderLink, this.sim.consoleLink]) link.clear();
    this.#bootAtMs = this.sim.clock.nowMs + offMs;
  }

  /** Arms a cut inside the ledger's flash: `operationsFirst` more flash operations complete, the next is torn. */
  armFlashCut(operationsFirst: number, seed: number): void {
    this.sim.flash.schedulePowerCut(operationsFirst, seed);
  }

  runFor(durationMs: number): void {
    this.sim.world.runFor(durationMs);
  }

  runUntil(done: () => boolean, limitMs: number): boolean {
    return this.sim.world.runUntil(done, limitMs);
  }

  #boot(): void {
    this.sim.flash.restorePower();
    this.sim.watchdog.enable(Infinity);
    this.#bootAtMs = Infinity;
    this.counts.boots += 1;
    this.#firmware = startFirmware(this.sim.board);
    this.#onBoot?.(this.#firmware);
  }

  #powerOff(outageMs: number): void {
    this.#firmware?.stop();
    this.#firmware = undefined;
    this.sim.flash.cancelPowerCut();
    this.sim.flash.powered = false;
    this.sim.validator.powerCut(outageMs);
    this.sim.bankLink?.reset(); // the connection dies with the board: a late reply never reaches the next boot
    for (const link of [this.sim.validatorLink, this.sim.cardReaderLink, this.sim.consoleLink]) link.clear();
    this.#bootAtMs = this.sim.clock.nowMs + outageMs;
  }

  /** The power supply and the reset line: boots after an outage, goes dark on a flash cut, resets on a watchdog bite. */
  #powerSupply(): SimActor {
    return {
      nextEventMs: () => {
        if (this.#firmware === undefined) return this.#bootAtMs;
        if (this.sim.flash.lastCut !== undefined && !this.sim.flash.powered) return this.sim.clock.nowMs;
        const watchdog = this.sim.watchdog;
        return Number.isFinite(watchdog.timeoutMs) ? watchdog.lastFedMs + watchdog.timeoutMs + 1 : Infinity;
      },
      step: (nowMs) => {
        if (this.#firmware === undefined) {
          if (nowMs >= this.#bootAtMs) this.#boot();
          return;
        }
        if (this.sim.flash.lastCut !== undefined && !this.sim.flash.powered) {
          this.counts.flashCuts += 1;
          this.sim.flash.lastCut = undefined;
          return this.#powerOff(this.#outageMs);
        }
        if (this.sim.watchdog.bitten) {
          this.counts.watchdogResets += 1;
          this.#powerOff(0);
        }
      },
    };
  }
}
