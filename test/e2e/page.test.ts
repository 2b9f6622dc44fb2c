// The bench page itself, in a real browser over the machine on the desk with simulated parts
// (the validator on its simulated cable, the NOR emulator, the bank's logic in process; on the
// wall clock): it draws the screen model and the QR image, turns every control into the exact
// action of machine-api.ts, and follows the machine live over server-sent events.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SIMULATED_PARTS, type RunningDesk } from '../../tools/bench/desk';
import type { BenchAction, BenchMachine, BenchSnapshot } from '../../tools/bench/machine-api';
import { QR_PAYLOAD_PREFIX } from '../../tools/bank/api';
import { DEMO_CUSTOMERS } from '../../tools/bank/seed';
import { BenchPage, launchBrowser, WAIT_MS } from './bench-page';
import { startFreshDesk } from './machine-factory';
import { decodeQr } from './qr-decode';

/** The FAQ's customer: a 15 000 ₸ bill, and 15 000 ₸ next month. */
const AIGERIM = DEMO_CUSTOMERS[0];
const YERZHAN = DEMO_CUSTOMERS[2];

/** The page's machine, with a record of every action that reached it, in order. */
class RecordingMachine implements BenchMachine {
  readonly actions: BenchAction[] = [];
  readonly #inner: BenchMachine;

  constructor(inner: BenchMachine) {
    this.#inner = inner;
  }

  snapshot(): BenchSnapshot {
    return this.#inner.snapshot();
  }

  async act(action: BenchAction): Promise<string | undefined> {
    this.actions.push(action);
    return this.#inner.act(action);
  }

  onChange(listener: () => void): () => void {
    return this.#inner.onChange(listener);
  }

  consoleText(): string {
    return this.#inner.consoleText();
  }

  async close(): Promise<void> {}
}

