// The hands of the end-to-end tests: Debian's chromium (never a downloaded browser) driven by
// playwright-core, reading the page's data-* attributes (values, not prose).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { maskIin } from '../../src/log/mask';
import type { BenchMachine } from '../../tools/bench/machine-api';
import { startBenchWeb, type BenchWeb } from '../../tools/bench/web/server';

// The page's DOM, as far as the in-page callbacks below use it. The project's tsconfig has no DOM
// library (the firmware must never see one), so these few shapes are declared here, module-local.
interface DomElement {
  readonly textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  readonly hidden: boolean;
}
interface DomImage extends DomElement {
  readonly complete: boolean;
  readonly naturalWidth: number;
}
interface Dom2d {
  fillStyle: string;
  fillRect(x: number, y: number, width: number, height: number): void;
  drawImage(image: DomImage, x: number, y: number, width: number, height: number): void;
  getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray };
}
interface DomCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): Dom2d | null;
}
declare const document: {
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): { readonly length: number };
  createElement(tag: 'canvas'): DomCanvas;
};

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../artifacts/e2e');
/** Long enough for the real machine's bank round trips; the fake answers within milliseconds. */
export const WAIT_MS = 10_000;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** data-field-NAME as the page writes it: camelCase field names become kebab-case attributes. */
export function fieldAttribute(name: string): string {
  return `data-field-${name.replace(/[A-Z]/g, (upper) => `-${upper.toLowerCase()}`)}`;
}

export class BenchPage {
  /** Every URL the page asked for that is not this server: must stay empty (no network beyond localhost). */
  readonly foreignRequests: string[] = [];

  private constructor(
    readonly page: Page,
    readonly web: BenchWeb,
    readonly machine: BenchMachine,
  ) {
    page.on('request', (request) => {
      if (!request.url().startsWith(web.url) && !request.url().startsWith('data:'))
        this.foreignRequests.push(request.url());
    });
  }

