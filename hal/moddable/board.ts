// The controller board: one Moddable adapter per port. What differs between the ESP32 and the
// Linux board (serial pins or tty paths, the keypad, where diagnostic lines go) comes from the
// entry module (main.ts, lin/main.ts) as PlatformParts; everything else is the same code on both.
import type { Board, Keypad, SerialLine } from '../ports';
import { ModdableClock, ModdableTicker } from './clock';
import { LineDisplay } from './display';
import { NativeCrc } from './crc';
import { describeError, type FaultHandler } from './fault';
import { LEDGER_PARTITION, ModdableNorFlash } from './flash';
import { WorkerHttpsClient } from './https';
import { AbsentPalmScanner } from './palm';
import { BuildProvisioning, HardwareRandom, makeNativeCrypto, ModdableSystem, PreferenceSettings } from './platform';
import { SoftwareWatchdog } from './watchdog';

/** CCNET (bill validator) and the card reader: 9600 8N1 (docs: the CCNET notes). */
export const DEVICE_BAUD = 9600;
/** The technician console: 115200 8N1, what any terminal program opens by default. */
export const CONSOLE_BAUD = 115200;

/** What the entry module gives the board: the parts that differ per platform. */
export interface PlatformParts {
  readonly name: string;
  readonly validatorLine: SerialLine;
  readonly cardReaderLine: SerialLine;
  readonly consoleLine: SerialLine;
  readonly keypad: Keypad;
  /** Where screens and fault reports are written as text lines (trace, or the console line). */
  readonly writeDiagnosticLine: (line: string) => void;
}

/** What the board gives the entry module to build its parts with. */
export interface BoardServices {
  readonly nowMs: () => number;
  readonly onFault: FaultHandler;
}

export interface ModdableBoard extends Board {
  readonly bankClient: WorkerHttpsClient;
  readonly onFault: FaultHandler;
}

/** Builds the board. Call once: each UART, pin and partition may be opened only once. */
export function makeModdableBoard(makeParts: (services: BoardServices) => PlatformParts): ModdableBoard {
  const clock = new ModdableClock();
  const nowMs = () => clock.monotonicMs();
  const system = new ModdableSystem();
  let writeLine: (line: string) => void = (line) => trace(line);
  // An exception from the firmware inside one of the board's callbacks: a broken invariant.
  // Said, then a deliberate restart — boot recovery rebuilds the session from the ledger.
  const onFault: FaultHandler = (where, error) => {
    try {
      writeLine(`[fault] ${where}: ${describeError(error)}: restarting\n`);
    } finally {
      system.restart();
    }
  };
  const parts = makeParts({ nowMs, onFault });
  writeLine = parts.writeDiagnosticLine;
  const bankClient = new WorkerHttpsClient(nowMs, onFault);
  return Object.freeze({
    name: parts.name,
    clock,
    ticker: new ModdableTicker(onFault),
    validatorLine: parts.validatorLine,
    cardReaderLine: parts.cardReaderLine,
    consoleLine: parts.consoleLine,
    ledgerFlash: new ModdableNorFlash(LEDGER_PARTITION),
    bank: bankClient,
    bankClient,
    display: new LineDisplay(parts.writeDiagnosticLine),
    keypad: parts.keypad,
    palm: new AbsentPalmScanner(),
    watchdog: new SoftwareWatchdog(
      nowMs,
      (reason) => {
        writeLine(`[watchdog] ${reason}: restarting\n`);
        system.restart();
      },
      onFault,
    ),
    random: new HardwareRandom(),
    crypto: makeNativeCrypto(),
    crc: new NativeCrc(),
    settings: new PreferenceSettings(),
    system,
    provisioning: new BuildProvisioning(),
    onFault,
  });
}

/** A text line as bytes for a SerialLine (diagnostic lines are rare: one allocation each is fine). */
export function lineWriter(line: SerialLine): (text: string) => void {
  return (text) => {
    const bytes = new Uint8Array(ArrayBuffer.fromString(text));
    line.write(bytes, bytes.length);
  };
}
