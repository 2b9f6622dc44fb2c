// Runs inside XS for tools/ledger/bench.mjs: the ledger's flash numbers, and single appends
// and mounts to meter (each call is one evaluate, so its compute is XS's count for it).
import { NorFlashEmulator } from '../../hal/sim/nor-flash';
import { Ledger } from '../../src/ledger/ledger';
import type { LedgerRecord } from '../../src/ledger/records';
import { formatLedgerNumbers, ledgerNumbers, NUMBERS_GEOMETRY } from './numbers';

const NOTE: LedgerRecord = { kind: 'note-stacked', sessionId: 123456, denominationTenge: 5000 };
let flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
let ledger = Ledger.mount(flash);

(globalThis as Record<string, unknown>).ledgerBench = {
  numbers(): string {
    return JSON.stringify(formatLedgerNumbers(ledgerNumbers()));
  },
  /** A fresh partition with `count` notes appended (bank acks every 100 so it never fills). */
  reset(count: number): void {
    flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
    ledger = Ledger.mount(flash);
    ledger.maintain();
    for (let index = 1; index <= count; index++) {
      ledger.append(NOTE);
      if (index % 100 === 0) ledger.acknowledge(ledger.headSequence);
    }
  },
  appends(count: number): void {
    for (let index = 0; index < count; index++) ledger.append(NOTE);
  },
  /** Fills the partition with unacknowledged notes until full. */
  fill(): number {
    flash = new NorFlashEmulator(NUMBERS_GEOMETRY);
    ledger = Ledger.mount(flash);
    for (;;) {
      ledger.maintain();
      if (!ledger.append(NOTE).ok) return ledger.headSequence;
    }
  },
  mount(): number {
    ledger = Ledger.mount(flash);
    return ledger.headSequence;
  },
};
