import type { Board } from '../ports';
import { NorFlashEmulator } from './nor-flash';
import {
  MemorySettings, RecordingDisplay, ScriptedKeypad, SeededRandom, SimPalmScanner, SimSystem, SimWatchdog,
  SoftCrypto, UnreachableBank,
} from './peripherals';
import { SerialLink } from './serial-link';
import { SimTicker, SimWorld, VirtualClock } from './world';

export const CCNET_BAUD = 9600;
export const CONSOLE_BAUD = 115200;

export interface SimBoardOptions {
  readonly seed?: number;
  readonly wallAtBootMs?: number;
}

/** A whole board of simulated peripherals on virtual time, with handles for the test's hands. */
export function makeSimBoard(options: SimBoardOptions = {}) {
  const clock = new VirtualClock(options.wallAtBootMs);
  const world = new SimWorld(clock);
  const ticker = new SimTicker();
  world.add(ticker);
  const validatorLink = new SerialLink(clock, CCNET_BAUD);
  const cardReaderLink = new SerialLink(clock, CCNET_BAUD);
  const consoleLink = new SerialLink(clock, CONSOLE_BAUD);
  const parts = {
    display: new RecordingDisplay(),
    keypad: new ScriptedKeypad(),
    palm: new SimPalmScanner(),
    watchdog: new SimWatchdog(clock),
    random: new SeededRandom(options.seed ?? 1),
    flash: new NorFlashEmulator(),
    bank: new UnreachableBank(),
    settings: new MemorySettings(),
    system: new SimSystem(),
  };
  world.add(parts.bank);
  const board: Board = {
    name: 'simulator',
    clock,
    ticker,
    validatorLine: validatorLink.boardEnd,
    cardReaderLine: cardReaderLink.boardEnd,
    consoleLine: consoleLink.boardEnd,
    ledgerFlash: parts.flash,
    bank: parts.bank,
    display: parts.display,
    keypad: parts.keypad,
    palm: parts.palm,
    watchdog: parts.watchdog,
    random: parts.random,
    crypto: new SoftCrypto(),
    settings: parts.settings,
    system: parts.system,
  };
  return { board, world, clock, validatorLink, cardReaderLink, consoleLink, ...parts };
}

export type SimBoard = ReturnType<typeof makeSimBoard>;
