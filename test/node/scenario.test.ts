// The scenario runner (tools/scenario): its file format's checks, three scenarios on the real machine on
// the desk (firmware, validator on a pty, the bank over mutual TLS), and the command line's exit
// codes. Expected amounts come from the FAQ and the bank's API (tools/bank/API.md), not from
// the runner's own output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { iinCheckDigit } from '../../src/kz/iin';
import { parseScenario, parseScenarioText, ScenarioFormatError, STEP_KINDS } from '../../tools/scenario/format';
import { loadScenario } from '../../tools/scenario/run';
import type { BankRequestSeen } from '../../tools/bench/desk';
import { runScenario, sessionCosts, type ScenarioResult } from '../../tools/scenario/runner';
import { INVARIANT_NAMES } from '../core/support/invariant-names';

const ROOT = path.resolve(__dirname, '../..');
const SCENARIOS_DIR = path.join(ROOT, 'tools/scenario/scenarios');
const RUN_TS = path.join(ROOT, 'tools/scenario/run.ts');
const ATM = 'ATM-ALA-0001';

function formatProblems(value: unknown): string[] {
  try {
    parseScenario(value, 'test.json');
  } catch (error) {
    assert.ok(error instanceof ScenarioFormatError, String(error));
    return [...error.problems];
  }
  assert.fail('the scenario was accepted');
}

describe('scenario files', () => {
  it('ships a scenario for every path the issue names, each a valid file whose name is its file name', () => {
    const wanted = [
      'faq',
      'card',
      'card-tap-refused',
      'palm',
      'qr',
      'qr-expired',
      'wrong-iin',
      'unknown-card',
      'bank-down-at-start',
      'nothing-due-prepay',
      'power-cut-mid-stack',
      'network-down-after-stacking',
      'clipped-note-returned',
      'cancel-before-notes',
    ];
    const shipped = fs
      .readdirSync(SCENARIOS_DIR)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length));
    for (const name of wanted) assert.ok(shipped.includes(name), `no scenarios/${name}.json`);
    for (const name of shipped) assert.equal(loadScenario(path.join(SCENARIOS_DIR, `${name}.json`)).name, name);
  });

  it('reads every step kind, a key list and typed digits', () => {
    const scenario = parseScenario(
      {
        scenario: 'all-kinds',
        steps: [
          { press: ['F2', 'F4'] },
          { type: '950614400011', name: 'my IIN' },
          { waitScreen: 'bill', timeoutMs: 500 },
          { waitField: { depositedTiyn: { atLeast: 1 } } },
          { expectField: { message: 'credited' } },
          { insertCard: 'kaspiGoldVisa' },
          { tapCard: 'kaspiGoldVisa' },
          { takeCard: true },
          { palm: 'poor-image' },
          { scanQr: '950614400011' },
          { cancelQr: '950614400011' },
          { notes: [200, 20000, 'clipped', 'foreign'] },
          { power: 'off' },
          { network: 'down' },
          { jam: true },
          { cassette: 'full' },
          { console: 'status' },
          { login: 'engineer' },
          { waitConsole: 'sync started' },
          { waitMs: 10 },
          { waitSynced: true },
        ],
      },
      'test.json',
    );
    assert.deepEqual(
      scenario.steps.map((step) => step.action.kind),
      STEP_KINDS,
    );
    assert.deepEqual(scenario.steps[0].action, { kind: 'press', keys: ['F2', 'F4'] });
    assert.equal(scenario.steps[1].label, 'step 2 "my IIN" (type)');
    assert.equal(scenario.steps[2].timeoutMs, 500);
    assert.equal(scenario.steps[3].timeoutMs, 10_000); // the default wait
    assert.deepEqual(scenario.steps[12].action, { kind: 'power', on: false });
  });

  it('names each bad step by its position and says what it takes', () => {
    const problems = formatProblems({
      scenario: 'bad',
      steps: [
        { pres: 'F2' },
        { press: 'F9' },
        { notes: [300] },
        { press: 'F2', notes: [200] },
        { waitMs: -1 },
        { power: true },
      ],
      expect: { sessions: [{ outcome: 'paid' }], extra: 1 },
    });
    assert.match(problems[0], /^steps\[0\]: unknown step "pres"; a step is one of: press, type/);
    assert.match(problems[1], /^steps\[1\]: no key "F9"/);
    assert.match(problems[2], /^steps\[2\]: no note 300; notes are 200 500 1000/);
    assert.match(problems[3], /^steps\[3\]: a step has exactly one of/);
    assert.match(problems[4], /^steps\[4\]: "waitMs" takes 0\.\.120000 ms/);
    assert.match(problems[5], /^steps\[5\]: "power" takes "on" or "off"/);
    assert.ok(
      problems.some((problem) => /^expect\.extra: unknown/.test(problem)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((problem) => /^expect\.sessions\[0\]\.outcome: one of completed/.test(problem)),
      problems.join('\n'),
    );
    assert.equal(problems.length, 8);
  });

  it('refuses a file that is not JSON, has no steps or no name, naming the file', () => {
    assert.throws(
      () => parseScenarioText('{"scenario": "x", steps: []}', 'broken.json'),
      /^Error: broken\.json: not a valid scenario:\n {2}not JSON/,
    );
    assert.deepEqual(formatProblems({ scenario: 'x', steps: [] }), ['steps: a list of 1..200 steps']);
    assert.deepEqual(formatProblems({ steps: [{ waitMs: 1 }] }), ['scenario: the name: 1..60 of a-z 0-9 -']);
  });
});

