// The ledger's numbers for `npm run budget` (the coordinator calls measureLedgerRows() from
// tools/budget/sections.mjs), or standalone: node tools/budget/ledger.mjs
// Flash numbers come from the NOR emulator running inside XS; compute is XS metering units
// (@agoric/xsnap), deterministic for the pinned version.
import { fileURLToPath } from 'node:url';
import { bundleForXs } from '../xs/bundle.mjs';
import { startXs } from '../xs/engine.mjs';

const APPENDS_METERED = 100;

/** Runs the ledger's measurements in XS; returns [what, value] rows (also printed unless quiet). */
export async function measureLedgerRows({ quiet = false } = {}) {
  let message;
  const worker = await startXs((received) => {
    message = received;
  });
  try {
    await worker.evaluate(await bundleForXs("import './tools/budget/xs-ledger-entry';"));
    const measure = async (code) => (await worker.evaluate(code)).meterUsage.compute;
    await worker.evaluate('issueCommand(new TextEncoder().encode(ledgerBench.numbers()).buffer)');
    const rows = message;
    await measure('ledgerBench.reset(1000)');
    await measure(`ledgerBench.appends(${APPENDS_METERED})`); // warm up
    // The same call with no work: the evaluate's own cost, subtracted.
    const control = await measure('ledgerBench.appends(0)');
    const appends = await measure(`ledgerBench.appends(${APPENDS_METERED})`);
    await measure('ledgerBench.fill()');
    await measure('ledgerBench.mount()'); // warm up
    const mount = await measure('ledgerBench.mount()');
    await measure('ledgerBench.fill()'); // the mounts above pinned the head: each mount metered on the same bytes
    const mountBoard = await measure('ledgerBench.mountBoard()');
    rows.push(['XS compute per append (a 13-byte note record)', ((appends - control) / APPENDS_METERED).toFixed(0)]);
    rows.push(["XS compute per mount of the board's full 128 KiB partition, TypeScript CRC (desk)", mount - control]);
    rows.push(["XS compute per mount of the board's full 128 KiB partition, native CRC (board)", mountBoard - control]);
    if (!quiet) {
      console.log('Deposit ledger (NOR emulator inside XS; compute in XS metering units)');
      for (const [what, value] of rows) console.log(`${what.padEnd(48)} ${value}`);
    }
    return rows;
  } finally {
    await worker.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await measureLedgerRows();
