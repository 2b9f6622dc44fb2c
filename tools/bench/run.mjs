// `npm run bench`: the firmware's budget on the XS engine, in XS's deterministic counts.
// compute = XS metering units of one evaluate; heap slots = XS's currentHeapCount after gc().
import { bundleForXs } from '../xs/bundle.mjs';
import { startXs } from '../xs/engine.mjs';

const TICKS_SHORT = 1_000;
const TICKS_LONG = 10_000;

const worker = await startXs(() => undefined);
try {
  await worker.evaluate(await bundleForXs("import './tools/bench/xs-idle-entry';"));
  const measure = async (code) => (await worker.evaluate(code)).meterUsage;
  await measure('bench.idleTicks(100)'); // warm up: first-call work stays out of the numbers
  const idle = await measure(`bench.idleTicks(${TICKS_SHORT})`);
  const afterShort = await measure('gc()');
  // The same source text each time, so the engine's own parse of it stays out of the count.
  for (let done = TICKS_SHORT; done < TICKS_LONG; done += TICKS_SHORT) await measure(`bench.idleTicks(${TICKS_SHORT})`);
  const afterLong = await measure('gc()');
  // Control: xsnap itself keeps about one slot per evaluate; the same evaluates with no
  // ticks measure that, and it is subtracted so what remains is the firmware's own.
  for (let done = TICKS_SHORT; done < TICKS_LONG; done += TICKS_SHORT) await measure('bench.idleTicks(0)');
  const afterControl = await measure('gc()');
  const harnessSlots = afterControl.currentHeapCount - afterLong.currentHeapCount;
  const rows = [
    ['idle loop: compute per tick', (idle.compute / TICKS_SHORT).toFixed(1)],
    [`heap slots after ${TICKS_SHORT} ticks`, afterShort.currentHeapCount],
    [`heap slots after ${TICKS_LONG} ticks (less xsnap's own)`, afterLong.currentHeapCount - harnessSlots],
    ['xsnap slots per evaluate (control)', (harnessSlots / 9).toFixed(2)],
    ['slots gained per idle tick', ((afterLong.currentHeapCount - harnessSlots - afterShort.currentHeapCount) / (TICKS_LONG - TICKS_SHORT)).toFixed(4)],
  ];
  console.log('XS engine (@agoric/xsnap), firmware on the simulated board, idle');
  for (const [what, value] of rows) console.log(`${what.padEnd(48)} ${value}`);
} finally {
  await worker.close();
}
