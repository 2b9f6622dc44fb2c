// Runs a scenario (format.ts) on the machine on the desk with npm start's parts (tools/bench/desk.ts):
// the unchanged firmware, the validator simulator on a real pty, the reference bank over real HTTPS with mutual
// TLS and SQLite, the ledger in a NOR image file, all in real time. The steps drive it only
// through the bench's hands (BenchMachine.act) and read it only through what a person at the
// desk could see (the screen, the console, the bank's app and admin API); the firmware object
// is read at the end, for the ledger the invariants compare with the bank and the cassette.
//
// The result (docs/scenario.md) lists the sessions the ledger opened during the run, what the
// bank made of them, and the invariants (invariants.ts); `ok` is false when a step failed, an
// expectation did not hold or an invariant broke.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Key, Screen } from '../../hal/ports';
import { startDesk, type BankRequestSeen, type RunningDesk } from '../bench/desk';
import type { BenchAction } from '../bench/machine-api';
import { BENCH_CONSOLE_SECRETS_HEX } from '../console/bench-secrets';
import { answerChallenge } from '../console/answer';
import { describeMatch, matches, type FieldMatch, type Scenario, type SessionExpectation, type Step } from './format';
import {
  checkInvariants,
  readLedgerEntries,
  type BankReceipt,
  type CreditedNote,
  type InvariantResult,
  type LedgerEntry,
  type MoneyEvidence,
} from '../invariants/money';

/** How often a wait looks again (ms of real time). */
const WAIT_POLL_MS = 10;
/** Between two keys of one step: a quick hand, and every key reaches the loop on its own tick. */
const KEY_GAP_MS = 20;
/** How often a hand tries the card slot again (a closed shutter, a card not yet at the gate). */
const CARD_PUSH_PERIOD_MS = 50;
/** Screens kept for waits and the result; a scenario shows far fewer. */
const SCREEN_HISTORY_MAX = 4_000;
const SCREENS_SEEN_MAX = 200;
/** At the end, the ledger must reach the bank within this (the outbox's longest backoff is 60 s). */
const SYNC_WAIT_MS = 70_000;
/** With --data, how long the start waits for an earlier run's records to reach the bank. */
const START_SYNC_WAIT_MS = 15_000;
/** After power comes back at the end, the firmware recovers an interrupted session within this. */
const SETTLE_WAIT_MS = 10_000;
const LEDGER_RECORDS_MAX = 1_000_000;
const BANK_NOTES_PAGE = 5_000;
const BANK_PAGES_MAX = 200;

export interface SessionResult {
  readonly sessionId: number;
  readonly method: string;
  readonly customerId: string;
  readonly notes: { readonly byDenomination: Record<string, number> };
  /** What the ledger counted as stacked for this session. */
  readonly countedTiyn: number;
  /** The ledger's close record's split; null while the session is open. */
  readonly toBillTiyn: number | null;
  readonly toNextTiyn: number | null;
  /** The customer's next bill at the bank at the end of the run (null for an unknown customer). */
  readonly bankNextBillTiyn: number | null;
  /** The bank's receipt (transaction id), null when it issued none. */
  readonly receiptId: string | null;
  readonly outcome: string;
  readonly doubts: readonly { readonly denominationTenge: number; readonly reason: string }[];
  /** What the session cost the bank link and the ledger (see bankLinkOf). */
  readonly bankLink: BankLinkCost;
}

/**
 * HTTPS requests the firmware started, by kind, and the ledger's bank-ack records. A session owns
 * the ledger's sequences from its opening record to the next session's: its sign-in requests are
 * those started while the ledger's head was below its opening (after the session before it
 * opened), its deposit batches those whose range meets what it owns, its bank-acks the records
 * it owns. `roundTrips` is all of them: authorise, QR start and polls, deposits.
 */
