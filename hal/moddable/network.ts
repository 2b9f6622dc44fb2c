// Wi-Fi and the wall clock, brought up in the background so the machine runs without them.
//
// The firmware starts at once: boot recovery from the ledger, the console and the devices must
// not wait for a network that may be down. The SDK's setup/network module (manifest_net) would
// hold `main` until Wi-Fi and SNTP are up, so the manifest passes the credentials under its own
// config keys (wifiSsid, wifiPassword) and this module connects instead.
//
// The SDK's Wi-Fi (ECMA-419 embedded:network/interface/wifi, modules/io/wifi/esp32) reports
// `connection` through onChanged (500 connected with an address, 400 associated, 300
// connecting, 200 and below disconnected) and never reconnects by itself after a drop, and its
// connect() throws when the driver refuses. So a drop or a refusal schedules another connect()
// with ReconnectBackoff (1 s doubling to 60 s); a good connection resets it and, the first
// time, sets the clock by SNTP (the TLS certificate check reads the wall clock).
import WiFi from 'embedded:network/interface/wifi';
import SNTP from 'sntp';
import Time from 'time';
import Timer from 'timer';
import { describeError, type FaultHandler, guarded } from './fault';
import { ReconnectBackoff } from './reconnect';

/** After a failed SNTP exchange, wait this long before asking again. */
export const SNTP_RETRY_MS = 60_000;
const CONNECTED_WITH_ADDRESS = 500;
const DISCONNECTED_AT_MOST = 200;

export class NetworkUp {
  wifiConnected = false;
  clockSet = false;
  lastError = '';
  readonly backoff = new ReconnectBackoff();
  #wifi: WiFi | undefined = undefined;
  #retryTimer: Timer | undefined = undefined;
  #asking = false;
  readonly #onFault: FaultHandler;

  constructor(
    readonly ssid: string | undefined,
    readonly password: string | undefined,
    readonly sntpHost: string,
    onFault: FaultHandler,
  ) {
    this.#onFault = onFault;
  }

  start(): void {
    if (this.ssid === undefined || this.ssid.length === 0) {
      this.lastError = 'no wifiSsid in the build configuration: the bank link stays down';
      return;
    }
    try {
      this.#wifi = new WiFi({ onChanged: guarded('wifi', this.#onFault, () => this.#onChanged()) });
    } catch (error) {
      this.lastError = `wifi: ${describeError(error)}`;
      return;
    }
    this.#connect();
  }

  #connect(): void {
    this.#retryTimer = undefined;
    try {
      this.#wifi?.connect(
        this.password === undefined ? { SSID: this.ssid! } : { SSID: this.ssid!, password: this.password },
      );
    } catch (error) {
      this.lastError = `wifi connect: ${describeError(error)}`;
      this.#scheduleReconnect();
    }
  }

  #onChanged(): void {
    const connection = this.#wifi?.connection ?? 0;
    if (connection >= CONNECTED_WITH_ADDRESS) {
      this.wifiConnected = true;
      this.backoff.reset();
      if (!this.clockSet) this.#askTime();
    } else if (connection <= DISCONNECTED_AT_MOST) {
      this.wifiConnected = false;
      this.#scheduleReconnect();
    }
  }

  #scheduleReconnect(): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = Timer.set(
      guarded('wifi reconnect', this.#onFault, () => this.#connect()),
      this.backoff.nextDelayMs(),
    );
  }

  #askTime(): void {
    if (this.#asking) return;
    this.#asking = true;
    try {
      // SNTP closes itself after SNTP.time or a final SNTP.error (modules/network/sntp/sntp.js).
      new SNTP(
        { host: this.sntpHost },
        guarded('sntp', this.#onFault, (message: number, value?: number) => {
          if (message === SNTP.time && value !== undefined) {
            Time.set(value);
            this.clockSet = true;
            this.#asking = false;
          } else if (message === SNTP.error) {
            this.#asking = false;
            Timer.set(
              guarded('sntp retry', this.#onFault, () => this.#askTime()),
              SNTP_RETRY_MS,
            );
          }
        }),
      );
    } catch (error) {
      this.#asking = false;
      this.lastError = `sntp: ${describeError(error)}`;
    }
  }
}
