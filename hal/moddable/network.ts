// Wi-Fi and the wall clock, brought up in the background so the machine runs without them.
//
// The firmware starts at once: boot recovery from the ledger, the console and the devices must
// not wait for a network that may be down. Moddable's own setup/network module would hold
// `main` until Wi-Fi and SNTP are up, so the manifest passes Wi-Fi credentials under our own
// config keys (wifiSsid, wifiPassword) and this module connects instead.
// APIs as in Moddable's network examples: new WiFi({ssid, password}, callback) reporting
// WiFi.gotIP / WiFi.disconnected; new SNTP({host}, callback) reporting SNTP.time with Unix
// seconds, SNTP.retry, SNTP.error (returning another host retries); Time.set(seconds)
// (documentation/base/base.md).
import SNTP from 'sntp';
import Time from 'time';
import Timer from 'timer';
import WiFi from 'wifi';

/** After a failed SNTP exchange, wait this long before asking again. */
export const SNTP_RETRY_MS = 60_000;

export class NetworkUp {
  wifiConnected = false;
  clockSet = false;
  #sntp: SNTP | undefined = undefined;
  #wifi: WiFi | undefined = undefined;

  constructor(readonly ssid: string | undefined, readonly password: string | undefined, readonly sntpHost: string) {}

  start(): void {
    if (this.ssid === undefined || this.ssid.length === 0) {
      trace('network: no wifiSsid in config; the bank link stays down\n');
      return;
    }
    this.#wifi = new WiFi({ ssid: this.ssid, password: this.password }, (message) => {
      if (message === WiFi.gotIP) {
        this.wifiConnected = true;
        if (!this.clockSet) this.#askTime();
      } else if (message === WiFi.disconnected) {
        this.wifiConnected = false; // the ESP-IDF Wi-Fi driver reconnects on its own
      }
    });
  }

  #askTime(): void {
    if (this.#sntp !== undefined) return;
    this.#sntp = new SNTP({ host: this.sntpHost }, (message, value) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        this.clockSet = true;
        this.#closeSntp();
      } else if (message === SNTP.error) {
        this.#closeSntp();
        Timer.set(() => this.#askTime(), SNTP_RETRY_MS);
      }
    });
  }

  #closeSntp(): void {
    const sntp = this.#sntp;
    this.#sntp = undefined;
    // Closing from inside SNTP's own callback is left to the next turn.
    if (sntp !== undefined) Timer.set(() => sntp.close());
  }
}
