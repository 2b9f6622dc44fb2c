// The machine on the desk: the one machine that `npm start`, the scenarios, the simulation, the
// bench page's tests and the core tests all run. The unchanged firmware (startFirmware) on the
// simulated board (hal/sim/board.ts), with what surrounds a board in an ATM:
//   - one power supply: an outage stops the firmware mid-step (its RAM is gone), cuts the
//     validator's power too, clears the cables, and boots the firmware again from what the flash
//     kept; a cut armed inside the NOR emulator tears the write in progress and the machine goes
//     dark at that moment; the watchdog's bite resets the controller (a failed assertion halts
//     the loop, the loop stops feeding the watchdog, and the board reboots into recovery) while
//     the validator, on its own supply, goes on with the note it holds; the controller alone
//     also restarts on a crash or the console's `reboot`;
//   - the factory's provisioning: the board's ATM id and card-token key (SimProvisioning), and
//     in its settings the bench's public console secrets, Alaqan on (Almaty is in the rollout);
//   - parts a desk can swap for real ones (tools/bench/desk.ts makes them):
//       validator  the simulator on its simulated cable | the simulator behind a pty | a real tty
//       flash      the NOR emulator                     | a NOR image file
//       bank       the bank's logic in process behind the simulated network | HTTPS to the bank
//       console    the simulated console cable          | the terminal, a pty, the bench page
// Time is the board's virtual clock: the world moves when told (runFor, runUntil), as fast as
// the simulation wants; tools/bench/desk.ts paces it to the wall clock for a person or a browser.
// Pure TypeScript: the core tests run this in the XS engine too.

import type { HttpsClient, NorFlash, Provisioning, SerialLine, Settings } from '../../hal/ports';
import { makeSimBoard, type SimBoard, type SimBoardOptions } from '../../hal/sim/board';
import type { CcnetValidatorSim } from '../../hal/sim/ccnet-validator';
import type { SimActor } from '../../hal/sim/world';
import { startFirmware, type Firmware } from '../../src/firmware';
import { provisionBenchSecrets } from '../console/bench-secrets';

/** How long the power stays off after a cut, unless told. */
export const OUTAGE_MS_DEFAULT = 2_000;
/** A controller restart (a crash, the reset line, `reboot`): the board is back this soon; the validator keeps its power. */
export const CONTROLLER_RESTART_MS = 500;

/** The bill validator as the machine wires it: the board's end of its line, and what power does to it. */
export interface DeskValidator {
  /** The board's end of the validator's serial line. */
  readonly line: SerialLine;
  /** The simulator, when one answers (its truth is the checks' oracle); undefined for a real validator. */
  readonly sim: CcnetValidatorSim | undefined;
  /** Where it is, for a person: "simulated cable", a pty's or a tty's path. */
  readonly where: string;
  /** The machine's power goes for `outageMs` (Infinity: until switched on); 0 gives it back now. A real validator has its own supply. */
  powerCut(outageMs: number): void;
  /** The bytes on the wire are gone (the board that sent or awaited them is). */
  clear(): void;
}

/** The bank link as the machine wires it: the board's HttpsClient, the connection that dies with the board, the network cable. */
export interface DeskBank extends HttpsClient {
  /** The board went down: the request in flight dies with its connection; no reply reaches the next boot. */
  reset(): void;
  /** The network cable: pulled (false), every request fails to connect. */
  networkUp: boolean;
}

/** Parts that take the place of the simulated board's own (tools/bench/desk.ts makes the real ones). */
export interface DeskParts {
  readonly validator?: DeskValidator;
  /** The ledger's partition: a NOR image file. The board's NOR emulator otherwise (`flash` in the options sizes it). */
  readonly flash?: NorFlash;
  readonly bank?: DeskBank;
  readonly console?: SerialLine;
  /** Who the board is: its device certificate on the desk. The simulated factory's (`provisioning` in the options) otherwise. */
  readonly provisioning?: Provisioning;
  /** What the board reports of its heap (the console's status); the simulated board knows none. */
  readonly heapUsedBytes?: () => number;
}

