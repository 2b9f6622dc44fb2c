// The budget report's one shape, and its two renderings: the terminal table `npm run budget`
// prints and the Markdown page docs/budget.md keeps. The JSON file is the report itself.
//
// report:  { command, date, machine: { cpu, cores, memoryGiB, os, node, xsnap }, seconds, sections }
// section: { id, title, workload, rows: [row], error? }   (error: the section could not be measured)
// row:     { key, what, value, unit?, goal?, limit?, note? }  (key is stable: scripts compare runs by it;
//          limit: an enforced goal, value ≤ limit, set by goals.mjs's atMost — a miss fails npm run budget)
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WHAT_WIDTH = 78;
const VALUE_WIDTH = 14;

export function machineFacts() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    xsnap: require('@agoric/xsnap/package.json').version,
  };
}

/** Checks the report's shape; throws on the first thing out of place (the smoke test and run.mjs use it). */
export function checkReport(report) {
  const fail = (message) => {
    throw new Error(`budget report: ${message}`);
  };
  for (const field of ['command', 'date'])
    if (typeof report[field] !== 'string' || report[field] === '') fail(`no ${field}`);
  if (typeof report.machine?.cpu !== 'string' || !(report.machine.cores >= 1)) fail('no machine');
  if (!Array.isArray(report.sections) || report.sections.length === 0) fail('no sections');
  const keys = new Set();
  for (const section of report.sections) {
    for (const field of ['id', 'title', 'workload'])
      if (typeof section[field] !== 'string' || section[field] === '') fail(`section without ${field}`);
    if (!Array.isArray(section.rows)) fail(`section ${section.id}: no rows`);
    if (section.error === undefined && section.rows.length === 0) fail(`section ${section.id}: no rows and no error`);
    for (const row of section.rows) {
      if (typeof row.key !== 'string' || typeof row.what !== 'string')
        fail(`section ${section.id}: a row without key or what`);
      if (keys.has(row.key)) fail(`key ${row.key} twice`);
      keys.add(row.key);
      if (typeof row.value !== 'number' && typeof row.value !== 'string')
        fail(`${row.key}: value is ${typeof row.value}`);
      if (typeof row.value === 'number' && !Number.isFinite(row.value)) fail(`${row.key}: value ${row.value}`);
      if (row.limit !== undefined && (typeof row.limit !== 'number' || typeof row.value !== 'number'))
        fail(`${row.key}: an enforced goal needs a number and a limit`);
    }
  }
  return report;
}

