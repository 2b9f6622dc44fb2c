// Modules this project defines for the board build.

/** The manifest's "config" object, frozen (documentation/tools/manifest.md, `config`). */
declare module 'mc/config' {
  interface UartConfig {
    readonly port: number;
    readonly transmit: number;
    readonly receive: number;
  }
  const config: {
    readonly firmware: string;
    readonly atmId: string;
    readonly bankHost: string;
    readonly bankPort: number;
    readonly dnsServer: string;
    readonly sntpHost: string;
    readonly wifiSsid?: string;
    readonly wifiPassword?: string;
    readonly consoleOnUart0: boolean;
    readonly uart: {
      readonly validator: UartConfig;
      readonly cardReader: UartConfig;
      readonly console: UartConfig;
    };
    readonly keypad: {
      readonly rows: readonly number[];
      readonly columns: readonly number[];
    };
  };
  export default config;
}

/** Our two native functions (hal/moddable/native/atm-native.c) over ESP-IDF. */
declare module 'atm/native' {
  /** esp_restart(): reboots the chip at once. */
  export function restart(): never;
  /** esp_fill_random(): fills the whole buffer from the hardware RNG. */
  export function fillRandom(into: ArrayBufferView): void;
}