export interface DeskMachineOptions extends SimBoardOptions {
  readonly parts?: DeskParts;
  /** Settings a test or the simulation writes after the desk's own provisioning, before the first boot. */
  readonly settings?: (settings: Settings) => void;
  /** How long the power stays off after a cut (ms). */
  readonly outageMs?: number;
  /** Called after every boot, before the firmware's first tick (the simulation's probes attach here). */
  readonly onBoot?: (firmware: Firmware) => void;
}

export interface PowerCounts {
  boots: number;
  powerCuts: number;
  flashCuts: number;
  watchdogResets: number;
  controllerRestarts: number;
}

/** What the factory and the desk write into a fresh board's settings: the bench's public console secrets, and Alaqan on. */
export function provisionDesk(settings: Settings): void {
  provisionBenchSecrets(settings);
  if (settings.get('cfg.alaqan') === undefined) settings.set('cfg.alaqan', 'on'); // Almaty, the default city, is in the Alaqan rollout
}

export class DeskMachine {
  /** The simulated board: screen, keypad, card reader, palm camera, clock and the world that moves them. */
  readonly sim: SimBoard;
  readonly validator: DeskValidator;
  readonly bank: DeskBank;
  readonly counts: PowerCounts = { boots: 0, powerCuts: 0, flashCuts: 0, watchdogResets: 0, controllerRestarts: 0 };
  readonly #board: SimBoard['board'];
  #firmware: Firmware | undefined;
  #bootAtMs = Infinity;
  /** When the firmware asked for a restart (SystemInfo.restart): done at the world's next step, after the tick that asked. */
  #restartAtMs = Infinity;
  /** The plug is out (a cut); false while the controller alone restarts. */
  #powerOff = false;
  readonly #outageMs: number;
  readonly #onBoot: ((firmware: Firmware) => void) | undefined;

