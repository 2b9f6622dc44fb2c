// What the bench page can see of, and do to, the machine on the desk. tools/bench/machine.ts
// implements it over the running firmware, its simulators and the reference bank; the web
// server (tools/bench/web) exposes it to the browser. Everything here is JSON-safe.

import type { Screen } from '../../hal/ports';
import type { DenominationTenge } from '../../src/domain';

export type BenchNote = DenominationTenge | 'clipped' | 'foreign';

export interface BenchLedgerRow {
  readonly sequence: number;
  readonly kind: string;
  /** One line, personal data masked. */
  readonly text: string;
  readonly synced: boolean;
}

export interface BenchBankView {
  readonly customers: readonly {
    readonly iinMasked: string;
    readonly name: string;
    readonly billTiyn: number;
    readonly nextBillTiyn: number;
    readonly carriedTiyn: number;
  }[];
  readonly receipts: readonly { readonly receiptId: string; readonly text: string }[];
}

export interface BenchSnapshot {
  readonly screen: Screen | undefined;
  readonly power: 'on' | 'off';
  readonly network: 'up' | 'down';
  readonly validator: string; // e.g. "idle", "escrow 5000", "jammed", "cassette removed"
  readonly cassette: { readonly notes: number; readonly amountTiyn: number; readonly capacityNotes: number };
  readonly ledger: readonly BenchLedgerRow[]; // the newest rows, at most 50
  readonly ledgerStats: { readonly head: number; readonly acked: number; readonly usedPercent: number };
  readonly bank: BenchBankView;
  /** The demo cards and customers the page offers as buttons. */
  readonly demo: {
    readonly cards: readonly { readonly id: string; readonly label: string }[];
    readonly customers: readonly { readonly iin: string; readonly label: string; readonly palm: string }[];
  };
}

export type BenchAction =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'insert-card'; readonly cardId: string }
  | { readonly kind: 'tap-card'; readonly cardId: string }
  | { readonly kind: 'take-card' }
  | { readonly kind: 'palm'; readonly iin: string | 'unknown' | 'poor-image' }
  | { readonly kind: 'phone-scan-qr'; readonly iin: string }
  | { readonly kind: 'notes'; readonly notes: readonly BenchNote[] }
  | { readonly kind: 'power'; readonly on: boolean }
  | { readonly kind: 'network'; readonly up: boolean }
  | { readonly kind: 'jam' }
  | { readonly kind: 'cassette'; readonly state: 'removed' | 'inserted' | 'full' }
  | { readonly kind: 'console'; readonly line: string };

export interface BenchMachine {
  snapshot(): BenchSnapshot;
  /** Applies a hand's action; resolves with an error text for a bad action, undefined when done. */
  act(action: BenchAction): Promise<string | undefined>;
  /** Called whenever something visible may have changed (throttle on your side). */
  onChange(listener: () => void): () => void;
  /** Console output since start (bounded), already masked by the firmware. */
  consoleText(): string;
  /** The QR payload on screen, if any, and the phone's confirm is `phone-scan-qr`. */
  close(): Promise<void>;
}
