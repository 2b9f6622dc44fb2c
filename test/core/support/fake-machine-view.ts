// A small fake machine for the console's tests: devices, a ledger of a few records holding
// customer numbers the console must mask,
// a bank sync that failed, a cassette, and a collection that closes the period.
// Pure TypeScript: the core tests use it inside XS too.
import type {
  CassetteReport,
  CollectResult,
  DenominationCount,
  DeviceReport,
  LedgerRecordView,
  LedgerSummary,
  LedgerVerifyReport,
  MachineView,
  SelftestItem,
  SyncNowResult,
  SyncStatus,
} from '../../../src/console/machine-view';
import { DENOMINATIONS_TENGE } from '../../../src/domain';

/** A valid IIN (check digit 6 by the rule in reference/kazakhstan.md) and a 16-digit card number. */
export const FAKE_IIN = '900101300126';
export const FAKE_CARD = '4400430212345678';
export const FAKE_TOKEN = 'dGhpcyBpcyBhIHNlY3JldCB0b2tlbg';

export class FakeMachineView implements MachineView {
  readonly records: LedgerRecordView[] = [
    { sequence: 1, type: 'session', wallMs: 1_764_151_200_000, fields: { auth: 'iin', iin: FAKE_IIN } },
    { sequence: 2, type: 'note', wallMs: 1_764_151_210_000, fields: { denominationTenge: 5000 } },
    { sequence: 3, type: 'deposit', wallMs: 1_764_151_220_000, fields: { card: FAKE_CARD, amountTiyn: 500_000 } },
    { sequence: 4, type: 'ack', wallMs: 1_764_151_230_000, fields: { bankToken: FAKE_TOKEN, through: 3 } },
    {
      sequence: 5,
      type: 'deposit',
      wallMs: Number.NaN,
      fields: { iin: `${FAKE_IIN.slice(0, 6)} ${FAKE_IIN.slice(6)}`, amountTiyn: 2_000_000 },
    },
  ];
  cassetteCounts: DenominationCount[] = [
    { denominationTenge: 1000, notes: 3 },
    { denominationTenge: 5000, notes: 2 },
    { denominationTenge: 20_000, notes: 1 },
  ];
  verifyProblems: string[] = [];
  syncInFlight = false;
  collectFails = false;
  /** A customer's session in progress (its state), or undefined for an idle machine. */
  sessionState: string | undefined = undefined;
  collections = 0;

  devices(): readonly DeviceReport[] {
    return [
      {
        name: 'validator',
        state: 'ok',
        summary: 'CCNET bulk acceptor, firmware 1.2.3',
        details: [`bill table: ${DENOMINATIONS_TENGE.join(' ')} KZT`, 'recent faults: none'],
      },
      { name: 'card-reader', state: 'fault', summary: 'no answer for 3 polls', details: [`last card ${FAKE_CARD}`] },
      { name: 'palm', state: 'ok', summary: 'Alaqan camera ready', details: [] },
    ];
  }

  ledgerSummary(): LedgerSummary {
    return {
      capacityRecords: 4096,
      usedRecords: this.records.length,
      tailSequence: 1,
      headSequence: this.records.length + 1,
      unsyncedRecords: 2,
      ackedSequence: 3,
    };
  }

  ledgerRecords(fromSequence: number, count: number, visit: (record: LedgerRecordView) => void): number {
    let visited = 0;
    for (const record of this.records) {
      if (record.sequence < fromSequence || visited === count) continue;
      visit(record);
      visited++;
    }
    return visited;
  }

  verifyLedger(): LedgerVerifyReport {
    return { ok: this.verifyProblems.length === 0, recordsChecked: this.records.length, problems: this.verifyProblems };
  }

  syncStatus(): SyncStatus {
    return {
      queuedRecords: 2,
      inFlight: this.syncInFlight,
      ackedSequence: 3,
      lastError: `tls: bad certificate for token ${FAKE_TOKEN}`,
      lastAttemptWallMs: 1_764_151_240_000,
      nextAttemptInMs: 30_000,
      bankAnomalies: 0,
      lastAnomaly: '',
    };
  }

  syncNow(): SyncNowResult {
    if (this.syncInFlight) return { started: false, reason: 'a batch is already in flight' };
    this.syncInFlight = true;
    return { started: true };
  }

  cassette(): CassetteReport {
    return {
      sinceWallMs: this.collections === 0 ? Number.NaN : 1_764_151_300_000,
      byDenomination: this.cassetteCounts,
      doubtfulNotes: 0,
      capacityNotes: 2200,
    };
  }

  collect(): CollectResult {
    if (this.collectFails) return { ok: false, error: 'ledger full of unsynced records' };
    const tiyn = this.cassetteCounts.reduce((sum, count) => sum + count.denominationTenge * count.notes * 100, 0);
    const report = {
      recordSequence: this.records.length + 1,
      fromSequence: 1,
      toSequence: this.records.length,
      byDenomination: this.cassetteCounts,
      cassetteTiyn: tiyn,
      ledgerTiyn: tiyn,
      sentToBankTiyn: tiyn - 500_000,
      doubtfulNotes: 0,
    };
    this.cassetteCounts = [];
    this.collections++;
    return { ok: true, report };
  }

  customerSession(): string | undefined {
    return this.sessionState;
  }

  selftest(): readonly SelftestItem[] {
    return [
      { name: 'validator', ok: true, detail: 'answered IDENTIFICATION' },
      { name: 'card-reader', ok: false, detail: 'no answer' },
    ];
  }
}
