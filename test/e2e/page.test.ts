// The bench page itself, in a real browser over the fake machine: it draws the screen model and
// the QR image, turns every control into the exact action of machine-api.ts, and follows the
// machine live over server-sent events.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { FakeBenchMachine } from '../../tools/bench/fake-machine';
import type { BenchAction } from '../../tools/bench/machine-api';
import { BenchPage, launchBrowser, WAIT_MS } from './bench-page';
import { decodeQr } from './qr-decode';

/** The fake with a record of every action that reached it, in order. */
class RecordingMachine extends FakeBenchMachine {
  readonly actions: BenchAction[] = [];

  override async act(action: BenchAction): Promise<string | undefined> {
    this.actions.push(action);
    return super.act(action);
  }
}

describe('bench page (browser, fake machine)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let machine: RecordingMachine;
  let bench: BenchPage;

  before(async () => { browser = await launchBrowser(); });
  after(async () => { await browser?.close(); });
  beforeEach(async () => {
    machine = new RecordingMachine({ noteStackMs: 20, syncDelayMs: 20 });
    bench = await BenchPage.open(browser, machine);
  });
  afterEach(async () => {
    const foreign = bench?.foreignRequests ?? [];
    await bench?.close();
    await machine?.close();
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
    await bench.typeDigits('850');
    await bench.waitField('digitsTyped', 3);
    assert.equal(await bench.field('attemptsLeft'), '3');
    assert.equal(await bench.page.textContent('[data-test="screen-lines"] li'), '•••');
    await bench.press('clear');
    await bench.waitField('digitsTyped', 2);
    await bench.screenshot('page-iin');
    // A field of the previous screen does not linger on the next one.
    await bench.press('cancel');
    await bench.waitScreen('attract');
    assert.equal(await bench.field('digitsTyped'), undefined);
  });

  it('shows the QR payload as an image that decodes (ISO 18004) back to the payload', async () => {
    await bench.press('F2', 'F2');
    await bench.waitScreen('qr');
    const payload = machine.snapshot().screen?.qr;
    assert.equal(payload, 'https://kaspi.kz/pay/atm?atm=ATM-0001&session=1');
    const src = await bench.attribute('screen-qr', 'src');
    assert.ok(src?.startsWith('/api/qr.svg?'), `same-origin image, got ${src}`);
    const decoded = decodeQr(await bench.qrMatrix());
    assert.equal(decoded.text, payload);
    assert.equal(decoded.level, 'M');
    await bench.screenshot('page-qr');
    await bench.press('cancel');
    await bench.waitScreen('attract');
    assert.equal(await bench.page.isHidden('[data-test="screen-qr"]'), true);
  });

  it('sends each kind of action with the exact body machine-api.ts defines', async () => {
    const expectations: [string, BenchAction][] = [];
    const send = async (dataTest: string, action: BenchAction) => {
      const answered = bench.page.waitForResponse((response) => response.url().endsWith('/api/act'), { timeout: WAIT_MS });
      await bench.click(dataTest);
      await answered;
      expectations.push([dataTest, action]);
    };
    const iins = await bench.demoIins();
    assert.deepEqual(iins, ['850312400128', '921119500341', '780702300562']);
    await send('key-F1', { kind: 'key', key: 'F1' });
    await send('key-F2', { kind: 'key', key: 'F2' }); // method → QR: the phone may scan now
    await bench.waitScreen('qr');
    await bench.page.selectOption('[data-test="phone-customer"]', '780702300562');
    await send('phone-scan', { kind: 'phone-scan-qr', iin: '780702300562' });
    await send('key-enter', { kind: 'key', key: 'enter' });
    for (const note of ['5000', 'clipped', '20000', 'foreign', '200']) await bench.click(`note-add-${note}`);
    assert.equal(await bench.attribute('notes-stack', 'data-count'), '5');
    assert.equal(await bench.attribute('notes-stack', 'data-amount-tenge'), '25200');
    await send('notes-put', { kind: 'notes', notes: [5000, 'clipped', 20000, 'foreign', 200] });
    assert.equal(await bench.attribute('notes-stack', 'data-count'), '0');
    await send('key-cancel', { kind: 'key', key: 'cancel' });
    await send('key-clear', { kind: 'key', key: 'clear' });
    for (const key of ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'F3', 'F4']) await send(`key-${key}`, { kind: 'key', key });
    await send('insert-card-gold-aigerim', { kind: 'insert-card', cardId: 'gold-aigerim' });
    await send('tap-card-foreign-visa', { kind: 'tap-card', cardId: 'foreign-visa' });
    await send('take-card', { kind: 'take-card' });
    await send('palm-921119500341', { kind: 'palm', iin: '921119500341' });
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
    await bench.page.fill('[data-test="console-input"]', 'status');
    const answered = bench.page.waitForResponse((response) => response.url().endsWith('/api/act'), { timeout: WAIT_MS });
    await bench.page.press('[data-test="console-input"]', 'Enter');
    await answered;
    expectations.push(['console-input', { kind: 'console', line: 'status' }]);
    assert.deepEqual(machine.actions, expectations.map(([, action]) => action));
    await bench.waitText('console-output', /status\nscreen \S+ validator/);
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
    await bench.waitText('console-output', /firmware 0\.1\.0 \(fake\)/);
    assert.ok(Number(await bench.attribute('updates', 'data-count')) > updatesBefore);
    assert.deepEqual(navigations, []);
  });

  it('shows the ledger, the bank and the phone app as they change', async () => {
    await bench.press('F2', 'F4');
    await bench.typeDigits('850312400128');
    await bench.press('enter');
    await bench.waitScreen('bill');
    await bench.page.waitForSelector('[data-test="ledger-row"][data-kind="session-opened"]', { timeout: WAIT_MS });
    await bench.press('enter');
    await bench.waitScreen('insert-notes');
    await bench.click('note-add-10000');
    await bench.click('notes-put');
    await bench.waitField('depositedTiyn', 1_000_000);
    await bench.press('enter');
    await bench.waitScreen('summary');
    await bench.waitLedgerSynced();
    assert.deepEqual(await bench.bankRow('850312400128'), { billTiyn: 500_000, nextBillTiyn: 1_500_000, carriedTiyn: 0 });
    // The phone signed in as this customer shows the bank's numbers and the receipt.
    await bench.page.selectOption('[data-test="phone-customer"]', '850312400128');
    assert.equal(await bench.attribute('phone-app', 'data-bill-tiyn'), '500000');
    assert.equal(await bench.page.textContent('[data-test="phone-bill"]'), '5\u00a0000\u00a0₸');
    assert.equal(await bench.page.locator('[data-test="phone-receipt"]').count(), 1);
    assert.equal(await bench.attribute('cassette-state', 'data-amount-tiyn'), '1000000');
    await bench.screenshot('page-after-deposit');
  });

  it('shows the machine\'s refusal of an action instead of failing silently', async () => {
    await bench.click('power-off');
    await bench.page.waitForSelector('[data-test="screen"][data-screen-id=""]', { timeout: WAIT_MS });
    assert.equal(await bench.attribute('power-state', 'data-value'), 'off');
    await bench.click('key-1');
    await bench.page.waitForSelector('[data-test="act-error"]:has-text("the machine is off")', { timeout: WAIT_MS });
    await bench.screenshot('page-power-off');
  });
});
