import type { Task } from '../loop/scheduler';
import type { Ledger } from './ledger';

/**
 * The ledger's background work as a scheduler task: erases the sector after the head ahead
 * of need, so an append never waits for an erase. At most one erase per poll; an erase
 * holds the flash (and, on the ESP32, the CPU's cache) for about 45 ms, so the money path may
 * prefer to skip polls while a note sits in escrow — CCNET's master is the controller, so a
 * late poll only delays the next exchange.
 */
export class LedgerMaintenanceTask implements Task {
  readonly name = 'ledger';
  readonly periodMs = 250;
  readonly deadlineMs = 2000;
  readonly #ledger: Ledger;

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  poll(_nowMs: number): void {
    this.#ledger.maintain();
  }
}
