import type { Board } from '../hal/ports';
import { BankClient } from './bank/bank-client';
import { Outbox, type SyncDemand } from './bank/outbox';
import { CardReaderDriver } from './card/driver';
import { CcnetDriver } from './cash/ccnet-driver';
import { ConfigStore } from './config/config';
import { readCardTokenKey, readIdentity, type MachineIdentity } from './config/identity';
import { ConsoleTask } from './console/console';
import { palmOffered, ALAQAN_CITIES_DEFAULT } from './kz/alaqan';
import { Ledger } from './ledger/ledger';
import { LedgerMaintenanceTask } from './ledger/task';
import { EventLog } from './log/event-log';
import { Scheduler } from './loop/scheduler';
import { firmwareMachineView } from './machine-view';
import { SessionTask } from './session/session';

/** The loop's tick: short enough to answer the bill validator within CCNET's 10 ms. */
export const LOOP_TICK_MS = 5;
/** The watchdog restarts the board when the loop has not fed it for this long. */
export const WATCHDOG_TIMEOUT_MS = 4000;
/** A CashCode drop cassette holds about 1 000 notes; the session stops short of it. */
export const CASSETTE_CAPACITY_NOTES = 1000;
/**
 * The outbox's name for a machine with no ATM id. It never leaves the board: with no ATM id the
 * outbox may not start a batch and the bank client sends nothing (BankClient.closed).
 */
const NO_ATM_ID = 'not-provisioned';

export interface Firmware {
  readonly scheduler: Scheduler;
  readonly console: ConsoleTask;
  readonly session: SessionTask;
  readonly ledger: Ledger;
  readonly validator: CcnetDriver;
  readonly cardReader: CardReaderDriver;
  readonly bank: BankClient;
  readonly outbox: Outbox;
  readonly config: ConfigStore;
  readonly identity: MachineIdentity;
  readonly log: EventLog;
  stop(): void;
}

/** The one entry point: wires the board's ports to the tasks and starts the loop. */
export function startFirmware(board: Board): Firmware {
  const config = new ConfigStore(board.settings);
  const log = new EventLog(board.clock);
  const identity = readIdentity(board.provisioning);
  const atmId = identity.atmId;
  if (atmId === undefined)
    log.record('identity', `${identity.atmIdProblem}: out of service, nothing is sent to the bank`);
  const ledger = Ledger.mount(board.ledgerFlash, { crc: board.crc });
  log.record(
    'ledger',
    `mounted: head ${ledger.headSequence}, acked ${ledger.ackedSequence}, skipped ${ledger.mountReport.skipped}`,
  );
  const validator = new CcnetDriver(board.validatorLine, board.clock, { crc: board.crc });
  const tokenKey = readCardTokenKey(board.provisioning).key;
  const cardReader = new CardReaderDriver(board.cardReaderLine, board.crypto, {
    contactlessEnabled: () => config.current.contactlessEnabled,
    tokenKey,
  });
  if (tokenKey === undefined) log.record('card', identity.cardTokenKeyProblem);
  const bank = new BankClient(board.bank, board.clock, atmId);
  // The outbox asks the session what its customer needs of the sync (read only from the loop, once both exist).
  const outbox: Outbox = new Outbox(ledger, bank, board.random, atmId ?? NO_ATM_ID, {
    mayStart: () => atmId !== undefined,
    log,
    demand: (): SyncDemand => session.syncDemand,
  });
  const session: SessionTask = new SessionTask({
    clock: board.clock,
    display: board.display,
    keypad: board.keypad,
    palm: board.palm,
    ledger,
    bank,
    devices: { acceptor: validator, cardReader },
    config: {
      languages: config.current.languages,
      palmOffered: () =>
        config.current.alaqanEnabled && palmOffered(config.current.city, ALAQAN_CITIES_DEFAULT, board.palm.health()),
      cardOffered: () => tokenKey !== undefined,
      cassetteCapacityNotes: CASSETTE_CAPACITY_NOTES,
      outOfService: () => (atmId === undefined ? 'not-provisioned' : undefined),
    },
    log,
    settings: board.settings,
    sync: outbox,
  });
  const view = firmwareMachineView({
    board,
    ledger,
    validator,
    cardReader,
    outbox,
    session,
    identity,
    capacityNotes: CASSETTE_CAPACITY_NOTES,
  });
  const consoleTask = new ConsoleTask(board, { view, config, identity, log });
  const scheduler = new Scheduler(board.clock, board.watchdog, [
    validator,
    cardReader,
    session,
    bank,
    outbox,
    new LedgerMaintenanceTask(ledger),
    consoleTask,
  ]);
  consoleTask.attach(scheduler);
  board.watchdog.enable(WATCHDOG_TIMEOUT_MS);
  board.ticker.start(LOOP_TICK_MS, () => scheduler.tick());
  return {
    scheduler,
    console: consoleTask,
    session,
    ledger,
    validator,
    cardReader,
    bank,
    outbox,
    config,
    identity,
    log,
    stop: () => board.ticker.stop(),
  };
}