  constructor(options: DeskMachineOptions = {}) {
    this.sim = makeSimBoard(options);
    const parts = options.parts ?? {};
    this.validator = parts.validator ?? cableValidator(this.sim);
    this.bank = parts.bank ?? boardBank(this.sim);
    this.#outageMs = options.outageMs ?? OUTAGE_MS_DEFAULT;
    this.#onBoot = options.onBoot;
    this.#board = {
      ...this.sim.board,
      validatorLine: this.validator.line,
      ledgerFlash: parts.flash ?? this.sim.board.ledgerFlash,
      bank: parts.bank ?? this.sim.board.bank,
      consoleLine: parts.console ?? this.sim.board.consoleLine,
      provisioning: parts.provisioning ?? this.sim.board.provisioning,
    };
    if (parts.heapUsedBytes !== undefined) this.sim.system.heapUsedBytes = parts.heapUsedBytes;
    // The firmware's own restart (`reboot`) lets what it has written leave the board first, so
    // the engineer reads "rebooting"; a crash or the reset line (restartController) does not wait.
    this.sim.system.onRestart = () => {
      const sim = this.sim;
      this.#restartAtMs = Math.max(
        sim.clock.nowMs,
        sim.consoleLink.boardOutputArrivesMs,
        sim.cardReaderLink.boardOutputArrivesMs,
        sim.validatorLink.boardOutputArrivesMs,
      );
    };
    provisionDesk(this.sim.settings);
    options.settings?.(this.sim.settings);
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

  /** Pulls the plug now; the machine boots again after `outageMs` (Infinity: when powerOn() is called). */
  powerCut(outageMs = this.#outageMs): void {
    this.counts.powerCuts += 1;
    this.#cut(outageMs);
  }

  /** Puts the plug back: the validator has power at once, the board boots at the world's next step. */
  powerOn(): void {
    if (this.#firmware !== undefined || !this.#powerOff) return;
    this.validator.powerCut(0);
    this.#bootAtMs = this.sim.clock.nowMs;
  }

  /**
   * The controller alone restarts (a crash, the reset line, `reboot`, a firmware update) and is
   * back after `offMs`; the validator keeps its power and goes on with the note it holds,
   * reporting it to whoever polls next. The firmware's RAM is gone; the flash keeps what was written.
   */
  restartController(offMs = CONTROLLER_RESTART_MS): void {
    if (this.#firmware === undefined) return;
    this.counts.controllerRestarts += 1;
    this.#stopController(offMs);
    this.#clearCables();
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

  /** Stops the firmware for good (the desk is closing). */
  stop(): void {
    this.#firmware?.stop();
    this.#firmware = undefined;
    this.#bootAtMs = Infinity;
  }

  #boot(): void {
    this.sim.flash.restorePower();
    this.sim.watchdog.enable(Infinity);
    this.#bootAtMs = Infinity;
    this.#powerOff = false;
    this.counts.boots += 1;
    this.#firmware = startFirmware(this.#board);
    this.#onBoot?.(this.#firmware);
  }

  /** The firmware asked for its restart, and what it wrote has left the board: only what the board had received is lost. */
  #restartAsked(): void {
    this.counts.controllerRestarts += 1;
    this.#resetChip();
  }

  /** The chip resets (its own restart or the watchdog's): RAM and what it had received are gone; the devices go on. */
  #resetChip(): void {
    this.#stopController(CONTROLLER_RESTART_MS);
    this.sim.validatorLink.clearTowardBoard();
    this.sim.cardReaderLink.clearTowardBoard();
    this.sim.consoleLink.clearTowardBoard();
  }

  #stopController(offMs: number): void {
    this.#restartAtMs = Infinity;
    this.#firmware?.stop();
    this.#firmware = undefined;
    this.sim.flash.cancelPowerCut();
    this.bank.reset(); // the board's connection dies with it: no reply reaches the next boot's ledger through the old one
    this.#bootAtMs = this.sim.clock.nowMs + offMs;
  }

  #cut(outageMs: number): void {
    this.#firmware?.stop();
    this.#firmware = undefined;
    this.#restartAtMs = Infinity;
    this.#powerOff = true;
    this.sim.flash.cancelPowerCut();
    this.sim.flash.powered = false;
    this.validator.powerCut(outageMs);
    this.bank.reset(); // the connection dies with the board: a late reply never reaches the next boot
    this.#clearCables();
    this.#bootAtMs = this.sim.clock.nowMs + outageMs;
  }

  #clearCables(): void {
    this.validator.clear();
    this.sim.cardReaderLink.clear();
    this.sim.consoleLink.clear();
  }

  /**
   * The power supply and the reset line: boots after an outage, goes dark on a flash cut, resets
   * on a watchdog bite, restarts the controller when the firmware asks.
   */
  #powerSupply(): SimActor {
    return {
      nextEventMs: () => {
        if (this.#firmware === undefined) return this.#bootAtMs;
        if (this.sim.flash.lastCut !== undefined && !this.sim.flash.powered) return this.sim.clock.nowMs;
        const watchdog = this.sim.watchdog;
        const biteMs = Number.isFinite(watchdog.timeoutMs) ? watchdog.lastFedMs + watchdog.timeoutMs + 1 : Infinity;
        return Math.min(biteMs, this.#restartAtMs);
      },
      step: (nowMs) => {
        if (this.#firmware === undefined) {
          if (nowMs >= this.#bootAtMs) this.#boot();
          return;
        }
        if (this.sim.flash.lastCut !== undefined && !this.sim.flash.powered) {
          this.counts.flashCuts += 1;
          this.sim.flash.lastCut = undefined;
          return this.#cut(this.#outageMs);
        }
        if (this.sim.watchdog.bitten) {
          this.counts.watchdogResets += 1;
          return this.#resetChip();
        }
        if (nowMs >= this.#restartAtMs) this.#restartAsked();
      },
    };
  }
}

/** The simulated board's own validator: the simulator on its simulated cable. */
function cableValidator(sim: SimBoard): DeskValidator {
  return {
    line: sim.validatorLink.boardEnd,
    sim: sim.validator,
    where: 'simulated cable',
    powerCut: (outageMs) => sim.validator.powerCut(outageMs),
    clear: () => sim.validatorLink.clear(),
  };
}

/** The simulated board's own bank link: the bank's logic behind the simulated network, or no bank at all. */
function boardBank(sim: SimBoard): DeskBank {
  const link = sim.bankLink;
  const board = sim.board.bank;
  return {
    requestBodyBytesMax: board.requestBodyBytesMax,
    request: (request, onDone) => board.request(request, onDone),
    reset: () => link?.reset(),
    get networkUp() {
      return link === undefined || !link.faults.down;
    },
    set networkUp(up: boolean) {
      if (link !== undefined) link.faults.down = !up;
    },
  };
}
