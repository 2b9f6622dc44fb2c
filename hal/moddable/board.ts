// The controller board: one Moddable adapter per port, wired from the manifest's config.
import config from 'mc/config';
import type { Board } from '../ports';
import { ModdableClock, ModdableTicker } from './clock';
import { TraceDisplay } from './display';
import { ModdableNorFlash, LEDGER_PARTITION } from './flash';
import { WorkerHttpsClient } from './https';
import { MatrixKeypad } from './keypad';
import { AbsentPalmScanner } from './palm';
import { HardwareRandom, makeNativeCrypto, ModdableSystem, PreferenceSettings } from './platform';
import { ModdableSerialLine, TraceConsoleLine } from './serial';
import { SoftwareWatchdog } from './watchdog';

/** CCNET (bill validator) and the card reader: 9600 8N1 (shared/reference/ccnet.md). */
export const DEVICE_BAUD = 9600;
/** The technician console: 115200 8N1, what any terminal program opens by default. */
export const CONSOLE_BAUD = 115200;

/** Builds the board. Call once: each UART, pin and partition may be opened only once. */
export function makeModdableBoard(): Board {
  const clock = new ModdableClock();
  const nowMs = () => clock.monotonicMs();
  const system = new ModdableSystem();
  const deviceLine = (uart: typeof config.uart.validator) => new ModdableSerialLine({
    ...uart, baud: DEVICE_BAUD, receiveRingBytes: 512, transmitRingBytes: 512,
  });
  // UART0 is the debugger's in debug builds (xsbug); only a release build gives it to the console.
  const consoleLine = config.consoleOnUart0
    ? new ModdableSerialLine({ ...config.uart.console, baud: CONSOLE_BAUD, receiveRingBytes: 256, transmitRingBytes: 4096 })
    : new TraceConsoleLine();
  return Object.freeze({
    name: `esp32 ${config.atmId}`,
    clock,
    ticker: new ModdableTicker(),
    validatorLine: deviceLine(config.uart.validator),
    cardReaderLine: deviceLine(config.uart.cardReader),
    consoleLine,
    ledgerFlash: new ModdableNorFlash(LEDGER_PARTITION),
    bank: new WorkerHttpsClient(nowMs),
    display: new TraceDisplay(),
    keypad: new MatrixKeypad(config.keypad.rows, config.keypad.columns, nowMs),
    palm: new AbsentPalmScanner(),
    watchdog: new SoftwareWatchdog(nowMs, (reason) => {
      trace(`${reason}: restarting\n`);
      system.restart();
    }),
    random: new HardwareRandom(),
    crypto: makeNativeCrypto(),
    settings: new PreferenceSettings(),
    system,
  });
}
