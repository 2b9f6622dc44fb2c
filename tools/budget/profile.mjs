// Where the firmware's compute goes, function by function, in XS: the budget's machine of
// `npm run budget` with a probe around every function of src/ and hal/sim/ (profile-plugin.mjs).
//   npm run budget:profile -- [--top N] [--json FILE]
// Windows: an idle tick on the attract screen (1 000 ticks), the machine waiting for a note on
// insert-notes (2 s), and the first note from the validator's ESCROW answer to the note-stacked
// record, also less the waiting machine for as long (the budget's "above waiting" figure).
// Self compute = the function's own, its callees' taken off; the probes' own cost is calibrated
// and subtracted, so the sums come near the budget's figures without matching them to the unit.
// "fw" rows are firmware functions inside the firmware's turns (the loop's tick); "port" rows the
// simulated ports they call (native code on the board); "world" the simulators, firmware code
// they run themselves (the validator's own FrameReader) included. The bank's reply callbacks are
// counted as world here (the budget counts them as firmware turns): a note has one at most.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startXs } from '../xs/engine.mjs';
import { profilePlugin } from './profile-plugin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REGION = 4096;
const SLICE_MS = 20;
const LOOP_TICK_MS = 5;
const IDLE_TICKS = 1_000;
const WAITING_MS = 2_000;
const CUSTOMER_IIN = '950614400011';
const FIRST_NOTE_TENGE = 20_000;

function parseArguments(argv) {
  const options = { top: 40, json: undefined };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--top') options.top = Number(argv[++index]);
    else if (argv[index] === '--json') options.json = path.resolve(argv[++index]);
    else throw new Error(`profile: unknown argument ${argv[index]} (--top N, --json FILE)`);
  }
  return options;
}