  static async open(browser: Browser, machine: BenchMachine): Promise<BenchPage> {
    const web = await startBenchWeb(machine, { port: 0 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const bench = new BenchPage(page, web, machine);
    await page.goto(web.url);
    await page.waitForSelector('[data-test="connection"][data-state="live"]', { timeout: WAIT_MS });
    return bench;
  }

  async close(): Promise<void> {
    await this.page.close();
    await this.web.close();
  }

  async click(dataTest: string): Promise<void> {
    await this.page.click(`[data-test="${dataTest}"]`, { timeout: WAIT_MS });
  }

  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.click(`key-${key}`);
  }

  async typeDigits(digits: string): Promise<void> {
    await this.press(...digits.split(''));
  }

  async waitScreen(screenId: string): Promise<void> {
    await this.page.waitForSelector(`[data-test="screen"][data-screen-id="${screenId}"]`, { timeout: WAIT_MS });
  }

  async waitField(name: string, value: string | number): Promise<void> {
    await this.page.waitForSelector(`[data-test="screen"][${fieldAttribute(name)}="${value}"]`, { timeout: WAIT_MS });
  }

  /** Waits until a numeric screen field reaches at least `minimum`. */
  async waitFieldAtLeast(name: string, minimum: number): Promise<void> {
    const key = `field${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    await this.page.waitForFunction(
      ([datasetKey, atLeast]) =>
        Number(document.querySelector('[data-test="screen"]')?.dataset[datasetKey as string] ?? Number.NaN) >=
        (atLeast as number),
      [key, minimum] as const,
      { timeout: WAIT_MS },
    );
  }

  /** Waits until the element's text matches. */
  async waitText(dataTest: string, pattern: RegExp): Promise<void> {
    await this.page.waitForFunction(
      ([selector, source, flags]) =>
        new RegExp(source!, flags).test(document.querySelector(selector!)?.textContent ?? ''),
      [`[data-test="${dataTest}"]`, pattern.source, pattern.flags] as const,
      { timeout: WAIT_MS },
    );
  }

  /** Waits until exactly `count` elements match. */
  async waitCount(selector: string, count: number): Promise<void> {
    await this.page.waitForFunction(
      ([css, expected]) => document.querySelectorAll(css as string).length === expected,
      [selector, count] as const,
      { timeout: WAIT_MS },
    );
  }

  async screenId(): Promise<string> {
    return (await this.page.getAttribute('[data-test="screen"]', 'data-screen-id')) ?? '';
  }

  async field(name: string): Promise<string | undefined> {
    return (await this.page.getAttribute('[data-test="screen"]', fieldAttribute(name))) ?? undefined;
  }

  async numberField(name: string): Promise<number> {
    const text = await this.field(name);
    if (text === undefined || !/^-?\d+$/.test(text))
      throw new Error(`screen field ${name} is ${text}, not a whole number`);
    return Number(text);
  }

  async attribute(dataTest: string, name: string): Promise<string | undefined> {
    return (await this.page.getAttribute(`[data-test="${dataTest}"]`, name)) ?? undefined;
  }

  /** The demo customers as the page offers them (palm buttons carry the full IIN). */
  async demoIins(): Promise<string[]> {
    return this.page.$$eval('[data-test="palms"] [data-iin]', (buttons) =>
      buttons.map((button) => button.getAttribute('data-iin') ?? ''),
    );
  }

  /** The bank's row for a customer, read from the bank panel (masked IIN matched digit by digit). */
  async bankRow(iin: string): Promise<{ billTiyn: number; nextBillTiyn: number; carriedTiyn: number }> {
    const rows = await this.page.$$eval('[data-test="bank-customer"]', (trs) =>
      trs.map((tr) => ({
        iinMasked: tr.getAttribute('data-iin-masked') ?? '',
        billTiyn: Number(tr.getAttribute('data-bill-tiyn')),
        nextBillTiyn: Number(tr.getAttribute('data-next-bill-tiyn')),
        carriedTiyn: Number(tr.getAttribute('data-carried-tiyn')),
      })),
    );
    const row = rows.find(
      (candidate) =>
        candidate.iinMasked.length === iin.length &&
        [...candidate.iinMasked].every((char, index) => !/[0-9]/.test(char) || char === iin[index]),
    );
    if (row === undefined) throw new Error(`the bank panel has no row for ${maskIin(iin)}`);
    return { billTiyn: row.billTiyn, nextBillTiyn: row.nextBillTiyn, carriedTiyn: row.carriedTiyn };
  }

  /** Waits until the ledger panel shows every record acknowledged by the bank. */
  async waitLedgerSynced(): Promise<void> {
    await this.page.waitForFunction(
      () => {
        const stats = document.querySelector('[data-test="ledger-stats"]');
        return (
          stats !== null &&
          stats.dataset.head !== undefined &&
          stats.dataset.head === stats.dataset.acked &&
          document.querySelectorAll('[data-test="ledger-row"][data-synced="false"]').length === 0
        );
      },
      undefined,
      { timeout: WAIT_MS },
    );
  }

  /**
   * The on-screen QR as the browser drew it, sampled module by module like a camera would:
   * the image is painted on a canvas, the top-left finder's 7-module run gives the module size.
   */
  async qrMatrix(): Promise<boolean[][]> {
    await this.page.waitForFunction(
      () => {
        const image = document.querySelector('[data-test="screen-qr"]') as DomImage | null;
        return image !== null && !image.hidden && image.complete && image.naturalWidth > 0;
      },
      undefined,
      { timeout: WAIT_MS },
    );
    return this.page.evaluate(() => {
      const image = document.querySelector('[data-test="screen-qr"]') as DomImage;
      const sidePx = 1000;
      const canvas = document.createElement('canvas');
      canvas.width = sidePx;
      canvas.height = sidePx;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, sidePx, sidePx);
      context.drawImage(image, 0, 0, sidePx, sidePx);
      const pixels = context.getImageData(0, 0, sidePx, sidePx).data;
      const dark = (x: number, y: number) => {
        const offset = (Math.floor(y) * sidePx + Math.floor(x)) * 4;
        return pixels[offset]! + pixels[offset + 1]! + pixels[offset + 2]! < 3 * 128;
      };
      let top = -1;
      let left = sidePx;
      let right = -1;
      for (let y = 0; y < sidePx; y++) {
        for (let x = 0; x < sidePx; x++) {
          if (!dark(x, y)) continue;
          if (top < 0) top = y;
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
      if (top < 0) throw new Error('the QR image is blank');
      let runPx = 0;
      while (dark(left + runPx, top + 1)) runPx += 1;
      const modulePx = runPx / 7;
      const size = Math.round((right - left + 1) / modulePx);
      return Array.from({ length: size }, (_row, row) =>
        Array.from({ length: size }, (_column, column) =>
          dark(left + (column + 0.5) * modulePx, top + (row + 0.5) * modulePx),
        ),
      );
    });
  }

  async screenshot(name: string): Promise<void> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
  }
}
