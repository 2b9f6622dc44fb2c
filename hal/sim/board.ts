import type { Board, HttpsClient } from '../ports';
import { SimBankLink, type BankHandler } from './bank-link';
import { SimCardReader } from './card-reader';
import { CCNET_BAUD, validatorOnCable, type CcnetValidatorOptions } from './ccnet-validator';
import { NorFlashEmulator } from './nor-flash';
import { SimPalm } from './palm';
import {
  MemorySettings,
  RecordingDisplay,
  ScriptedKeypad,
  SeededRandom,
  SIM_BOARD_PROVISIONING,
  SimProvisioning,
  SimSystem,
  SimWatchdog,
  SoftCrc,
  SoftCrypto,
  UnreachableBank,
  type SimProvisioningSpec,
} from './peripherals';
import { SerialLink } from './serial-link';
import { SimTicker, SimWorld, VirtualClock, type SimActor } from './world';

export { CCNET_BAUD };
export const CARD_READER_BAUD = 9600;
export const CONSOLE_BAUD = 115200;

export interface SimBoardOptions {
  readonly seed?: number;
  readonly wallAtBootMs?: number;
  /** The bank behind the link, in process (the reference bank's logic or a test's); none by default. */
  readonly bank?: BankHandler;
  readonly validator?: CcnetValidatorOptions;
  /** The ledger partition; a fresh erased 64 KiB emulator by default. */
  readonly flash?: NorFlashEmulator;
  /** What the factory provisioned: SIM_BOARD_PROVISIONING (an ATM id and a card key) by default; `{}` for an unprovisioned board. */
  readonly provisioning?: SimProvisioningSpec;
}

/**
 * A whole board of simulated peripherals on virtual time, with handles for the test's hands:
 * the bill validator and the card reader speak their wire protocols at the far ends of timed
 * serial cables, the palm camera captures with latency, the ledger is a NOR emulator that
 * can lose power at any write.
 */
export function makeSimBoard(options: SimBoardOptions = {}) {
  const seed = options.seed ?? 1;
  const clock = new VirtualClock(options.wallAtBootMs);
  const world = new SimWorld(clock);
  const ticker = new SimTicker();
  world.add(ticker);
  const { link: validatorLink, sim: validator } = validatorOnCable(clock, options.validator, CCNET_BAUD);
  const cardReaderLink = new SerialLink(clock, CARD_READER_BAUD);
  const consoleLink = new SerialLink(clock, CONSOLE_BAUD);
  const cardReader = new SimCardReader(clock, cardReaderLink.deviceEnd);
  const palm = new SimPalm(clock);
  const networkRandom = new SeededRandom(seed ^ 0x5bd1e995);
  const bankLink = options.bank === undefined ? undefined : new SimBankLink(clock, networkRandom, options.bank);
  const bank: HttpsClient & SimActor = bankLink ?? new UnreachableBank();
  for (const actor of [validator, cardReader, palm, bank]) world.add(actor);
  const parts = {
    display: new RecordingDisplay(),
    keypad: new ScriptedKeypad(),
    watchdog: new SimWatchdog(clock),
    random: new SeededRandom(seed),
    flash: options.flash ?? new NorFlashEmulator(),
    settings: new MemorySettings(),
    system: new SimSystem(),
    provisioning: new SimProvisioning(options.provisioning ?? SIM_BOARD_PROVISIONING),
  };
  const board: Board = {
    name: 'simulator',
    clock,
    ticker,
    validatorLine: validatorLink.boardEnd,
    cardReaderLine: cardReaderLink.boardEnd,
    consoleLine: consoleLink.boardEnd,
    ledgerFlash: parts.flash,
    bank,
    display: parts.display,
    keypad: parts.keypad,
    palm,
    watchdog: parts.watchdog,
    random: parts.random,
    crypto: new SoftCrypto(),
    crc: new SoftCrc(),
    settings: parts.settings,
    system: parts.system,
    provisioning: parts.provisioning,
  };
  return {
    board,
    world,
    clock,
    ticker,
    validatorLink,
    cardReaderLink,
    consoleLink,
    validator,
    cardReader,
    palm,
    bankLink,
    ...parts,
  };
}

export type SimBoard = ReturnType<typeof makeSimBoard>;