function formatValue(value) {
  if (typeof value !== 'number') return String(value);
  // Thin grouping the way the project writes numbers (4 928), decimals kept.
  const [whole, fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function wrapText(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** One table for the terminal: a header, then each section's workload and rows. */
export function renderTable(report) {
  const width = WHAT_WIDTH + VALUE_WIDTH + 40;
  const out = [];
  out.push(`Firmware budget — ${report.command} — ${report.date}`);
  out.push(
    `${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.os}, Node ${report.machine.node}, xsnap ${report.machine.xsnap}`,
  );
  out.push(`${'measure'.padEnd(WHAT_WIDTH)} ${'value'.padStart(VALUE_WIDTH)}  unit · goal · note`);
  for (const section of report.sections) {
    out.push('─'.repeat(width));
    out.push(`${section.title}`);
    for (const line of wrapText(`workload: ${section.workload}`, width - 2)) out.push(`  ${line}`);
    if (section.error !== undefined) out.push(`  NOT MEASURED: ${section.error}`);
    for (const row of section.rows) {
      const tail = [row.unit, row.goal === undefined ? undefined : `goal ${goalText(row)}`, row.note]
        .filter((part) => part !== undefined)
        .join(' · ');
      // A long value (the ledger's "26.5 B vs 22.3 B payload") takes room from the description, not the column.
      const value = formatValue(row.value);
      const whatWidth = WHAT_WIDTH - Math.max(0, value.length - VALUE_WIDTH);
      const what = row.what.length > whatWidth ? `${row.what.slice(0, whatWidth - 1)}…` : row.what;
      out.push(`${what.padEnd(whatWidth)} ${value.padStart(VALUE_WIDTH)}  ${tail}`);
    }
  }
  out.push('─'.repeat(width));
  out.push(`${report.seconds} s`);
  return out.join('\n');
}

const cell = (text) => String(text).replace(/\|/g, '\\|');

/** An enforced goal says whether it is met; a target is shown as it is. */
function goalText(row) {
  if (row.limit === undefined) return row.goal;
  return row.value <= row.limit ? `${row.goal} ✓` : `${row.goal} ✗ MISSED`;
}

/** The same report as Markdown: one table, a section's workload in the row that opens it. */
export function renderMarkdown(report) {
  const m = report.machine;
  const out = [
    "# The firmware's budget",
    '',
    `Measured ${report.date} with \`${report.command}\` on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}, ` +
      `@agoric/xsnap ${m.xsnap}; ${report.seconds} s. Compute is XS metering units (deterministic for the pinned xsnap, whatever the ` +
      "machine); slots are XS heap slots of 16 bytes (the classic ESP32 without PSRAM has 4 928). Only the bank link's " +
      'records per second are wall-clock. The JSON of the same run is `artifacts/budget.json`.',
    '',
    '| measure | value | unit | goal | note |',
    '| --- | ---: | --- | --- | --- |',
  ];
  for (const section of report.sections) {
    out.push(
      `| **${cell(section.title)}** — ${cell(section.workload)}${section.error === undefined ? '' : ` — NOT MEASURED: ${cell(section.error)}`} | | | | |`,
    );
    for (const row of section.rows) {
      out.push(
        `| ${cell(row.what)} | ${cell(formatValue(row.value))} | ${cell(row.unit ?? '')} | ${cell(row.goal === undefined ? '' : goalText(row))} | ${cell(row.note ?? '')} |`,
      );
    }
  }
  out.push('', ...HOW_TO_READ);
  // Where the compute goes, written by hand from `npm run budget:profile` (it changes when the code does, not each run).
  const notes = new URL('./where-it-goes.md', import.meta.url);
  if (fs.existsSync(notes)) out.push('', fs.readFileSync(notes, 'utf8').trimEnd());
  return `${out.join('\n')}\n`;
}

const HOW_TO_READ = [
  '## How the numbers are taken',
  '',
  '- **Goals** with ✓ or ✗ are enforced (tools/budget/goals.mjs): `npm run budget` exits 1 when a figure is above one. The others ' +
    'are targets, shown and not enforced.',
  "- **Compute** is xsnap's metering count for one `evaluate`; every measured call is its own evaluate, and a control call of the " +
    'same shape that runs nothing is subtracted. "Firmware" compute comes from a second, metered run: xsnap\'s `resetMeter` is read ' +
    'around each loop tick and each bank-reply callback, and the simulated ports those call (serial cables, NOR emulator, SHA-256 ' +
    "in TypeScript, the bank link) are read and taken off, because on the board they are native code. The meters' own wrappers " +
    'cost compute a plain call does not; that cost, calibrated on a method that does nothing, is taken off per wrapped call.',
  '- **Desk and board.** The CCNET CRC-16 and the ledger\'s CRC-32 go through the Crc port. "TypeScript CRC (desk)" figures ' +
    'keep the firmware\'s TypeScript CRCs (src/crc.ts) as the desk and the simulation run them; "native CRC (board)" figures put ' +
    "in their place what the board runs: hal/moddable/crc.ts's own JavaScript around its native calls (the SDK's CRC16, " +
    "esp_rom_crc32_le), the natives stood in by calls that return at once (tools/budget/board-natives.ts). The mount's board figure " +
    'replays the CRC-32 answers of a mount of the same bytes.',
  "- **Slots** are XS's `currentHeapCount` after `gc()` in an evaluate of its own. xsnap keeps exactly one slot per evaluate " +
    '(the budget checks this and stops if it changes) and those are taken off. An empty xsnap machine already holds about 3 900 ' +
    "slots of XS built-ins and xsnap globals, which a Moddable board keeps in flash: subtracted. The bundle's modules (firmware, " +
    'simulators, tools) and the simulated board at rest are measured on their own and subtracted; what the simulators allocate ' +
    "while running stays in, so the firmware figure is an upper bound. The firmware's own modules are measured in a fresh " +
    'machine: on the board they take RAM too unless the manifest preloads them into flash.',
  "- Samples are taken between loop ticks (every 20 ms of virtual time), so a tick's own temporaries are not in them: xsnap 0.15 " +
    'reports neither XS\'s peak slot count nor chunk (byte) use. "Garbage per idle tick" is the slot count rising over 100 ticks ' +
    'with no collection.',
];
