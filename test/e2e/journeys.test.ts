// The customer's journeys clicked through the bench page, on whatever makeMachine() returns:
// today the fake, later the real firmware with its simulators and the reference bank (one line in
// machine-factory.ts). They read values (screen ids, fields, data-* of the panels), never prose,
// so the same assertions hold for both. Needs from the machine's demo set: a customer with a
// 15 000 ₸ bill and a 15 000 ₸ next bill (the FAQ example), a card labelled "Kaspi Gold".
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BenchMachine } from '../../tools/bench/machine-api';
import { BenchPage, launchBrowser, WAIT_MS } from './bench-page';
import { makeMachine, MACHINE_KIND } from './machine-factory';
import { decodeQr } from './qr-decode';

const FAQ_BILL_TIYN = 1_500_000; // 15 000 ₸
const FAQ_DEPOSIT_TIYN = 2_000_000; // 20 000 ₸
const FAQ_NEXT_BILL_AFTER_TIYN = 1_000_000; // 10 000 ₸
const NOTE_1000_TIYN = 100_000;
const POWER_CUT_STACK_NOTES = 10;

describe(`customer journeys on the bench page (${MACHINE_KIND} machine)`, function () {
  this.timeout(60_000);
  let browser: Browser;
  let machine: BenchMachine;
  let bench: BenchPage;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    machine = await makeMachine();
    bench = await BenchPage.open(browser, machine);
  });
  afterEach(async () => {
    const foreign = bench?.foreignRequests ?? [];
    await bench?.close();
    await machine?.close();
    assert.deepEqual(foreign, []);
  });

  /** From the attract screen to the method menu, in Russian. */
  async function chooseMethodMenu(): Promise<void> {
    await bench.waitScreen('attract');
    await bench.press('F2');
    await bench.waitScreen('method');
    assert.equal(await bench.attribute('screen', 'data-language'), 'ru');
  }

  async function authoriseByIin(iin: string): Promise<void> {
    await chooseMethodMenu();
    await bench.press('F4');
    await bench.waitScreen('iin');
    await bench.typeDigits(iin);
    await bench.waitField('digitsTyped', iin.length);
    await bench.press('enter');
    await bench.waitScreen('bill');
  }

  /** The bill on the ATM's screen is the bank's bill for this customer. */
  async function assertBillMatchesBank(iin: string): Promise<void> {
    assert.equal(await bench.numberField('billTiyn'), (await bench.bankRow(iin)).billTiyn);
  }

  async function putStack(notes: string[]): Promise<void> {
    for (const note of notes) await bench.click(`note-add-${note}`);
    assert.equal(await bench.attribute('notes-stack', 'data-count'), String(notes.length));
    await bench.click('notes-put');
  }

  /** What the customer still owes the bank, counting money paid ahead as negative. */
  async function owedTiyn(iin: string): Promise<number> {
    const row = await bench.bankRow(iin);
    return row.billTiyn + row.nextBillTiyn - row.carriedTiyn;
  }

  it('FAQ example: a 15 000 ₸ bill, 20 000 ₸ deposited → the next bill is 10 000 ₸', async () => {
    let iin: string | undefined;
    for (const candidate of await bench.demoIins()) {
      const row = await bench.bankRow(candidate);
      if (row.billTiyn === FAQ_BILL_TIYN && row.nextBillTiyn === FAQ_BILL_TIYN) iin = candidate;
    }
    assert.ok(iin !== undefined, 'the demo set needs a customer with a 15 000 ₸ bill and a 15 000 ₸ next bill');
    const receiptsBefore = await bench.page.locator('[data-test="bank-receipt"]').count();
    await authoriseByIin(iin);
    assert.equal(await bench.numberField('billTiyn'), FAQ_BILL_TIYN);
    await bench.screenshot('faq-1-bill');
    await bench.press('enter');
    await bench.waitScreen('insert-notes');
    await putStack(['10000', '10000']);
    await bench.waitField('depositedTiyn', FAQ_DEPOSIT_TIYN);
    assert.equal(await bench.numberField('toBillTiyn'), FAQ_BILL_TIYN);
    assert.equal(await bench.numberField('toNextTiyn'), FAQ_DEPOSIT_TIYN - FAQ_BILL_TIYN);
    assert.equal(await bench.numberField('nextBillTiyn'), FAQ_NEXT_BILL_AFTER_TIYN);
    await bench.screenshot('faq-2-counted');
    await bench.press('enter');
    await bench.waitField('message', 'credited');
    assert.equal(await bench.screenId(), 'summary');
    await bench.waitLedgerSynced();
    assert.deepEqual(await bench.bankRow(iin), { billTiyn: 0, nextBillTiyn: FAQ_NEXT_BILL_AFTER_TIYN, carriedTiyn: 0 });
    // The customer's phone shows the same: no bill, next bill 10 000 ₸, one new receipt.
    await bench.page.selectOption('[data-test="phone-customer"]', iin);
    assert.equal(await bench.attribute('phone-app', 'data-bill-tiyn'), '0');
    assert.equal(await bench.attribute('phone-app', 'data-next-bill-tiyn'), String(FAQ_NEXT_BILL_AFTER_TIYN));
    await bench.waitCount('[data-test="bank-receipt"]', receiptsBefore + 1);
    assert.equal(await bench.page.locator('[data-test="phone-receipt"]').count(), 1);
    await bench.screenshot('faq-3-credited');
  });

  it('power cut in the middle of a stack: every stacked note credited once, a note in doubt is flagged', async () => {
    const [iin] = await bench.demoIins();
    assert.ok(iin !== undefined, 'the demo set has no customers');
    const owedBeforeTiyn = await owedTiyn(iin);
    const cassetteBeforeTiyn = Number(await bench.attribute('cassette-state', 'data-amount-tiyn'));
    await authoriseByIin(iin);
    await bench.press('enter');
    await bench.waitScreen('insert-notes');
    await putStack(Array.from({ length: POWER_CUT_STACK_NOTES }, () => '1000'));
    await bench.waitFieldAtLeast('depositedTiyn', 2 * NOTE_1000_TIYN);
    // Every note the screen counted before the cut must be credited.
    const seenBeforeCutTiyn = await bench.numberField('depositedTiyn');
    await bench.click('power-off');
    await bench.page.waitForSelector('[data-test="power-state"][data-value="off"]', { timeout: WAIT_MS });
    await bench.waitScreen('');
    await bench.screenshot('power-cut-1-dark');
    await bench.click('power-on');
    await bench.page.waitForSelector('[data-test="screen"]:not([data-screen-id=""])', { timeout: WAIT_MS });
    await bench.waitLedgerSynced();
    await bench.screenshot('power-cut-2-recovered');
    const creditedTiyn = owedBeforeTiyn - (await owedTiyn(iin));
    const cassetteGainTiyn = Number(await bench.attribute('cassette-state', 'data-amount-tiyn')) - cassetteBeforeTiyn;
    const doubts = await bench.page
      .locator('[data-test="ledger-row"][data-kind*="doubt"], [data-test="ledger-row"][data-kind*="reconcile"]')
      .count();
    const stackTiyn = POWER_CUT_STACK_NOTES * NOTE_1000_TIYN;
    assert.ok(
      creditedTiyn < stackTiyn || doubts > 0,
      'the whole stack was in before the cut: it did not land mid-stack (slow the stacking down)',
    );
    assert.equal(creditedTiyn % NOTE_1000_TIYN, 0);
    assert.ok(
      creditedTiyn >= seenBeforeCutTiyn,
      `credited ${creditedTiyn} < counted on screen before the cut ${seenBeforeCutTiyn}`,
    );
    assert.ok(
      creditedTiyn + (doubts > 0 ? NOTE_1000_TIYN : 0) <= stackTiyn,
      `credited ${creditedTiyn} with ${doubts} in doubt: more than the stack`,
    );
    assert.ok(
      cassetteGainTiyn === creditedTiyn || (cassetteGainTiyn === creditedTiyn + NOTE_1000_TIYN && doubts > 0),
      `cassette gained ${cassetteGainTiyn}, credited ${creditedTiyn}, ${doubts} doubt rows`,
    );
  });

  it('authorises by palm: an unknown palm and a poor image cost no money and the right palm opens the bill', async () => {
    const iins = await bench.demoIins();
    const iin = iins[iins.length - 1]!;
    await chooseMethodMenu();
    assert.equal(await bench.field('palmOffered'), '1', "palm must be switched on for this machine's city");
    await bench.press('F1');
    await bench.waitScreen('palm');
    await bench.click('palm-unknown');
    await bench.waitField('attemptsLeft', 2);
    await bench.click('palm-poor-image');
    await bench.waitField('attemptsLeft', 1); // the poor image cost an attempt; the camera is capturing again
    assert.equal(await bench.screenId(), 'palm');
    await bench.screenshot('auth-palm-retry');
    await bench.click(`palm-${iin}`);
    await bench.waitScreen('bill');
    await assertBillMatchesBank(iin);
  });

  it('authorises by Kaspi QR: the phone reads the QR on the screen and confirms', async () => {
    const [iin] = await bench.demoIins();
    await chooseMethodMenu();
    await bench.press('F2');
    await bench.waitScreen('qr');
    const payload = await bench.attribute('screen-qr', 'data-payload');
    assert.ok(payload !== undefined && payload.length > 0);
    assert.equal(decodeQr(await bench.qrMatrix()).text, payload);
    await bench.screenshot('auth-qr');
    await bench.page.selectOption('[data-test="phone-customer"]', iin!);
    await bench.click('phone-scan');
    await bench.waitScreen('bill');
    await assertBillMatchesBank(iin!);
  });

  it('authorises by Kaspi Gold card: a tap is refused with a clear message, an inserted card opens the bill', async () => {
    const goldCard = await bench.page.$$eval('[data-test="cards"] [data-label]', (rows) =>
      rows
        .find((row) => /Kaspi Gold/i.test(row.getAttribute('data-label') ?? ''))
        ?.getAttribute('data-test')
        ?.slice('card-'.length),
    );
    assert.ok(goldCard !== undefined, 'the demo set needs a Kaspi Gold card');
    await chooseMethodMenu();
    await bench.press('F3');
    await bench.waitScreen('card');
    await bench.click(`tap-card-${goldCard}`);
    await bench.waitField('message', 'contactlessOff');
    await bench.screenshot('auth-card-tap-refused');
    await bench.click(`insert-card-${goldCard}`);
    await bench.waitScreen('bill');
    assert.ok(((await bench.field('customer')) ?? '').length > 0);
    assert.ok((await bench.numberField('billTiyn')) >= 0);
    await bench.click('take-card');
  });

  it('authorises by IIN on the keypad: a mistyped IIN costs an attempt, the right one opens the bill', async () => {
    const [iin] = await bench.demoIins();
    await chooseMethodMenu();
    await bench.press('F4');
    await bench.waitScreen('iin');
    const mistyped = `${iin!.slice(0, 11)}${(Number(iin!.slice(11)) + 1) % 10}`; // the check digit is wrong
    await bench.typeDigits(mistyped);
    await bench.press('enter');
    await bench.waitField('attemptsLeft', 2);
    assert.notEqual(await bench.field('error'), '');
    await bench.screenshot('auth-iin-mistyped');
    await bench.typeDigits(`${iin!.slice(0, 5)}9`);
    await bench.press('clear');
    await bench.typeDigits(iin!.slice(5));
    await bench.waitField('digitsTyped', 12);
    await bench.press('enter');
    await bench.waitScreen('bill');
    await assertBillMatchesBank(iin!);
  });
});
