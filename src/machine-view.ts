// The console's view of the machine (src/console/machine-view.ts) over the real parts: the
// ledger, the validator, the card reader, the outbox and the session's cassette count.

import type { Board } from '../hal/ports';
import type { Outbox } from './bank/outbox';
import type { CardReaderDriver } from './card/driver';
import type { MachineIdentity } from './config/identity';
import type { CcnetDriver } from './cash/ccnet-driver';
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
  SyncStatus,
} from './console/machine-view';
import { DENOMINATIONS_TENGE } from './domain';
import type { Ledger } from './ledger/ledger';
import type { LedgerRecord } from './ledger/records';
import { forEachRecord } from './ledger/walk';
import type { SessionTask } from './session/session';

/** A typical record's size on flash (tools/ledger/README.md: ~13 bytes), for the console's capacity estimate. */
const RECORD_BYTES_TYPICAL = 14;

export interface MachineParts {
  readonly board: Board;
  readonly ledger: Ledger;
  readonly validator: CcnetDriver;
  readonly cardReader: CardReaderDriver;
  readonly outbox: Outbox;
  readonly session: SessionTask;
  readonly identity: MachineIdentity;
  readonly capacityNotes: number;
}

export function firmwareMachineView(parts: MachineParts): MachineView {
  const { board, ledger, validator, cardReader, outbox, session, identity } = parts;
  // With no ATM id nothing is sent: the sync queue says why instead of waiting silently.
  const unprovisioned =
    identity.atmId === undefined ? `${identity.atmIdProblem}: nothing is sent to the bank` : undefined;
  return {
    devices: () => devices(parts),
    ledgerSummary: (): LedgerSummary => {
      const stats = ledger.stats();
      return {
        capacityRecords: Math.floor(stats.capacityBytes / RECORD_BYTES_TYPICAL),
        usedRecords: ledger.headSequence - ledger.tailSequence + 1,
        tailSequence: ledger.tailSequence,
        headSequence: ledger.headSequence,
        unsyncedRecords: stats.unsyncedRecords,
        ackedSequence: ledger.ackedSequence,
      };
    },
    ledgerRecords: (fromSequence, count, visit) =>
      ledger.readFrom(Math.max(fromSequence, ledger.tailSequence), count, (sequence, record) =>
        visit(recordView(sequence, record)),
      ),
    verifyLedger: () => verifyLedger(ledger),
    syncStatus: (): SyncStatus => ({
      queuedRecords: outbox.unsentRecords,
      inFlight: outbox.state === 'sending',
      held: outbox.holding,
      ackedSequence: ledger.ackedSequence,
      lastError: unprovisioned ?? outbox.lastError ?? '',
      lastAttemptWallMs: Number.NaN,
      nextAttemptInMs: outbox.nextAttemptInMs(board.clock.monotonicMs()),
      bankAnomalies: outbox.bankAnomalies,
      lastAnomaly: outbox.lastAnomaly,
    }),
    syncNow: () => {
      if (unprovisioned !== undefined) return { started: false, reason: unprovisioned };
      return outbox.retryNow() ? { started: true } : { started: false, reason: 'a batch is already in flight' };
    },
    cassette: (): CassetteReport => ({
      sinceWallMs: currentPeriod(ledger).wallMs,
      byDenomination: byDenomination(session),
      doubtfulNotes: session.cassette.doubtfulNotes,
      capacityNotes: parts.capacityNotes,
    }),
    collect: () => collect(parts),
    customerSession: () => (session.idle ? undefined : session.state),
    selftest: (): SelftestItem[] => [
      {
        name: 'ledger',
        ok: !ledger.failed,
        detail: ledger.failed ? 'flash error: restart to remount' : `head ${ledger.headSequence}`,
      },
      {
        name: 'validator',
        ok: validator.status() !== 'fault' && validator.status() !== 'unknown',
        detail: validator.status(),
      },
      { name: 'card-reader', ok: cardReader.status().state !== 'fault', detail: cardReader.status().state },
    ],
  };
}