export interface BankLinkCost {
  readonly authorise: number;
  readonly qrStart: number;
  readonly qrPoll: number;
  readonly deposits: number;
  readonly roundTrips: number;
  readonly bankAcks: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly ok: boolean;
  /** Failed steps and unmet expectations, in the order found. */
  readonly failures: readonly string[];
  /** What the runner did beyond the steps (power or network restored for the checks). */
  readonly remarks: readonly string[];
  readonly stepsRun: number;
  readonly wallMs: number;
  readonly sessions: readonly SessionResult[];
  readonly invariants: readonly InvariantResult[];
  /** Screen ids in the order shown (repeats of the same id in a row folded). */
  readonly screensSeen: readonly string[];
  readonly validator: {
    readonly cassetteNotes: number | null;
    readonly rejectedNotes: number | null;
    readonly returnedTenge: readonly number[] | null;
  };
  /** The whole run's requests and bank-acks, sessions or not (a sign-in that opened no session, idle records). */
  readonly bankLink: BankLinkCost;
}

export interface RunOptions {
  /** Reuse this data folder (ledger image and bank books); default a fresh temporary one, removed after. */
  readonly dataDir?: string;
  /** Progress lines (the CLI prints them on stderr). */
  readonly log?: (line: string) => void;
}

class StepFailure extends Error {}

interface SeenScreen {
  readonly id: string;
  readonly fields: Readonly<Record<string, string | number>>;
  readonly qr: string | undefined;
}

const DARK: SeenScreen = Object.freeze({ id: '', fields: {}, qr: undefined });

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the desk shows, step by step: every screen since boot, a cursor for waits, loop halts. */
class Watcher {
  readonly history: SeenScreen[] = [];
  readonly halts: string[] = [];
  readonly screensSeen: string[] = [];
  /** Waits look at history from here: the screen on display at the last action, and all after it. */
  cursor = 0;
  #lastScreen: Screen | undefined | null = null;
  readonly #bench: RunningDesk;
  readonly #sampler: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  readonly #log: (line: string) => void;

  constructor(bench: RunningDesk, log: (line: string) => void) {
    this.#bench = bench;
    this.#log = log;
    this.#unsubscribe = bench.page.onChange(() => this.sample());
    this.#sampler = setInterval(() => this.sample(), WAIT_POLL_MS);
    this.sample();
  }