// ----- on the machine on the desk -----

function assertAllInvariantsHold(result: ScenarioResult): void {
  assert.deepEqual(
    result.invariants.map((invariant) => invariant.name),
    INVARIANT_NAMES,
  );
  const brokenOnes = result.invariants.filter((invariant) => !invariant.ok);
  assert.deepEqual(brokenOnes, [], JSON.stringify(brokenOnes));
}

describe('scenario runner: round trips per session', () => {
  const request = (
    kind: BankRequestSeen['kind'],
    ledgerHead: number,
    fromSequence = 0,
    toSequence = 0,
  ): BankRequestSeen => ({ kind, ledgerHead, fromSequence, toSequence, networkUp: true });
  const ack = (sequence: number, ackedSequence: number) => ({
    sequence,
    record: { kind: 'bank-ack' as const, ackedSequence },
  });

  it('gives a session its sign-in, the batches that carry its records and the bank-acks it owns', () => {
    // Ledger before the run: 1..10. Session 11 (records 11..15, its bank-ack 16); a sign-in the bank
    // refused at head 16; session 17 by QR (17..20, bank-ack 21), its batch starting at the bank-ack 16.
    const requests = [
      request('authorise', 10),
      request('deposits', 15, 11, 15),
      request('authorise', 16),
      request('qr-start', 16),
      request('qr-poll', 16),
      request('qr-poll', 16),
      request('authorise', 16),
      request('deposits', 20, 16, 20),
    ];
    const costs = sessionCosts([17, 11], requests, [ack(16, 15), ack(21, 20)]);
    assert.deepEqual(
      costs.get(11),
      { authorise: 1, qrStart: 0, qrPoll: 0, deposits: 2, roundTrips: 3, bankAcks: 1 },
      'the second batch starts at 16, which session 11 owns (its bank-ack): it counts for both',
    );
    assert.deepEqual(costs.get(17), { authorise: 2, qrStart: 1, qrPoll: 2, deposits: 1, roundTrips: 6, bankAcks: 1 });
  });
});