function devices(parts: MachineParts): DeviceReport[] {
  const { validator, cardReader, board } = parts;
  const acceptorStatus = validator.status();
  const card = cardReader.status();
  const palmHealth = board.palm.health();
  return [
    {
      name: 'validator',
      state:
        acceptorStatus === 'fault'
          ? 'fault'
          : acceptorStatus === 'unknown' || acceptorStatus === 'starting'
            ? 'unknown'
            : 'ok',
      summary: `${acceptorStatus}; ${validator.identification() || 'not identified yet'}`,
      details: [
        `bill table: ${validator.denominationsTenge().join(' ') || 'not read yet'}`,
        ...(validator.stats.tableEntriesRefused === 0
          ? []
          : [
              `bill table: ${validator.stats.tableEntriesRefused} tenge entries that are no note in circulation, never enabled`,
            ]),
        `polls ${validator.stats.polls}, bad answers ${validator.stats.badAnswers}, timeouts ${validator.stats.timeouts}, resets ${validator.stats.resets}`,
        `poll deviation worst ${validator.stats.pollDeviationWorstMs.toFixed(1)} ms`,
      ],
    },
    {
      name: 'card-reader',
      state: card.state === 'fault' ? 'fault' : card.state === 'starting' ? 'unknown' : 'ok',
      summary: `${card.state}; card ${card.cardPosition}; contactless ${card.contactlessEnabled ? 'on' : 'off (by configuration)'}`,
      details: [
        `cards read ${card.cardsRead}, retained ${card.cardsRetained}, link failures ${card.linkFailures}, timeouts ${card.timeouts}`,
        `last fault: ${card.lastFault || 'none'}`,
      ],
    },
    {
      name: 'palm',
      state: palmHealth === 'ready' ? 'ok' : palmHealth,
      summary: `Alaqan camera ${palmHealth}`,
      details: [],
    },
  ];
}

function recordView(sequence: number, record: LedgerRecord): LedgerRecordView {
  const fields: Record<string, string | number> = {};
  let wallMs = Number.NaN;
  for (const [name, value] of Object.entries(record)) {
    if (name === 'kind') continue;
    if (name === 'wallMs') wallMs = value as number;
    else fields[name] = value as string | number;
  }
  return { sequence, type: record.kind, wallMs, fields };
}

function verifyLedger(ledger: Ledger): LedgerVerifyReport {
  const problems: string[] = [];
  let expected = ledger.tailSequence;
  forEachRecord(ledger, (sequence) => {
    if (sequence !== expected) problems.push(`sequence ${sequence} where ${expected} was expected`);
    expected = sequence + 1;
  });
  if (expected !== ledger.headSequence + 1) problems.push(`records ${expected}..${ledger.headSequence} unreadable`);
  if (ledger.failed) problems.push('flash error since mount: restart to remount');
  const checked = expected - ledger.tailSequence;
  return { ok: problems.length === 0, recordsChecked: checked, problems: [...problems, ...ledger.mountReport.notes] };
}

function byDenomination(session: SessionTask): DenominationCount[] {
  return DENOMINATIONS_TENGE.map((denominationTenge) => ({
    denominationTenge,
    notes: session.cassette.notesOf(denominationTenge),
  })).filter((count) => count.notes > 0);
}

/** The collection period: from the last cassette-collected record (or the tail) to the head, in one pass. */
function currentPeriod(ledger: Ledger): {
  fromSequence: number;
  wallMs: number;
  ledgerTiyn: number;
  sentToBankTiyn: number;
} {
  const period = { fromSequence: ledger.tailSequence, wallMs: Number.NaN, ledgerTiyn: 0, sentToBankTiyn: 0 };
  const acked = ledger.ackedSequence;
  forEachRecord(ledger, (sequence, record) => {
    if (record.kind === 'cassette-collected') {
      Object.assign(period, { fromSequence: sequence + 1, wallMs: record.wallMs, ledgerTiyn: 0, sentToBankTiyn: 0 });
    } else if (record.kind === 'note-stacked') {
      period.ledgerTiyn += record.denominationTenge * 100;
      if (sequence <= acked) period.sentToBankTiyn += record.denominationTenge * 100;
    }
  });
  return period;
}

function collect(parts: MachineParts): CollectResult {
  const { ledger, session, board } = parts;
  if (!session.idle)
    return { ok: false, error: `a customer session is in progress (${session.state}); collect when idle` };
  const period = currentPeriod(ledger);
  const cassette = session.cassette;
  const report = {
    byDenomination: byDenomination(session),
    cassetteTiyn: cassette.amountTiyn,
    ledgerTiyn: period.ledgerTiyn,
    sentToBankTiyn: period.sentToBankTiyn,
    doubtfulNotes: cassette.doubtfulNotes,
  };
  const written = ledger.append({
    kind: 'cassette-collected',
    notes: cassette.notes,
    amountTiyn: cassette.amountTiyn,
    wallMs: board.clock.wallMs(),
  });
  if (!written.ok) return { ok: false, error: `ledger refused the collection record: ${written.error}` };
  cassette.reset(written.sequence);
  return {
    ok: true,
    report: {
      recordSequence: written.sequence,
      fromSequence: period.fromSequence,
      toSequence: written.sequence - 1,
      ...report,
    },
  };
}
