import type { Board, Settings } from '../hal/ports';
import { BankClient } from './bank/bank-client';
import { bytesOfHex } from './bytes';
import { Outbox } from './bank/outbox';
import { CARD_TOKEN_KEY_SETTING, CardReaderDriver } from './card/driver';
import { CcnetDriver } from './cash/ccnet-driver';
import { ConfigStore } from './config/config';
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
const TOKEN_KEY_BYTES = 32;

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
  readonly log: EventLog;
  stop(): void;
}

/** The one entry point: wires the board's ports to the tasks and starts the loop. */
export function startFirmware(board: Board): Firmware {
  const config = new ConfigStore(board.settings);
  const log = new EventLog(board.clock);
  const atmId = config.current.atmId;
  const ledger = Ledger.mount(board.ledgerFlash);
  log.record('ledger', `mounted: head ${ledger.headSequence}, acked ${ledger.ackedSequence}, skipped ${ledger.mountReport.skipped}`);
  const validator = new CcnetDriver(board.validatorLine, board.clock);
  const tokenKey = provisionedKey(board.settings);
  const cardReader = new CardReaderDriver(board.cardReaderLine, board.crypto, {
    contactlessEnabled: () => config.current.contactlessEnabled, tokenKey: tokenKey ?? new Uint8Array(TOKEN_KEY_BYTES),
  });
  if (tokenKey === undefined) log.record('card', 'no card-token key provisioned: card sign-in not offered');
  const bank = new BankClient(board.bank, board.clock, atmId);
  const session = new SessionTask({
    clock: board.clock, display: board.display, keypad: board.keypad, palm: board.palm, ledger, bank,
    devices: { acceptor: validator, cardReader },
    config: {
      languages: config.current.languages,
      palmOffered: () => config.current.alaqanEnabled && palmOffered(config.current.city, ALAQAN_CITIES_DEFAULT, board.palm.health()),
      cardOffered: () => tokenKey !== undefined,
      cassetteCapacityNotes: CASSETTE_CAPACITY_NOTES,
    },
    log,
    settings: board.settings,
  });
  const outbox = new Outbox(ledger, bank, board.random, atmId, { log });
  const view = firmwareMachineView({ board, ledger, validator, cardReader, outbox, session, capacityNotes: CASSETTE_CAPACITY_NOTES });
  const consoleTask = new ConsoleTask(board, { view, config, log });
  const scheduler = new Scheduler(board.clock, board.watchdog, [
    validator, cardReader, session, bank, outbox, new LedgerMaintenanceTask(ledger), consoleTask,
  ]);
  consoleTask.attach(scheduler);
  board.watchdog.enable(WATCHDOG_TIMEOUT_MS);
  board.ticker.start(LOOP_TICK_MS, () => scheduler.tick());
  return {
    scheduler, console: consoleTask, session, ledger, validator, cardReader, bank, outbox, config, log,
    stop: () => board.ticker.stop(),
  };
}

/** The card-token key shared with the bank, provisioned as 64 hex digits; undefined when absent or malformed. */
function provisionedKey(settings: Settings): Uint8Array | undefined {
  const key = bytesOfHex(settings.get(CARD_TOKEN_KEY_SETTING) ?? '');
  return key?.length === TOKEN_KEY_BYTES ? key : undefined;
}
