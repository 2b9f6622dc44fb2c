// `npm run budget`: the firmware's budget in one table, and the same report as JSON
// (artifacts/budget.json) and Markdown (artifacts/budget.md; `-- --docs` also writes docs/budget.md).
//   npm run budget [-- --docs] [--only machine,bundle,ledger,ccnet,bank,sync] [--json FILE]
// The XS sections run side by side (their compute counts do not depend on the machine's
// load); the bank link's wall-clock throughput runs alone afterwards. Exits 1 when a section
// could not be measured or a figure misses an enforced goal (goals.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureMachineBudget } from './machine.mjs';
import { checkReport, machineFacts, renderMarkdown, renderTable } from './report.mjs';
import { measureBank, measureBundle, measureCcnet, measureLedger } from './sections.mjs';
import { measureSync } from './sync.mjs';
import { exitStatus, goalsMissed } from './goals.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SECTIONS = Object.freeze([
  {
    id: 'machine',
    title: 'Whole firmware on the simulated machine, in XS',
    measure: measureMachineBudget,
    alone: false,
  },
  { id: 'bundle', title: 'Firmware bundle', measure: measureBundle, alone: false },
  { id: 'ledger', title: 'Deposit ledger (NOR emulator inside XS)', measure: measureLedger, alone: false },
  { id: 'ccnet', title: 'CCNET bill validator driver', measure: measureCcnet, alone: false },
  { id: 'bank', title: 'Bank link over loopback HTTPS', measure: measureBank, alone: true },
  { id: 'sync', title: 'Bank sync per customer session', measure: measureSync, alone: false },
]);

function parseArguments(argv) {
  const options = { docs: false, only: undefined, json: path.join(root, 'artifacts/budget.json') };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--docs') options.docs = true;
    else if (argument === '--only') options.only = argv[++index]?.split(',');
    else if (argument === '--json') options.json = path.resolve(argv[++index] ?? '');
    else throw new Error(`budget: unknown argument ${argument} (--docs, --only ids, --json FILE)`);
  }
  const unknown = (options.only ?? []).filter((id) => !SECTIONS.some((section) => section.id === id));
  if (unknown.length > 0) throw new Error(`budget: no section ${unknown.join(', ')}`);
  return options;
}

/** A section that fails is reported as not measured; the others still are. */
async function measureSection(section) {
  try {
    return await section.measure();
  } catch (error) {
    return {
      id: section.id,
      title: section.title,
      workload: '(not run to the end)',
      rows: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const options = parseArguments(argv);
  const chosen = SECTIONS.filter((section) => options.only === undefined || options.only.includes(section.id));
  const startMs = performance.now();
  const together = await Promise.all(chosen.filter((section) => !section.alone).map(measureSection));
  const alone = [];
  for (const section of chosen.filter((candidate) => candidate.alone)) alone.push(await measureSection(section));
  const byId = new Map([...together, ...alone].map((section) => [section.id, section]));
  const report = checkReport({
    command: ['npm run budget', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineFacts(),
    seconds: Number(((performance.now() - startMs) / 1000).toFixed(1)),
    sections: chosen.map((section) => byId.get(section.id)),
  });
  console.log(renderTable(report));
  fs.mkdirSync(path.dirname(options.json), { recursive: true });
  fs.writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  fs.writeFileSync(`${options.json.replace(/\.json$/, '')}.md`, markdown);
  if (options.docs) fs.writeFileSync(path.join(root, 'docs/budget.md'), markdown);
  console.log(`written: ${path.relative(root, options.json)}${options.docs ? ', docs/budget.md' : ''}`);
  const failed = report.sections.filter((section) => section.error !== undefined);
  if (failed.length > 0)
    console.error(`not measured: ${failed.map((section) => `${section.id} (${section.error})`).join('; ')}`);
  const missed = goalsMissed(report);
  if (missed.length > 0)
    console.error(`goals missed: ${missed.map((row) => `${row.what}: ${row.value} > ${row.limit}`).join('; ')}`);
  process.exitCode = exitStatus(report);
}

await main();