describe('scenario runner on the machine on the desk', function () {
  this.timeout(60_000);

  it('faq: a 15 000 ₸ bill, 20 000 ₸ in → 15 000 ₸ to the bill, 5 000 ₸ ahead, next bill 10 000 ₸, one receipt', async () => {
    const result = await runScenario(loadScenario(path.join(SCENARIOS_DIR, 'faq.json')));
    assert.deepEqual(result.failures, []);
    assert.equal(result.ok, true);
    assert.equal(result.sessions.length, 1);
    const session = result.sessions[0];
    assert.deepEqual(
      { ...session, sessionId: 0, receiptId: '' },
      {
        sessionId: 0,
        method: 'iin',
        customerId: 'c-aigerim',
        notes: { byDenomination: { 10000: 2 } },
        countedTiyn: 2_000_000,
        toBillTiyn: 1_500_000,
        toNextTiyn: 500_000,
        bankNextBillTiyn: 1_000_000,
        receiptId: '',
        outcome: 'completed',
        doubts: [],
        // Issue 18: authorise (the bill with it) and one deposit batch at the close, one bank-ack record — not one per record.
        bankLink: { authorise: 1, qrStart: 0, qrPoll: 0, deposits: 1, roundTrips: 2, bankAcks: 1 },
      },
    );
    assert.deepEqual(result.bankLink, session.bankLink, 'nothing else went to the bank during the run');
    // API.md: the transaction id is the ATM id and the session's opening sequence.
    assert.equal(session.receiptId, `${ATM}-${session.sessionId}`);
    assert.deepEqual(result.validator, { cassetteNotes: 2, rejectedNotes: 0, returnedTenge: [] });
    assertAllInvariantsHold(result);
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result); // printable as it is
  });

  it("a customer added to the bank's books is looked up like the demo ones: receipt and next bill in the result", async () => {
    // As an engineer would: start once, add a customer to the books with SQL, run a scenario for them.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-new-customer-'));
    try {
      await runScenario(loadScenario(path.join(SCENARIOS_DIR, 'cancel-before-notes.json')), { dataDir });
      const iin = '900101400' + '01';
      const fullIin = iin + String(iinCheckDigit(iin));
      const books = new Database(path.join(dataDir, 'bank', 'bank.sqlite'));
      books
        .prepare(`INSERT INTO customers (customer_id, iin, palm_template, given_name, family_name, bill_tiyn, outstanding_tiyn,
        next_bill_tiyn, carried_tiyn, due_date, session_max_tiyn) VALUES ('c-new', ?, 'palm-new', 'Асель', 'Нурова', 1000000, 0, 1000000, 0, '2026-12-20', 50000000)`)
        .run(fullIin);
      books.close();
      const faq = loadScenario(path.join(SCENARIOS_DIR, 'faq.json'));
      const scenario = JSON.parse(JSON.stringify(faq).replaceAll('950614400011', fullIin));
      scenario.steps = scenario.steps.filter(
        (step: { action: { kind: string } }) => step.action.kind !== 'expectField',
      );
      scenario.expect = {
        sessions: [{ method: 'iin', outcome: 'completed', receipt: true, bankNextBillTiyn: 0 }],
        screensSeen: [],
      };
      const result = await runScenario(scenario, { dataDir });
      assert.deepEqual(result.failures, []);
      const session = result.sessions.at(-1)!;
      assert.equal(session.customerId, 'c-new');
      assert.equal(session.receiptId, `${ATM}-${session.sessionId}`);
      assert.equal(session.bankNextBillTiyn, 0); // a 10 000 ₸ bill, 20 000 ₸ paid: next bill 0, 10 000 ₸ carried
      assertAllInvariantsHold(result);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('power-cut-mid-stack: the session is recovered from the ledger; cassette, ledger and bank agree', async () => {
    const result = await runScenario(loadScenario(path.join(SCENARIOS_DIR, 'power-cut-mid-stack.json')));
    assert.deepEqual(result.failures, []);
    assert.equal(result.sessions.length, 1);
    const session = result.sessions[0];
    assert.equal(session.outcome, 'recovered');
    // At least the two notes counted on screen before the cut, at most the six put in.
    assert.ok(
      session.countedTiyn >= 200_000 && session.countedTiyn <= 600_000 && session.countedTiyn % 100_000 === 0,
      String(session.countedTiyn),
    );
    assert.equal(session.toBillTiyn, session.countedTiyn); // all of it fits the 15 000 ₸ bill
    assert.equal(session.receiptId, `${ATM}-${session.sessionId}`);
    // The validator's own count: every credited note, plus perhaps the one in doubt.
    const stackedNotes = session.countedTiyn / 100_000;
    const cassetteNotes = result.validator.cassetteNotes!;
    assert.ok(
      cassetteNotes >= stackedNotes && cassetteNotes <= stackedNotes + session.doubts.length,
      `${cassetteNotes} in the cassette, ${stackedNotes} credited`,
    );
    assert.ok(result.screensSeen.join(' ').includes('insert-notes  recovering attract'), result.screensSeen.join(' '));
    assertAllInvariantsHold(result);
    assert.equal(result.ok, true);
  });

  it('bank-down-at-start: no cash is taken while the bank is unreachable; no session, no receipt', async () => {
    const result = await runScenario(loadScenario(path.join(SCENARIOS_DIR, 'bank-down-at-start.json')));
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.sessions, []);
    assert.ok(result.screensSeen.includes('bankUnreachable'));
    assert.equal(result.validator.cassetteNotes, 0);
    assertAllInvariantsHold(result);
    assert.equal(result.ok, true);
  });
});

describe('npm run scenario (the command line)', function () {
  this.timeout(60_000);
  let folder: string;

  before(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-cli-'));
  });
  after(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  function runCli(...args: string[]) {
    return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', RUN_TS, '--quiet', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 50_000,
      killSignal: 'SIGKILL',
    });
  }

  it('exits 1 with the unmet expectation in the JSON when a scenario expects what did not happen', () => {
    const file = path.join(folder, 'wrong.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        scenario: 'wrong',
        steps: [{ waitScreen: 'attract' }],
        expect: { sessions: [{ outcome: 'completed' }] },
      }),
    );
    const run = runCli(file);
    assert.equal(run.status, 1, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.scenario, 'wrong');
    assert.equal(result.ok, false);
    assert.deepEqual(result.failures, ['expected 1 sessions, the ledger opened 0']);
    assert.ok(result.invariants.every((invariant: { ok: boolean }) => invariant.ok)); // the machine itself was fine
    assert.match(run.stderr, /wrong: FAILED/);
  });

  it('exits 2 naming the file and the step for a bad file, before starting any machine', () => {
    const file = path.join(folder, 'typo.json');
    fs.writeFileSync(file, JSON.stringify({ scenario: 'typo', steps: [{ waitScreen: 'attract' }, { presss: 'F2' }] }));
    const run = runCli(file);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /typo\.json: not a valid scenario:\n {2}steps\[1\]: unknown step "presss"/);
  });
});
