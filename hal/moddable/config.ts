// The manifest's `config`, typed. The SDK types `mc/config` as a loose record
// (typings/mc/config.d.ts); this module is the one place that says what this project's
// manifest puts there, so a misspelt key is a type error instead of an undefined at boot.
// mcconfig bakes these values into the build; `key=value` arguments to mcconfig override them.
import config from 'mc/config';

/** ESP32 UART pins (manifest config.uart.*). */
export interface UartPins {
  readonly port: number;
  readonly transmit: number;
  readonly receive: number;
}

/** The Linux board's stand-ins (hal/moddable/lin/manifest.json): device paths instead of pins. */
export interface LinuxDevices {
  readonly validator: string;
  readonly cardReader: string;
  readonly console: string;
  readonly keypad: string;
  /** Where the file-backed flash partitions live. */
  readonly flashDirectory: string;
}

export interface BoardConfig {
  readonly firmware: string;
  readonly atmId: string;
  readonly bankHost: string;
  readonly bankPort: number;
  readonly dnsServer: string;
  readonly sntpHost: string;
  readonly wifiSsid?: string;
  readonly wifiPassword?: string;
  readonly uart?: { readonly validator: UartPins; readonly cardReader: UartPins; readonly console: UartPins };
  readonly keypad?: { readonly rows: readonly number[]; readonly columns: readonly number[] };
  readonly linux?: LinuxDevices;
}

export const boardConfig = config as unknown as BoardConfig;