  sample(): void {
    const firmware = this.#bench.machine.firmware;
    const halt = firmware?.scheduler.halt;
    if (halt !== undefined) {
      const text = `${halt.taskName}: ${halt.message}`;
      if (!this.halts.includes(text)) this.halts.push(text);
    }
    const screen = firmware === undefined ? undefined : this.#bench.page.snapshot().screen;
    if (screen === this.#lastScreen) return;
    this.#lastScreen = screen;
    const seen = screen === undefined ? DARK : { id: screen.id, fields: { ...screen.fields }, qr: screen.qr };
    if (this.history.length >= SCREEN_HISTORY_MAX) {
      this.history.shift();
      this.cursor = Math.max(0, this.cursor - 1);
    }
    this.history.push(seen);
    this.#log(`  screen ${seen.id === '' ? '(dark)' : seen.id} ${JSON.stringify(seen.fields)}`);
    if (this.screensSeen[this.screensSeen.length - 1] !== seen.id && this.screensSeen.length < SCREENS_SEEN_MAX)
      this.screensSeen.push(seen.id);
  }

  current(): SeenScreen {
    return this.history[this.history.length - 1] ?? DARK;
  }

  /** After an action: its effects come after the screen now on display. */
  markAction(): void {
    this.sample();
    this.cursor = Math.max(0, this.history.length - 1);
  }

  /** The first screen at or after the cursor that satisfies `test`; moves the cursor to it. */
  find(test: (screen: SeenScreen) => boolean): SeenScreen | undefined {
    this.sample();
    for (let index = this.cursor; index < this.history.length; index++) {
      if (test(this.history[index])) {
        this.cursor = index;
        return this.history[index];
      }
    }
    return undefined;
  }

  close(): void {
    clearInterval(this.#sampler);
    this.#unsubscribe();
  }
}

/** Runs one scenario on a fresh machine (or the given data folder) and returns its result; never throws for a failed step. */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const startMs = performance.now();
  const log = options.log ?? (() => undefined);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `scenario-${scenario.name}-`));
  const bench = await startDesk({ dataDir });
  const watcher = new Watcher(bench, log);
  try {
    const firmware = bench.machine.firmware;
    if (firmware === undefined) throw new Error('the bench machine did not start its firmware');
    // With --data the boot may first close a session an earlier run left open, and send it:
    // that belongs to the earlier run, so this run's books start after it.
    await poll(SETTLE_WAIT_MS, () => firmware.session.state !== 'recovering');
    await poll(START_SYNC_WAIT_MS, () => isSynced(bench));
    const startHeadSequence = firmware.ledger.headSequence;
    const requestsBefore = bench.bankRequests().length;
    const bankBefore = await bankTotals(bench);
    const failures: string[] = [];
    let stepsRun = 0;
    for (const step of scenario.steps) {
      const stepStartMs = performance.now();
      try {
        await runStep(bench, watcher, step);
        stepsRun += 1;
        log(
          `[${((performance.now() - startMs) / 1000).toFixed(1)} s] ${step.label} ok (${Math.round(performance.now() - stepStartMs)} ms)`,
        );
      } catch (error) {
        // A StepFailure is the machine not doing what the story says; anything else (the bank's
        // app port refusing a request) is reported the same way, so the checks still run.
        const message =
          error instanceof StepFailure ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
        failures.push(`${step.label}: ${message}`);
        log(`${step.label} FAILED: ${message}`);
        break;
      }
    }
    const remarks = await restoreForChecks(bench, watcher, log);
    const evidence = await gatherEvidence(bench, watcher, startHeadSequence, bankBefore, log);
    const requests = bench.bankRequests().slice(requestsBefore);
    const sessions = sessionResults(evidence, requests);
    const truth = bench.validatorTruth();
    const validator = {
      cassetteNotes: truth?.cassetteTenge.length ?? null,
      rejectedNotes: truth?.rejected ?? null,
      returnedTenge: truth === undefined ? null : [...truth.returnedTenge],
    };
    failures.push(...checkExpectations(scenario, sessions, watcher.screensSeen, validator));
    const invariants = checkInvariants(evidence.run);
    return {
      scenario: scenario.name,
      ok: failures.length === 0 && invariants.every((invariant) => invariant.ok),
      failures,
      remarks,
      stepsRun,
      wallMs: Math.round(performance.now() - startMs),
      sessions,
      invariants,
      screensSeen: watcher.screensSeen,
      validator,
      bankLink: bankLinkOf(
        requests,
        evidence.run.ledger.entries.filter((entry) => entry.sequence > startHeadSequence),
        () => true,
      ),
    };
  } finally {
    watcher.close();
    await bench.close();
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ----- steps -----

async function act(bench: RunningDesk, action: BenchAction): Promise<void> {
  const error = await bench.page.act(action);
  if (error !== undefined) throw new StepFailure(`the machine refused it: ${error}`);
}

async function pressKeys(bench: RunningDesk, keys: readonly Key[]): Promise<void> {
  for (const key of keys) {
    await act(bench, { kind: 'key', key });
    await sleep(KEY_GAP_MS);
  }
}

async function runStep(bench: RunningDesk, watcher: Watcher, step: Step): Promise<void> {
  const action = step.action;
  switch (action.kind) {
    case 'press':
      await pressKeys(bench, action.keys);
      break;
    case 'type':
      await pressKeys(bench, [...action.digits] as Key[]);
      break;
    case 'waitScreen':
      return void (await waitFor(step, `screen "${action.screenId}"`, watcher, () =>
        watcher.find((screen) => screen.id === action.screenId),
      ));
    case 'waitField':
      return void (await waitFor(step, describeFields(action.fields), watcher, () =>
        watcher.find((screen) => fieldsMatch(screen, action.fields)),
      ));
    case 'expectField': {
      watcher.sample();
      const screen = watcher.current();
      if (!fieldsMatch(screen, action.fields))
        throw new StepFailure(`expected ${describeFields(action.fields)}, the screen is ${describeScreen(screen)}`);
      return;
    }
    case 'insertCard':
      await actWhenReady(bench, step, { kind: 'insert-card', cardId: action.cardId });
      break;
    case 'tapCard':
      await act(bench, { kind: 'tap-card', cardId: action.cardId });
      break;
    case 'takeCard':
      await actWhenReady(bench, step, { kind: 'take-card' });
      break;
    case 'palm':
      await act(bench, { kind: 'palm', iin: action.who });
      break;
    case 'scanQr':
    case 'cancelQr':
      await phoneOnQr(bench, watcher, step, action.iin, action.kind === 'cancelQr');
      break;
    case 'notes':
      await act(bench, { kind: 'notes', notes: action.notes });
      break;
    case 'power':
      await act(bench, { kind: 'power', on: action.on });
      break;
    case 'network':
      await act(bench, { kind: 'network', up: action.up });
      break;
    case 'jam':
      await act(bench, { kind: 'jam' });
      break;
    case 'cassette':
      await act(bench, { kind: 'cassette', state: action.state });
      break;
    case 'console':
      markConsole(bench); // the reply comes after this: a waitConsole looks from here
      await act(bench, { kind: 'console', line: action.line });
      break;
    case 'login':
      await login(bench, step, action.role);
      break;
    case 'waitConsole': {
      const found = await poll(step.timeoutMs, () => consoleSinceMark(bench).includes(action.text));
      if (!found)
        throw new StepFailure(
          `no "${action.text}" on the console within ${step.timeoutMs} ms; its last lines: ${lastLines(bench.page.consoleText())}`,
        );
      return;
    }
    case 'waitMs':
      await sleep(action.ms);
      return;
    case 'waitSynced': {
      const synced = await poll(step.timeoutMs, () => isSynced(bench));
      if (!synced) throw new StepFailure(`the ledger did not sync within ${step.timeoutMs} ms (${syncText(bench)})`);
      return;
    }
  }
  watcher.markAction();
}

/** Console text written since the last console action. The tap keeps only the last 16 KiB, so the mark is the text's tail then, found again now. */
const consoleMarks = new WeakMap<RunningDesk, string>();
const CONSOLE_ANCHOR_CHARS = 256;

function markConsole(bench: RunningDesk): void {
  consoleMarks.set(bench, bench.page.consoleText().slice(-CONSOLE_ANCHOR_CHARS));
}

function consoleSinceMark(bench: RunningDesk): string {
  const text = bench.page.consoleText();
  const anchor = consoleMarks.get(bench);
  if (anchor === undefined || anchor === '') return text;
  const at = text.lastIndexOf(anchor);
  return at < 0 ? text : text.slice(at + anchor.length);
}

function lastLines(text: string): string {
  return JSON.stringify(
    text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(-3)
      .join(' | '),
  );
}

async function poll(timeoutMs: number, test: () => boolean): Promise<boolean> {
  const untilMs = performance.now() + timeoutMs;
  for (;;) {
    if (test()) return true;
    if (performance.now() >= untilMs) return false;
    await sleep(WAIT_POLL_MS);
  }
}

async function waitFor(
  step: Step,
  what: string,
  watcher: Watcher,
  find: () => SeenScreen | undefined,
): Promise<SeenScreen> {
  let found: SeenScreen | undefined;
  await poll(step.timeoutMs, () => {
    found = find();
    return found !== undefined;
  });
  if (found === undefined)
    throw new StepFailure(`no ${what} within ${step.timeoutMs} ms; the screen is ${describeScreen(watcher.current())}`);
  return found;
}

function fieldsMatch(screen: SeenScreen, fields: Readonly<Record<string, FieldMatch>>): boolean {
  return Object.entries(fields).every(([field, expected]) => matches(screen.fields[field], expected));
}

function describeFields(fields: Readonly<Record<string, FieldMatch>>): string {
  return Object.entries(fields)
    .map(
      ([field, expected]) =>
        `${field} ${typeof expected === 'object' ? describeMatch(expected) : `= ${describeMatch(expected)}`}`,
    )
    .join(', ');
}

function describeScreen(screen: SeenScreen): string {
  if (screen.id === '') return 'dark (no power)';
  return `"${screen.id}" ${JSON.stringify(screen.fields)}`;
}

/**
 * A hand that waits for the machine: a card goes in once the reader opens its shutter (a moment
 * after the card screen appears, when the firmware's enable has crossed the serial line) and
 * comes out once the reader has pushed it to the gate. It tries again until the step's timeout.
 */
async function actWhenReady(bench: RunningDesk, step: Step, action: BenchAction): Promise<void> {
  const untilMs = performance.now() + step.timeoutMs;
  for (;;) {
    const refusal = await bench.page.act(action);
    if (refusal === undefined) return;
    if (performance.now() >= untilMs)
      throw new StepFailure(`the machine refused it for ${step.timeoutMs} ms: ${refusal}`);
    await sleep(CARD_PUSH_PERIOD_MS);
  }
}

/** The phone reads the QR on the screen (waiting for one to appear) and confirms or cancels it in the app. */
async function phoneOnQr(
  bench: RunningDesk,
  watcher: Watcher,
  step: Step,
  iin: string,
  cancel: boolean,
): Promise<void> {
  const shown = await waitFor(step, 'QR code on the screen', watcher, () =>
    watcher.find((screen) => screen.qr !== undefined),
  );
  if (!cancel) return act(bench, { kind: 'phone-scan-qr', iin });
  const reply = await bench.bankApp('POST', '/app/qr/scan', { payload: shown.qr, iin, action: 'cancel' });
  if (reply.status !== 200) throw new StepFailure(`the app says: ${reply.json?.error ?? reply.status}`);
}

/** A technician's login on the console with the bench's public secret (tools/console/bench-secrets.ts). */
async function login(bench: RunningDesk, step: Step, role: 'engineer' | 'collector'): Promise<void> {
  markConsole(bench);
  await act(bench, { kind: 'console', line: `login ${role}` });
  let challenge: RegExpExecArray | null = null;
  await poll(step.timeoutMs, () => {
    challenge = /challenge ([0-9a-f:]{39})/.exec(consoleSinceMark(bench));
    return challenge !== null;
  });
  if (challenge === null)
    throw new StepFailure(`no login challenge on the console; its last lines: ${lastLines(bench.page.consoleText())}`);
  const answer = answerChallenge((challenge as RegExpExecArray)[1], BENCH_CONSOLE_SECRETS_HEX[role]);
  if (!answer.ok) throw new StepFailure(answer.error);
  markConsole(bench);
  await act(bench, { kind: 'console', line: answer.answer });
  const loggedIn = await poll(step.timeoutMs, () => consoleSinceMark(bench).includes(`logged in as ${role}`));
  if (!loggedIn)
    throw new StepFailure(`the console did not log in; its last lines: ${lastLines(bench.page.consoleText())}`);
}

function isSynced(bench: RunningDesk): boolean {
  const firmware = bench.machine.firmware;
  return firmware !== undefined && firmware.ledger.stats().unsyncedRecords === 0;
}

function syncText(bench: RunningDesk): string {
  const firmware = bench.machine.firmware;
  if (firmware === undefined) return 'the power is off';
  return `head ${firmware.ledger.headSequence}, acked ${firmware.ledger.ackedSequence}, unsynced ${firmware.ledger.stats().unsyncedRecords}, outbox ${firmware.outbox.state}`;
}

// ----- the end: evidence, sessions, expectations -----

/** The checks need the firmware running and the bank reachable: a scenario that ends without them gets them back, and says so. */
async function restoreForChecks(bench: RunningDesk, watcher: Watcher, log: (line: string) => void): Promise<string[]> {
  const remarks: string[] = [];
  const snapshot = bench.page.snapshot();
  if (snapshot.power === 'off') {
    remarks.push('the scenario ended with the power off: the runner switched it on for the checks');
    await bench.page.act({ kind: 'power', on: true });
  }
  if (snapshot.network === 'down') {
    remarks.push('the scenario ended with the network down: the runner brought it up for the checks');
    await bench.page.act({ kind: 'network', up: true });
  }
  // A session interrupted by a power cut is closed by the recovery at boot before anything else.
  await poll(SETTLE_WAIT_MS, () => bench.machine.firmware?.session.state !== 'recovering');
  log('waiting for the ledger to reach the bank');
  if (!(await poll(SYNC_WAIT_MS, () => isSynced(bench))))
    remarks.push(`the ledger did not sync within ${SYNC_WAIT_MS} ms (${syncText(bench)})`);
  watcher.sample();
  return remarks;
}

interface BankTotals {
  readonly storedSequence: number;
  readonly doubts: number;
  readonly receipts: number;
  readonly anomalies: readonly string[];
}

async function bankTotals(bench: RunningDesk): Promise<BankTotals> {
  const reply = await bench.bankApp('GET', `/admin/totals?atmId=${encodeURIComponent(bench.atmId)}`);
  if (reply.status !== 200) throw new Error(`the bank's /admin/totals answered ${reply.status}`);
  return reply.json as BankTotals;
}

async function bankNotesAfter(bench: RunningDesk, afterSequence: number): Promise<CreditedNote[]> {
  const notes: CreditedNote[] = [];
  let after = afterSequence;
  for (let page = 0; page < BANK_PAGES_MAX; page++) {
    const reply = await bench.bankApp(
      'GET',
      `/admin/notes?atmId=${encodeURIComponent(bench.atmId)}&afterSequence=${after}&limit=${BANK_NOTES_PAGE}`,
    );
    if (reply.status !== 200) throw new Error(`the bank's /admin/notes answered ${reply.status}`);
    const pageNotes = reply.json.notes as string[];
    if (pageNotes.length === 0) return notes;
    for (const note of pageNotes) {
      const [sequence, sessionId, denominationTenge] = note.split(':').map(Number);
      notes.push({ sequence, sessionId, denominationTenge });
    }
    after = notes[notes.length - 1].sequence;
  }
  throw new Error(`more than ${BANK_PAGES_MAX} pages of notes at the bank`);
}

interface Evidence {
  readonly run: MoneyEvidence;
  /** The bank's view of each customer the run's sessions belong to. */
  readonly accounts: ReadonlyMap<string, { readonly nextBillTiyn: number }>;
}

function readLedger(bench: RunningDesk): MoneyEvidence['ledger'] {
  const firmware = bench.machine.firmware;
  if (firmware === undefined) throw new Error('no firmware running to read the ledger from');
  const ledger = firmware.ledger;
  return {
    headSequence: ledger.headSequence,
    ackedSequence: ledger.ackedSequence,
    entries: readLedgerEntries(ledger, LEDGER_RECORDS_MAX),
  };
}

async function gatherEvidence(
  bench: RunningDesk,
  watcher: Watcher,
  startHeadSequence: number,
  before: BankTotals,
  log: (line: string) => void,
): Promise<Evidence> {
  log('gathering the evidence: ledger, bank, cassette');
  const ledger = readLedger(bench);
  const after = await bankTotals(bench);
  const notes = await bankNotesAfter(bench, startHeadSequence);
  const sessionCustomers = new Map<number, string>();
  for (const { sequence, record } of ledger.entries) {
    if (sequence > startHeadSequence && record.kind === 'session-opened')
      sessionCustomers.set(record.sessionId, record.customerId);
  }
  const accounts = new Map<
    string,
    { nextBillTiyn: number; receipts: { transactionId: string; depositedTiyn: number }[] }
  >();
  for (const customerId of new Set(sessionCustomers.values())) {
    // By customer id, so a customer added to the bank's books is found as well as the demo ones.
    const reply = await bench.bankApp('GET', `/admin/customers/${encodeURIComponent(customerId)}`);
    if (reply.status !== 200) continue;
    accounts.set(customerId, {
      nextBillTiyn: reply.json.bill.nextBillTiyn,
      receipts: (reply.json.receipts ?? []).map((receipt: { transactionId: string; depositedTiyn: number }) => ({
        transactionId: String(receipt.transactionId),
        depositedTiyn: receipt.depositedTiyn,
      })),
    });
  }
  const receipts: BankReceipt[] = [];
  for (const [sessionId, customerId] of sessionCustomers) {
    // The bank's transaction id is the ATM id and the session's opening sequence (API.md).
    const transactionId = `${bench.atmId}-${sessionId}`;
    for (const receipt of accounts.get(customerId)?.receipts ?? []) {
      if (receipt.transactionId === transactionId)
        receipts.push({ sessionId, receiptId: transactionId, depositedTiyn: receipt.depositedTiyn });
    }
  }
  const truth = bench.validatorTruth();
  return {
    accounts,
    run: {
      atmId: bench.atmId,
      startHeadSequence,
      ledger,
      bank: {
        storedSequence: after.storedSequence,
        credited: notes,
        doubtsGained: after.doubts - before.doubts,
        receiptsGained: after.receipts - before.receipts,
        anomaliesGained: after.anomalies.filter((anomaly) => !before.anomalies.includes(anomaly)),
        receipts,
      },
      cassette:
        truth === undefined ? undefined : truth.cassetteTenge.map((denominationTenge) => ({ denominationTenge })),
      firmwareCassette: firmwareCassette(bench),
      halts: [...watcher.halts],
    },
  };
}

/** What the firmware counts in the cassette (undefined with the power off). */
function firmwareCassette(bench: RunningDesk): MoneyEvidence['firmwareCassette'] {
  const cassette = bench.machine.firmware?.session.cassette;
  return cassette === undefined ? undefined : { notes: cassette.notes, doubtfulNotes: cassette.doubtfulNotes };
}

/** The requests and bank-ack records `owns` says are a session's (all of them for the run's total). */
function bankLinkOf(
  requests: readonly BankRequestSeen[],
  entries: readonly LedgerEntry[],
  owns: (request: BankRequestSeen) => boolean,
): BankLinkCost {
  const count = (kind: BankRequestSeen['kind']) =>
    requests.filter((request) => request.kind === kind && owns(request)).length;
  const [authorise, qrStart, qrPoll, deposits] = [
    count('authorise'),
    count('qr-start'),
    count('qr-poll'),
    count('deposits'),
  ];
  const bankAcks = entries.filter((entry) => entry.record.kind === 'bank-ack').length;
  return { authorise, qrStart, qrPoll, deposits, roundTrips: authorise + qrStart + qrPoll + deposits, bankAcks };
}

/** Each session's share of the run's requests and bank-acks: it owns the sequences from its opening to the next session's. */
export function sessionCosts(
  sessionIds: readonly number[],
  requests: readonly BankRequestSeen[],
  entries: readonly LedgerEntry[],
): Map<number, BankLinkCost> {
  const opened = [...sessionIds].sort((a, b) => a - b);
  const costs = new Map<number, BankLinkCost>();
  opened.forEach((first, index) => {
    const last = index + 1 < opened.length ? opened[index + 1] - 1 : Number.MAX_SAFE_INTEGER;
    const earlier = index > 0 ? opened[index - 1] : 0;
    const owns = (request: BankRequestSeen) =>
      request.kind === 'deposits'
        ? request.fromSequence <= last && request.toSequence >= first
        : request.ledgerHead < first && request.ledgerHead >= earlier;
    costs.set(
      first,
      bankLinkOf(
        requests,
        entries.filter((entry) => entry.sequence >= first && entry.sequence <= last),
        owns,
      ),
    );
  });
  return costs;
}

function sessionResults(evidence: Evidence, requests: readonly BankRequestSeen[]): SessionResult[] {
  const sessions = new Map<
    number,
    {
      sessionId: number;
      method: string;
      customerId: string;
      byDenomination: Record<string, number>;
      countedTiyn: number;
      toBillTiyn: number | null;
      toNextTiyn: number | null;
      outcome: string;
      doubts: { denominationTenge: number; reason: string }[];
    }
  >();
  for (const { sequence, record } of evidence.run.ledger.entries) {
    if (sequence <= evidence.run.startHeadSequence) continue;
    if (record.kind === 'session-opened') {
      sessions.set(record.sessionId, {
        sessionId: record.sessionId,
        method: record.method,
        customerId: record.customerId,
        byDenomination: {},
        countedTiyn: 0,
        toBillTiyn: null,
        toNextTiyn: null,
        outcome: 'open',
        doubts: [],
      });
      continue;
    }
    if (!('sessionId' in record)) continue;
    const session = sessions.get(record.sessionId);
    if (session === undefined) continue; // a session opened before this run
    if (record.kind === 'note-stacked') {
      const key = String(record.denominationTenge);
      session.byDenomination[key] = (session.byDenomination[key] ?? 0) + 1;
      session.countedTiyn += record.denominationTenge * 100;
    } else if (record.kind === 'session-closed') {
      session.toBillTiyn = record.toBillTiyn;
      session.toNextTiyn = record.toNextTiyn;
      session.outcome = record.outcome;
    } else if (record.kind === 'doubt') {
      session.doubts.push({ denominationTenge: record.denominationTenge, reason: record.reason });
    }
  }
  const runEntries = evidence.run.ledger.entries.filter((entry) => entry.sequence > evidence.run.startHeadSequence);
  const costs = sessionCosts([...sessions.keys()], requests, runEntries);
  return [...sessions.values()].map((session) => {
    const receipt = evidence.run.bank.receipts.find((candidate) => candidate.sessionId === session.sessionId);
    return {
      sessionId: session.sessionId,
      method: session.method,
      customerId: session.customerId,
      notes: { byDenomination: session.byDenomination },
      countedTiyn: session.countedTiyn,
      toBillTiyn: session.toBillTiyn,
      toNextTiyn: session.toNextTiyn,
      bankNextBillTiyn: evidence.accounts.get(session.customerId)?.nextBillTiyn ?? null,
      receiptId: receipt?.receiptId ?? null,
      outcome: session.outcome,
      doubts: session.doubts,
      bankLink: costs.get(session.sessionId)!,
    };
  });
}

/** The scenario's "expect" against what happened; one message per unmet expectation. */
export function checkExpectations(
  scenario: Scenario,
  sessions: readonly SessionResult[],
  screensSeen: readonly string[],
  validator: ScenarioResult['validator'],
): string[] {
  const failures: string[] = [];
  const expected = scenario.expect;
  if (expected.sessions !== undefined) {
    if (expected.sessions.length !== sessions.length) {
      failures.push(`expected ${expected.sessions.length} sessions, the ledger opened ${sessions.length}`);
    }
    expected.sessions.forEach((expectation, index) => {
      const session = sessions[index];
      if (session !== undefined)
        failures.push(...sessionMismatches(expectation, session, `session ${index + 1} (id ${session.sessionId})`));
    });
  }
  let from = 0;
  for (const id of expected.screensSeen ?? []) {
    const at = screensSeen.indexOf(id, from);
    if (at < 0) {
      failures.push(
        `expected screen "${id}" ${from > 0 ? `after "${screensSeen[from - 1]}"` : ''}; screens seen: ${screensSeen.join(' → ')}`,
      );
      break;
    }
    from = at + 1;
  }
  for (const [name, wanted] of Object.entries(expected.validator ?? {})) {
    const actual = validator[name as 'rejectedNotes' | 'cassetteNotes'];
    if (wanted !== undefined && !matches(actual, wanted))
      failures.push(`validator: ${name} is ${JSON.stringify(actual)}, expected ${describeMatch(wanted)}`);
  }
  return failures;
}

function sessionMismatches(expectation: SessionExpectation, session: SessionResult, label: string): string[] {
  const failures: string[] = [];
  const check = (name: string, actual: string | number | null, wanted: FieldMatch | undefined) => {
    if (wanted !== undefined && !matches(actual, wanted))
      failures.push(`${label}: ${name} is ${JSON.stringify(actual)}, expected ${describeMatch(wanted)}`);
  };
  check('method', session.method, expectation.method);
  check('outcome', session.outcome, expectation.outcome);
  check('countedTiyn', session.countedTiyn, expectation.countedTiyn);
  check('toBillTiyn', session.toBillTiyn, expectation.toBillTiyn);
  check('toNextTiyn', session.toNextTiyn, expectation.toNextTiyn);
  check('bankNextBillTiyn', session.bankNextBillTiyn, expectation.bankNextBillTiyn);
  check('doubts', session.doubts.length, expectation.doubts);
  check('roundTrips', session.bankLink.roundTrips, expectation.roundTrips);
  check('deposits', session.bankLink.deposits, expectation.deposits);
  check('bankAcks', session.bankLink.bankAcks, expectation.bankAcks);
  if (expectation.receipt !== undefined && (session.receiptId !== null) !== expectation.receipt) {
    failures.push(`${label}: receipt ${session.receiptId ?? 'none'}, expected ${expectation.receipt ? 'one' : 'none'}`);
  }
  if (expectation.notes !== undefined) {
    const actual = session.notes.byDenomination;
    const same = Object.keys({ ...actual, ...expectation.notes }).every(
      (tenge) => (actual[tenge] ?? 0) === (expectation.notes![tenge] ?? 0),
    );
    if (!same)
      failures.push(`${label}: notes ${JSON.stringify(actual)}, expected ${JSON.stringify(expectation.notes)}`);
  }
  return failures;
}