async function bundle(names) {
  const result = await build({
    stdin: { contents: "import './tools/budget/xs-profile-entry';", resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'neutral',
    logLevel: 'silent',
    alias: { 'node:assert/strict': path.join(root, 'test/xs/assert-shim.ts') },
    plugins: [profilePlugin(root, names, ['src/', 'hal/sim/', 'tools/budget/profile-calibration'])],
  });
  if (process.env.PROFILE_BUNDLE) fs.writeFileSync(process.env.PROFILE_BUNDLE, result.outputFiles[0].text);
  return result.outputFiles[0].text;
}

/** Evaluates `code` in XS; an exception comes back as an Error here instead of killing the worker. */
async function evaluate(worker, messages, code) {
  const before = messages.length;
  await worker.evaluate(
    `try { ${code}\n} catch (error) { issueCommand(new TextEncoder().encode(JSON.stringify({ thrown: String(error), stack: String(error?.stack ?? '') })).buffer); }`,
  );
  const thrown = messages.slice(before).find((message) => message?.thrown !== undefined);
  if (thrown !== undefined) throw new Error(`in XS: ${thrown.thrown}\n${thrown.stack}`);
}

class Run {
  constructor(worker, messages) {
    this.worker = worker;
    this.messages = messages;
  }

  async call(code) {
    const before = this.messages.length;
    await evaluate(this.worker, this.messages, code);
    return this.messages[before];
  }

  async state() {
    return this.call('machineBudget.report()');
  }

  async counters() {
    return this.call('profileBench.send()');
  }

  async runTo(condition, limitMs) {
    for (let spent = 0; spent < limitMs; spent += SLICE_MS) {
      const state = await this.call(`machineBudget.until("${condition}", ${SLICE_MS}); machineBudget.report()`);
      if (state.halt !== '') throw new Error(`the firmware halted: ${state.halt}`);
      if (state.reached) return state;
    }
    if (condition !== 'never') throw new Error(`profile: "${condition}" not reached in ${limitMs} ms`);
    return this.state();
  }
}

/** Per-function self compute over a window [before, after), less the probes' cost. */
function window(before, after) {
  const out = new Map();
  for (let id = 0; id < after.self.length; id++) {
    const calls = after.calls[id] - before.calls[id];
    if (calls === 0) continue;
    const self =
      after.self[id] -
      before.self[id] -
      calls * after.overheadInside -
      (after.childCalls[id] - before.childCalls[id]) * after.overheadPerChild;
    out.set(id, { calls, self });
  }
  return out;
}

function label(names, id) {
  const region = Math.floor(id / REGION);
  const name = names[id % REGION];
  if (region === 1) return `port  ${name}`;
  if (region === 2) return `world ${name} (firmware code the simulators run)`;
  return name.startsWith('src/') ? `fw    ${name}` : `world ${name}`;
}

function report(names, title, rows, scale, top) {
  const list = [...rows.entries()].map(([id, row]) => ({
    name: label(names, id),
    calls: row.calls * scale,
    self: row.self * scale,
  }));
  const firmware = list.filter((row) => row.name.startsWith('fw')).reduce((sum, row) => sum + row.self, 0);
  const ports = list.filter((row) => row.name.startsWith('port')).reduce((sum, row) => sum + row.self, 0);
  list.sort((a, b) => Math.abs(b.self) - Math.abs(a.self));
  console.log(`\n${title}: firmware ${firmware.toFixed(0)}, ports called by it ${ports.toFixed(0)}`);
  for (const row of list.slice(0, top))
    console.log(`${row.self.toFixed(0).padStart(10)} ${row.calls.toFixed(1).padStart(9)}  ${row.name}`);
  return { title, firmware, ports, rows: list };
}

/** Rows of `a` less `b` scaled by `factor` (a window less the waiting machine for as long). */
function subtract(a, b, factor) {
  const out = new Map(a);
  for (const [id, row] of b) {
    const mine = out.get(id) ?? { calls: 0, self: 0 };
    out.set(id, { calls: mine.calls - row.calls * factor, self: mine.self - row.self * factor });
  }
  return out;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const names = [];
  const code = await bundle(names);
  const kinds = names.map((name) => (name.startsWith('src/') ? 1 : name === 'hal/sim/world:SimTicker.step' ? 2 : 0));
  const messages = [];
  const worker = await startXs((message) => messages.push(message));
  try {
    const run = new Run(worker, messages);
    // The names first: module code runs probes as the bundle is evaluated.
    await evaluate(
      worker,
      messages,
      `globalThis.__profileNames = ${JSON.stringify(names)}; globalThis.__profileKinds = ${JSON.stringify(kinds)};`,
    );
    await evaluate(worker, messages, code);
    await evaluate(worker, messages, 'profileBench.calibrate()');
    await evaluate(worker, messages, 'machineBudget.boot()');
    await run.runTo('attract', 30_000);
    await evaluate(worker, messages, `machineBudget.until("never", ${100 * LOOP_TICK_MS})`);
    const idleBefore = await run.counters();
    await evaluate(worker, messages, `machineBudget.until("never", ${IDLE_TICKS * LOOP_TICK_MS})`);
    const idle = window(idleBefore, await run.counters());

    await evaluate(worker, messages, 'machineBudget.press("F2")');
    await run.runTo('method', 5_000);
    await evaluate(
      worker,
      messages,
      `machineBudget.press(${JSON.stringify(['F4', ...CUSTOMER_IIN.split(''), 'enter'].join(' '))})`,
    );
    await run.runTo('bill', 30_000);
    await evaluate(worker, messages, 'machineBudget.press("enter")');
    await run.runTo('insert-notes', 30_000);
    const waitingStart = await run.state();
    const waitingBefore = await run.counters();
    await run.runTo('never', WAITING_MS);
    const waitingEnd = await run.state();
    const waiting = window(waitingBefore, await run.counters());
    const waitingMs = waitingEnd.nowMs - waitingStart.nowMs;

    await evaluate(worker, messages, `machineBudget.insert(${FIRST_NOTE_TENGE})`);
    await run.runTo('escrow-polled', 10_000);
    const noteStart = await run.state();
    const noteBefore = await run.counters();
    const noteEnd = await run.runTo('stacked', 10_000);
    const note = window(noteBefore, await run.counters());
    const noteMs = noteEnd.nowMs - noteStart.nowMs;

    const calibration = messages.find((message) => message.overheadInside !== undefined);
    console.log(
      `probe cost: ${calibration.overheadInside.toFixed(1)} inside a function, ${calibration.overheadPerChild.toFixed(1)} per call it makes`,
    );
    const reports = [
      report(names, `idle tick on attract (per tick, over ${IDLE_TICKS})`, idle, 1 / IDLE_TICKS, options.top),
      report(
        names,
        `waiting on insert-notes (per tick, over ${waitingMs} ms)`,
        waiting,
        LOOP_TICK_MS / waitingMs,
        options.top,
      ),
      report(names, `first note, ESCROW polled → note-stacked (${noteMs} ms)`, note, 1, options.top),
      report(
        names,
        'first note above the waiting machine',
        subtract(note, waiting, noteMs / waitingMs),
        1,
        options.top,
      ),
    ];
    if (options.json !== undefined) fs.writeFileSync(options.json, `${JSON.stringify(reports, null, 2)}\n`);
  } finally {
    await worker.close();
  }
}

await main();
