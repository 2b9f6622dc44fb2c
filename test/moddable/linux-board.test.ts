import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openPtyPair, runValidatorOnPty, type PtyPair, type SimulatorBridge } from '../../hal/node/pty-pair';
import { startBankServer, type BankServer } from '../../tools/bank/server';
import { appRequest } from '../../tools/bank/kit';
import { bankNotes, sleep } from '../support/bank-kit';
import { bankDataDirWith, LINUX_ATM_ID, linuxProvisioning, linuxTools } from './kit';

// The unchanged firmware — startFirmware with the board's own hal/moddable adapters — on
// Moddable's Linux runtime (hal/moddable/lin): ECMA-419 serial on ptys to the CCNET simulator, the
// bank link in its Worker over the SDK's TLS to the reference bank with mutual TLS, the ESP32's
// heap sizes. One customer from the FAQ: IIN, the bill, four 5 000 ₸ notes, credited, synced.

const AIGERIM_IIN = '950614400011'; // the FAQ's customer: bill 15 000 ₸
const ESP32_SLOTS = 4928;

interface Board {
  readonly lines: string[];
  readonly keypad: PtyPair;
  readonly validator: SimulatorBridge;
  exited: Promise<{ status: number; lines: string[] }>;
  kill(): void;
}

function screensOf(lines: readonly string[]): string[] {
  return lines.map((line) => /^\[screen ([a-z-]+)\//.exec(line)?.[1]).filter((id): id is string => id !== undefined);
}

async function waitFor(
  what: string,
  lines: readonly string[],
  test: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline)
      assert.fail(`waited ${timeoutMs} ms for ${what}; the board printed:\n${lines.slice(-40).join('\n')}`);
    await sleep(50);
  }
}

describe("the firmware on Moddable's Linux runtime: a customer from IIN to synced (hal/moddable/lin)", function () {
  this.timeout(900_000);
  let bank: BankServer;
  let bankDataDir: string;
  let board: Board;
  const ptys: PtyPair[] = [];

  before(async () => {
    const tools = await linuxTools();
    if (!tools.sdkReady()) throw new Error('the Moddable SDK is not set up: run `npm run moddable:setup`');
    const { pkiBase, provisionDir } = linuxProvisioning(tools.cacheRoot());
    const runDirectory = path.join(tools.buildRoot(), 'linux-board-run');
    bankDataDir = bankDataDirWith(pkiBase);
    bank = await startBankServer({ dataDir: bankDataDir, port: 0 });
    bank.registerAtm(LINUX_ATM_ID, 'Almaty, Linux board');
    const build = await tools.buildLinuxApp({
      name: 'linux-board',
      manifest: 'hal/moddable/lin/manifest.json',
      instrument: true,
      config: { linuxRunDirectory: runDirectory, bankPort: Number(new URL(bank.url).port) },
      env: { ATM_PROVISION: provisionDir },
    });

    fs.rmSync(runDirectory, { recursive: true, force: true });
    fs.mkdirSync(runDirectory, { recursive: true });
    const pty = (name: string) => {
      const pair = openPtyPair();
      ptys.push(pair);
      fs.symlinkSync(pair.path, path.join(runDirectory, `${name}.tty`));
      return pair;
    };
    const validator = runValidatorOnPty(pty('validator').master);
    pty('card-reader');
    pty('console');
    const keypad = pty('keypad');
    // Preferences (the SDK's Linux module, config file.root "./") land in the run folder.
    const run = tools.runLinuxApp(build.library, { timeoutSeconds: 600, cwd: runDirectory });
    board = { lines: run.lines, keypad, validator, exited: run.exited, kill: () => run.child.kill('SIGTERM') };
  });

  after(async () => {
    board?.kill();
    board?.validator.stop();
    for (const pair of ptys) pair.master.close();
    await bank?.close();
    if (bankDataDir) fs.rmSync(bankDataDir, { recursive: true, force: true });
  });

  const press = (keys: string) => {
    const bytes = new Uint8Array(Buffer.from(keys, 'ascii'));
    assert.ok(board.keypad.master.write(bytes, bytes.length));
  };
  const onScreen = (id: string) => waitFor(`the ${id} screen`, board.lines, () => screensOf(board.lines).at(-1) === id);

  it('boots the unchanged firmware and shows the attract screen', async () => {
    await onScreen('attract');
    assert.ok(board.lines.includes(`[board] linux ${LINUX_ATM_ID} started`), board.lines.join('\n'));
  });

  it("signs in by IIN over the bank link in its Worker (mutual TLS) and shows the FAQ's bill", async () => {
    press('b'); // F2: Русский
    await onScreen('method');
    press('d'); // F4: IIN
    await onScreen('iin');
    press(`${AIGERIM_IIN}E`);
    await onScreen('bill');
    const bill = board.lines.filter((line) => line.startsWith('[screen bill/')).at(-1)!;
    assert.match(bill, /15\s000/, bill);
    assert.ok(!bill.includes(AIGERIM_IIN), 'the IIN is masked on the screen');
  });

  it('takes four 5 000 ₸ notes through the validator on its serial line, and credits them when the customer finishes', async () => {
    press('E');
    await onScreen('insert-notes');
    for (let note = 0; note < 4; note++) board.validator.sim.insert(5000);
    await waitFor(
      'four notes in the cassette',
      board.lines,
      () => board.validator.sim.truth.cassetteTenge.length === 4,
    );
    await waitFor('the running total', board.lines, () =>
      board.lines.some((line) => line.startsWith('[screen insert-notes/') && /20\s000/.test(line)),
    );
    press('E');
    await onScreen('summary');
  });

  it('syncs the deposit to the bank exactly once: the bank holds the four notes and the next bill is 10 000 ₸', async () => {
    await waitFor(
      'the bank to hold four notes',
      board.lines,
      async () => (await bankNotes(bank, LINUX_ATM_ID)).length >= 4,
    );
    const notes = await bankNotes(bank, LINUX_ATM_ID);
    assert.deepEqual(
      notes.map((note) => note.split(':').at(-1)),
      ['5000', '5000', '5000', '5000'],
    );
    const customer = await appRequest(bank, 'GET', `/app/customers/${AIGERIM_IIN}`);
    assert.equal(customer.json.bill.nextBillTiyn, 1_000_000);
    assert.deepEqual(board.validator.sim.truth.cassetteTenge, [5000, 5000, 5000, 5000]);
  });

  it("ran in the ESP32's heap: the slot heap never passed 4 928 and nothing escaped a callback", async () => {
    const peaks = board.lines
      .filter((line) => line.startsWith('[heap] peak'))
      .map((line) => Number(/peak live (\d+) slots/.exec(line)![1]));
    assert.ok(peaks.length > 0, 'no heap report (instrumented build)');
    const peak = Math.max(...peaks);
    console.log(
      `      peak live slot heap on the Linux board: ${peak} of the ESP32's ${ESP32_SLOTS} slots (${board.lines.filter((line) => line.startsWith('[heap] peak')).at(-1)})`,
    );
    assert.ok(peak <= ESP32_SLOTS);
    assert.ok(!board.lines.some((line) => /XS abort|\[fault\]|\[watchdog\]/.test(line)), board.lines.join('\n'));
  });
});