describe('bench page (browser, the desk machine with simulated parts)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let desk: RunningDesk;
  let machine: RecordingMachine;
  let bench: BenchPage;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    desk = await startFreshDesk(SIMULATED_PARTS);
    machine = new RecordingMachine(desk.page);
    bench = await BenchPage.open(browser, machine);
  });
  afterEach(async () => {
    const foreign = bench?.foreignRequests ?? [];
    await bench?.close();
    await desk?.close();
    assert.deepEqual(foreign, [], 'the page must need no network beyond localhost');
  });

  it('draws the screen model: id, language, title, lines and each field as data-field-*', async () => {
    await bench.waitScreen('attract');
    assert.equal(await bench.attribute('screen', 'data-language'), 'kk');
    assert.equal(await bench.page.textContent('[data-test="screen-language"]'), 'KK');
    assert.equal(await bench.page.textContent('[data-test="screen-title"]'), 'Kaspi Red төлеу');
    await bench.press('F3', 'F4');
    await bench.waitScreen('iin');
    assert.equal(await bench.attribute('screen', 'data-language'), 'en');
    await bench.typeDigits('950');
    await bench.waitField('digitsTyped', 3);
    assert.equal(await bench.field('attemptsLeft'), '3');
    assert.equal(await bench.page.textContent('[data-test="screen-lines"] li:nth-child(2)'), '•••');
    await bench.press('clear');
    await bench.waitField('digitsTyped', 2);
    await bench.screenshot('page-iin');
    // A field of the previous screen does not linger on the next one.
    await bench.press('cancel');
    await bench.page.waitForSelector('[data-test="screen"]:not([data-screen-id="iin"])', { timeout: WAIT_MS });
    assert.equal(await bench.field('digitsTyped'), undefined);
  });

  it('shows the QR payload as an image that decodes (ISO 18004) back to the payload', async () => {
    await bench.press('F2', 'F2');
    await bench.waitScreen('qr');
    await bench.page.waitForSelector('[data-test="screen-qr"]:not([hidden])', { timeout: WAIT_MS });
    const payload = machine.snapshot().screen?.qr;
    assert.ok(payload?.startsWith(QR_PAYLOAD_PREFIX), `the bank's QR payload, got ${payload}`);
    const src = await bench.attribute('screen-qr', 'src');
    assert.ok(src?.startsWith('/api/qr.svg?'), `same-origin image, got ${src}`);
    const decoded = decodeQr(await bench.qrMatrix());
    assert.equal(decoded.text, payload);
    assert.equal(decoded.level, 'M');
    await bench.screenshot('page-qr');
    await bench.press('cancel');
    await bench.page.waitForSelector('[data-test="screen"]:not([data-screen-id="qr"])', { timeout: WAIT_MS });
    assert.equal(await bench.page.isHidden('[data-test="screen-qr"]'), true);
  });

  it('sends each kind of action with the exact body machine-api.ts defines', async () => {
    const expectations: [string, BenchAction][] = [];
    const send = async (dataTest: string, action: BenchAction) => {
      const answered = bench.page.waitForResponse((response) => response.url().endsWith('/api/act'), {
        timeout: WAIT_MS,
      });
      await bench.click(dataTest);
      await answered;
      expectations.push([dataTest, action]);
    };
    const iins = await bench.demoIins();
    assert.deepEqual(
      iins,
      DEMO_CUSTOMERS.map((customer) => customer.iin),
    );
    await bench.waitScreen('attract');
    await send('key-F1', { kind: 'key', key: 'F1' });
    await bench.waitScreen('method');
    await send('key-F2', { kind: 'key', key: 'F2' }); // method → QR: the phone may scan now
    await bench.waitScreen('qr');
    await bench.page.waitForSelector('[data-test="screen-qr"]:not([hidden])', { timeout: WAIT_MS });
    await bench.page.selectOption('[data-test="phone-customer"]', YERZHAN.iin);
    await send('phone-scan', { kind: 'phone-scan-qr', iin: YERZHAN.iin });
    await bench.waitScreen('bill');
    await send('key-enter', { kind: 'key', key: 'enter' });
    await bench.waitScreen('insert-notes');
    for (const note of ['5000', 'clipped', '20000', 'foreign', '200']) await bench.click(`note-add-${note}`);
    assert.equal(await bench.attribute('notes-stack', 'data-count'), '5');
    assert.equal(await bench.attribute('notes-stack', 'data-amount-tenge'), '25200');
    await send('notes-put', { kind: 'notes', notes: [5000, 'clipped', 20000, 'foreign', 200] });
    assert.equal(await bench.attribute('notes-stack', 'data-count'), '0');
    await send('key-cancel', { kind: 'key', key: 'cancel' });
    await send('key-clear', { kind: 'key', key: 'clear' });
    for (const key of ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'F3', 'F4'])
      await send(`key-${key}`, { kind: 'key', key });
    await send('insert-card-kaspiGoldVisa', { kind: 'insert-card', cardId: 'kaspiGoldVisa' });
    await send('tap-card-foreignVisa', { kind: 'tap-card', cardId: 'foreignVisa' });
    await send('take-card', { kind: 'take-card' });
    await send(`palm-${DEMO_CUSTOMERS[1].iin}`, { kind: 'palm', iin: DEMO_CUSTOMERS[1].iin });
    await send('palm-unknown', { kind: 'palm', iin: 'unknown' });
    await send('palm-poor-image', { kind: 'palm', iin: 'poor-image' });
    await send('network-down', { kind: 'network', up: false });
    await send('network-up', { kind: 'network', up: true });
    await send('jam', { kind: 'jam' });
    await send('cassette-remove', { kind: 'cassette', state: 'removed' });
    await send('cassette-insert', { kind: 'cassette', state: 'inserted' });
    await send('cassette-fill', { kind: 'cassette', state: 'full' });
    await send('power-off', { kind: 'power', on: false });
    await send('power-on', { kind: 'power', on: true });
    await bench.page.waitForSelector('[data-test="power-state"][data-value="on"]', { timeout: WAIT_MS });
    await bench.page.fill('[data-test="console-input"]', 'status');
    const answered = bench.page.waitForResponse((response) => response.url().endsWith('/api/act'), {
      timeout: WAIT_MS,
    });
    await bench.page.press('[data-test="console-input"]', 'Enter');
    await answered;
    expectations.push(['console-input', { kind: 'console', line: 'status' }]);
    assert.deepEqual(
      machine.actions,
      expectations.map(([, action]) => action),
    );
    await bench.waitText('console-output', /status\r?\nerror: 'status' needs a login/);
    assert.equal(await bench.page.inputValue('[data-test="console-input"]'), '');
    await bench.screenshot('page-all-actions');
  });

  it('follows the machine live over server-sent events, with no click and no reload', async () => {
    await bench.waitScreen('attract');
    const updatesBefore = Number(await bench.attribute('updates', 'data-count'));
    const navigations: string[] = [];
    bench.page.on('framenavigated', (frame) => navigations.push(frame.url()));
    // The machine changes by itself (here: through its own API, not through the page).
    await machine.act({ kind: 'key', key: 'F2' });
    await bench.waitScreen('method');
    assert.equal(await bench.attribute('screen', 'data-language'), 'ru');
    await machine.act({ kind: 'network', up: false });
    await bench.page.waitForSelector('[data-test="network-state"][data-value="down"]', { timeout: WAIT_MS });
    await machine.act({ kind: 'console', line: 'version' });
    await bench.waitText('console-output', /version\r?\nfirmware \d+\.\d+\.\d+/);
    assert.ok(Number(await bench.attribute('updates', 'data-count')) > updatesBefore);
    assert.deepEqual(navigations, []);
  });

  it('shows the ledger, the bank and the phone app as they change', async () => {
    await bench.waitScreen('attract');
    await bench.press('F2');
    await bench.waitScreen('method');
    await bench.press('F4');
    await bench.waitScreen('iin');
    await bench.typeDigits(AIGERIM.iin);
    await bench.waitField('digitsTyped', 12);
    await bench.press('enter');
    await bench.waitScreen('bill');
    await bench.press('enter');
    await bench.waitScreen('insert-notes');
    // Cash-in opens the session in the ledger (README, the money path).
    await bench.page.waitForSelector('[data-test="ledger-row"][data-kind="session-opened"]', { timeout: WAIT_MS });
    await bench.click('note-add-10000');
    await bench.click('notes-put');
    await bench.waitField('depositedTiyn', 1_000_000);
    await bench.press('enter');
    await bench.waitScreen('summary');
    await bench.waitLedgerSynced();
    assert.deepEqual(await bench.bankRow(AIGERIM.iin), { billTiyn: 500_000, nextBillTiyn: 1_500_000, carriedTiyn: 0 });
    // The phone signed in as this customer shows the bank's numbers and the receipt.
    await bench.page.selectOption('[data-test="phone-customer"]', AIGERIM.iin);
    assert.equal(await bench.attribute('phone-app', 'data-bill-tiyn'), '500000');
    assert.equal(await bench.page.textContent('[data-test="phone-bill"]'), '5\u00a0000\u00a0₸');
    assert.equal(await bench.page.locator('[data-test="phone-receipt"]').count(), 1);
    assert.equal(await bench.attribute('cassette-state', 'data-amount-tiyn'), '1000000');
    await bench.screenshot('page-after-deposit');
  });

  it("shows the machine's refusal of an action instead of failing silently", async () => {
    await bench.waitScreen('attract');
    await bench.click('power-off');
    await bench.page.waitForSelector('[data-test="screen"][data-screen-id=""]', { timeout: WAIT_MS });
    assert.equal(await bench.attribute('power-state', 'data-value'), 'off');
    await bench.click('key-1');
    await bench.page.waitForSelector('[data-test="act-error"]:has-text("the machine is off")', { timeout: WAIT_MS });
    await bench.screenshot('page-power-off');
  });
});
