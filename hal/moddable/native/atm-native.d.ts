// The project's native functions (esp32/atm-native.c on the ESP32, lin/atm-native.c on the Linux board),
// declared for TypeScript: mcconfig maps the module `atm/native` to atm-native(.js), and tsc
// reads this declaration beside it.

/** Restarts the controller: esp_restart() on the ESP32; on the Linux board the process exits with status 99. */
export declare function restart(): void;
/** Fills the whole buffer from the hardware random number generator (esp_fill_random; getrandom on Linux). */
export declare function fillRandom(into: ArrayBufferView): void;
/** True in a debug build (mxDebug): trace() reaches xsbug. In a release build trace() goes nowhere. */
export declare function debugBuild(): boolean;
/**
 * CRC-32/ISO-HDLC (zlib's) of bytes[start..end), continuing from `crc` (0 to begin, else the
 * result over the bytes before): esp_rom_crc32_le in the ESP32's ROM; a table in C on Linux.
 * A range outside the buffer throws a RangeError.
 */
export declare function crc32(crc: number, bytes: Uint8Array, start: number, end: number): number;
