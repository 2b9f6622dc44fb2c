// What the console reads the machine through. The console never imports the ledger, the bank
// outbox, the cash acceptor or the card reader: the firmware's wiring implements this view
// over them, and every member is optional, so a build that lacks a part still has a console
// (which says "not available in this build") and tests give the console a small fake.
// Everything here is already structured: the console formats it, and masks what it prints.
import type { Board } from '../../hal/ports';

export type DeviceState = 'ok' | 'fault' | 'absent' | 'disabled' | 'unknown';

export interface DeviceReport {
  /** Short name, e.g. "validator", "card-reader", "palm". */
  readonly name: string;
  readonly state: DeviceState;
  /** One line: model and firmware, or the fault. */
  readonly summary: string;
  /** More lines for `devices`: identification, bill table, recent faults (at most DEVICE_DETAIL_LINES_MAX). */
  readonly details: readonly string[];
}

export interface LedgerSummary {
  readonly capacityRecords: number;
  readonly usedRecords: number;
  /** The oldest record still on flash. */
  readonly tailSequence: number;
  /** The next sequence to be written (head). */
  readonly headSequence: number;
  /** Records the bank has not acknowledged yet. */
  readonly unsyncedRecords: number;
  readonly ackedSequence: number;
}

export interface LedgerRecordView {
  readonly sequence: number;
  /** e.g. "deposit", "note", "ack", "collection". */
  readonly type: string;
  /** The wall time it was written, or NaN. */
  readonly wallMs: number;
  /** Named values in display order (the console masks them; the view may pass them raw). */
  readonly fields: Readonly<Record<string, string | number>>;
}

export interface LedgerVerifyReport {
  readonly ok: boolean;
  readonly recordsChecked: number;
  /** At most VERIFY_PROBLEMS_SHOWN_MAX are shown. */
  readonly problems: readonly string[];
}

export interface SyncStatus {
  readonly queuedRecords: number;
  readonly inFlight: boolean;
  /** The queue waits for the customer at the machine: their session's records go when it closes (src/bank/outbox.ts "When"). */
  readonly held?: boolean;
  readonly ackedSequence: number;
  /** The last failure, or "" when the last attempt succeeded or none was made. */
  readonly lastError: string;
  /** Wall time of the last attempt, NaN when none. */
  readonly lastAttemptWallMs: number;
  /** How long until the next attempt (backoff), NaN when none is scheduled. */
  readonly nextAttemptInMs: number;
  /** Bank replies refused as anomalies since boot (an ack beyond what was sent, or for another ATM), and the last one. */
  readonly bankAnomalies: number;
  readonly lastAnomaly: string;
}

export type SyncNowResult = { readonly started: true } | { readonly started: false; readonly reason: string };

export interface DenominationCount {
  readonly denominationTenge: number;
  readonly notes: number;
}

export interface CassetteReport {
  /** Wall time of the last collection, NaN if never collected. */
  readonly sinceWallMs: number;
  /** By denomination, ascending; denominations with no notes may be omitted. */
  readonly byDenomination: readonly DenominationCount[];
  /** Notes whose stacking could not be confirmed (power cut while stacking), to reconcile. */
  readonly doubtfulNotes: number;
  readonly capacityNotes: number;
}

export interface Reconciliation {
  /** The ledger record that closed the period. */
  readonly recordSequence: number;
  readonly fromSequence: number;
  readonly toSequence: number;
  readonly byDenomination: readonly DenominationCount[];
  /** Cassette counters, ledger total and what the bank was sent for the period, in tiyn (invariant 4). */
  readonly cassetteTiyn: number;
  readonly ledgerTiyn: number;
  readonly sentToBankTiyn: number;
  readonly doubtfulNotes: number;
}

export type CollectResult =
  | { readonly ok: true; readonly report: Reconciliation }
  | { readonly ok: false; readonly error: string };

export interface SelftestItem {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface MachineView {
  devices?(): readonly DeviceReport[];
  ledgerSummary?(): LedgerSummary;
  /** Visits up to `count` records from `fromSequence` on, oldest first; returns how many it visited. */
  ledgerRecords?(fromSequence: number, count: number, visit: (record: LedgerRecordView) => void): number;
  verifyLedger?(): LedgerVerifyReport;
  syncStatus?(): SyncStatus;
  syncNow?(): SyncNowResult;
  cassette?(): CassetteReport;
  /** Closes the collection period: writes the ledger record and zeroes the cassette counters. */
  collect?(): CollectResult;
  /** The parts' own checks (the console adds its own: crypto, random, settings, clock). */
  selftest?(): readonly SelftestItem[];
  /** Where a customer's session stands (e.g. "cash-in"), or undefined when no customer is at the machine. */
  customerSession?(): string | undefined;
}

export const DEVICE_DETAIL_LINES_MAX = 16;
export const VERIFY_PROBLEMS_SHOWN_MAX = 8;

/** The view today's firmware can give with no ledger, bank or drivers yet: the palm camera's health. */
export function boardOnlyMachineView(board: Board): MachineView {
  return {
    devices: () => [
      {
        name: 'palm',
        state: palmState(board.palm.health()),
        summary: `Alaqan camera ${board.palm.health()}`,
        details: [],
      },
    ],
  };
}

function palmState(health: 'ready' | 'fault' | 'absent'): DeviceState {
  return health === 'ready' ? 'ok' : health;
}
