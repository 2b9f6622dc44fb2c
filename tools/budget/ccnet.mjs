// CCNET numbers for `npm run budget` (ccnetBudgetRows(), called by sections.mjs) or on
// their own: `node tools/budget/ccnet.mjs`. Compute = XS metering units; heap slots = XS's
// currentHeapCount after gc(), xsnap's own per-evaluate slots subtracted by a control run.
import { fileURLToPath } from 'node:url';
import { bundleForXs } from '../xs/bundle.mjs';
import { startXs } from '../xs/engine.mjs';

const CYCLES_SHORT = 100;
const CYCLES_LONG = 1_000;

export async function ccnetBudgetRows() {
  let message;
  const worker = await startXs((received) => {
    message = received;
  });
  try {
    await worker.evaluate(await bundleForXs("import './tools/budget/xs-ccnet-entry';"));
    const measure = async (code) => (await worker.evaluate(code)).meterUsage;
    await measure('ccnetBudget.cycles(50)'); // start-up sequence and first-call work out of the numbers
    const idle = await measure(`ccnetBudget.cycles(${CYCLES_SHORT})`);
    const afterShort = await measure('gc()');
    for (let done = CYCLES_SHORT; done < CYCLES_LONG; done += CYCLES_SHORT)
      await measure(`ccnetBudget.cycles(${CYCLES_SHORT})`);
    const afterLong = await measure('gc()');
    for (let done = CYCLES_SHORT; done < CYCLES_LONG; done += CYCLES_SHORT) await measure('ccnetBudget.cycles(0)');
    const afterControl = await measure('gc()');
    const harnessSlots = afterControl.currentHeapCount - afterLong.currentHeapCount;
    await worker.evaluate('ccnetBudget.report()');
    const load = message;
    return [
      ['ccnet: compute per poll cycle (150 ms: 30 ticks, 1 POLL exchange)', (idle.compute / CYCLES_SHORT).toFixed(0)],
      [
        `ccnet: heap slots gained over ${CYCLES_LONG - CYCLES_SHORT} idle poll cycles`,
        afterLong.currentHeapCount - harnessSlots - afterShort.currentHeapCount,
      ],
      ['ccnet: poll lateness under load, mean ms (virtual time)', load.mean.toFixed(2)],
      ['ccnet: poll lateness under load, worst ms', load.worst.toFixed(2)],
      ['ccnet: polls measured under load', load.polls],
    ];
  } finally {
    await worker.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await ccnetBudgetRows();
  for (const [what, value] of rows) console.log(`${what.padEnd(64)} ${value}`);
}
