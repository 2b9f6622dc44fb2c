// The ESP32 board's entry: mcconfig runs the module named "main" (manifest creation.main).
// It builds the board, starts the firmware — the same startFirmware(board) the bench, the
// simulation and the tests call — and brings the network up in the background.
//
// UART0 belongs to xsbug in a debug build, so there the console is the debug trace (xsbug's
// console) and screens go to the trace. A release build discards trace(): there the technician
// console is UART0 and screens are written to it as lines.
import { debugBuild } from 'atm/native';
import { startFirmware } from 'src/firmware';
import { CONSOLE_BAUD, DEVICE_BAUD, lineWriter, makeModdableBoard } from 'hal/moddable/board';
import { boardConfig } from 'hal/moddable/config';
import { MatrixKeypad } from 'hal/moddable/keypad';
import { NetworkUp } from 'hal/moddable/network';
import { ModdableSerialLine, TraceConsoleLine } from 'hal/moddable/serial';

const uart = boardConfig.uart!;
const keypadPins = boardConfig.keypad!;

const board = makeModdableBoard(({ nowMs, onFault }) => {
  const line = (pins: typeof uart.validator, baud: number, receiveRingBytes: number, transmitRingBytes: number) =>
    new ModdableSerialLine({ where: pins, takesViews: true, baud, receiveRingBytes, transmitRingBytes, onFault });
  const debug = debugBuild();
  const consoleLine = debug ? new TraceConsoleLine() : line(uart.console, CONSOLE_BAUD, 256, 4096);
  return {
    name: `esp32 ${boardConfig.atmId}`,
    validatorLine: line(uart.validator, DEVICE_BAUD, 512, 512),
    cardReaderLine: line(uart.cardReader, DEVICE_BAUD, 512, 512),
    consoleLine,
    keypad: new MatrixKeypad(keypadPins.rows, keypadPins.columns, nowMs),
    writeDiagnosticLine: debug ? (text) => trace(text) : lineWriter(consoleLine),
  };
});
startFirmware(board);
new NetworkUp(boardConfig.wifiSsid, boardConfig.wifiPassword, boardConfig.sntpHost, board.onFault).start();
