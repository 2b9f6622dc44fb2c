// `npm run budget`'s report: its shape (what scripts and docs/budget.md rely on), and one real
// run of the cheap section end to end. The XS sections are the budget's own business (about
// 35 s); here only the bundle section runs, in a child process (run.mjs loads @endo/init,
// whose lockdown must stay out of this mocha process).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Json } from '../../tools/bank/kit';

const root = path.resolve(__dirname, '../..');
// The report module is ESM; a plain import() (not rewritten to require by the CommonJS build) loads it.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, Json>>;

function goodReport(): Record<string, Json> {
  return {
    command: 'npm run budget',
    date: '2026-11-26T10:00:00Z',
    seconds: 1,
    machine: { cpu: 'test cpu', cores: 2, memoryGiB: 4, os: 'Linux', node: 'v20', xsnap: '0.15.0' },
    sections: [
      {
        id: 'machine',
        title: 'Machine',
        workload: 'one customer',
        rows: [
          { key: 'heap.peak', what: 'firmware slots at the peak', value: 4928, unit: 'slots', goal: '≤ 4 928' },
          { key: 'ledger.bytes', what: 'bytes per note', value: '26.5 B vs 22.3 B payload (1.19x)' },
        ],
      },
    ],
  };
}

describe('npm run budget report', function () {
  this.timeout(30_000);

  it('writes JSON and Markdown the checker accepts, with the firmware bundle measured (--only bundle)', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-'));
    try {
      const jsonFile = path.join(directory, 'budget.json');
      const run = spawnSync(process.execPath, ['tools/budget/run.mjs', '--only', 'bundle', '--json', jsonFile], {
        cwd: root,
        encoding: 'utf8',
        timeout: 25_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const { checkReport } = await importEsm(path.join(root, 'tools/budget/report.mjs'));
      const report = checkReport(JSON.parse(fs.readFileSync(jsonFile, 'utf8')));
      assert.equal(report.command, `npm run budget -- --only bundle --json ${jsonFile}`);
      assert.deepEqual(
        report.sections.map((section: { id: string }) => section.id),
        ['bundle'],
      );
      const value = (key: string) =>
        report.sections[0].rows.find((row: { key: string }) => row.key === key)?.value as number;
      // Minifying shrinks, gzip shrinks further; a bundle of src/ is at least tens of kilobytes.
      assert.ok(value('bundle.bytes') > value('bundle.bytesMinified'), 'minified is not smaller');
      assert.ok(value('bundle.bytesMinified') > value('bundle.bytesMinifiedGzip'), 'gzip is not smaller');
      assert.ok(value('bundle.bytesMinifiedGzip') > 10_000);
      const srcFiles = fs
        .readdirSync(path.join(root, 'src'), { recursive: true })
        .filter((file) => String(file).endsWith('.ts')).length;
      assert.ok(
        value('bundle.srcModules') >= 10 && value('bundle.srcModules') <= srcFiles,
        `${value('bundle.srcModules')} of ${srcFiles} src files`,
      );
      // The printed table and the Markdown carry the same rows.
      assert.match(run.stdout, /bundle, minified and gzipped/);
      const markdown = fs.readFileSync(path.join(directory, 'budget.md'), 'utf8');
      assert.equal(markdown.split('\n').filter((line) => line.startsWith('| bundle')).length, 3);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses an unknown section rather than measuring nothing', () => {
    const run = spawnSync(process.execPath, ['tools/budget/run.mjs', '--only', 'nonsense'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /no section nonsense/);
  });

  it('checks the shape: a duplicate key, a NaN value, a section with neither rows nor error are refused', async () => {
    const { checkReport } = await importEsm(path.join(root, 'tools/budget/report.mjs'));
    assert.equal(checkReport(goodReport()).sections.length, 1);
    const duplicate = goodReport();
    duplicate.sections[0].rows[1].key = 'heap.peak';
    assert.throws(() => checkReport(duplicate), /key heap\.peak twice/);
    const notANumber = goodReport();
    notANumber.sections[0].rows[0].value = Number.NaN;
    assert.throws(() => checkReport(notANumber), /heap\.peak: value NaN/);
    const empty = goodReport();
    empty.sections[0].rows = [];
    assert.throws(() => checkReport(empty), /no rows and no error/);
    const failed = goodReport();
    failed.sections[0].rows = [];
    failed.sections[0].error = 'xsnap exited';
    assert.equal(checkReport(failed).sections[0].error, 'xsnap exited');
  });

  it('enforces the goals set with atMost: a figure above its limit is marked MISSED and makes the run exit 1; the others are targets', async () => {
    const { atMost, exitStatus, goalsMissed, GOALS } = await importEsm(path.join(root, 'tools/budget/goals.mjs'));
    const { checkReport, renderMarkdown, renderTable } = await importEsm(path.join(root, 'tools/budget/report.mjs'));
    const report = goodReport();
    const idle = (value: number) =>
      atMost(
        { key: 'compute.idleTick.firmware', what: 'compute per idle tick', value, unit: 'XS compute' },
        GOALS.idleTickCompute,
      );
    report.sections[0].rows.push(idle(999.5));
    checkReport(report);
    assert.deepEqual(goalsMissed(report), []);
    assert.equal(exitStatus(report), 0, 'the target on heap.peak (≤ 4 928, not enforced) does not fail the run');
    assert.match(renderTable(report) as string, /compute per idle tick\s+999\.5 {2}XS compute · goal ≤ 1 000 ✓/);
    report.sections[0].rows[2] = idle(1_000.5);
    assert.deepEqual(
      goalsMissed(report).map((row: { key: string }) => row.key),
      ['compute.idleTick.firmware'],
    );
    assert.equal(exitStatus(report), 1);
    assert.match(
      renderMarkdown(report) as string,
      /\| compute per idle tick \| 1 000\.5 \| XS compute \| ≤ 1 000 ✗ MISSED \|/,
    );
    assert.deepEqual(GOALS, {
      idleTickCompute: 1_000,
      noteAboveWaitingCompute: 25_000,
      mountCompute: 2_000_000,
      settingsWritesPerNote: 0,
    });
    const unchecked = goodReport();
    unchecked.sections[0].rows.push({ key: 'x', what: 'x', value: '12 B', limit: 10 });
    assert.throws(() => checkReport(unchecked), /an enforced goal needs a number/);
  });

  it('prints numbers grouped as the project writes them, with goal and workload, and says what was not measured', async () => {
    const { renderTable, renderMarkdown } = await importEsm(path.join(root, 'tools/budget/report.mjs'));
    const report = goodReport();
    report.sections.push({ id: 'bank', title: 'Bank', workload: 'loopback', rows: [], error: 'bank section exited 1' });
    const table = renderTable(report) as string;
    assert.match(table, /firmware slots at the peak\s+4 928 {2}slots · goal ≤ 4 928/);
    assert.match(table, /workload: one customer/);
    assert.match(table, /NOT MEASURED: bank section exited 1/);
    const markdown = renderMarkdown(report) as string;
    assert.match(markdown, /\| firmware slots at the peak \| 4 928 \| slots \| ≤ 4 928 \| {2}\|/);
    assert.match(markdown, /Measured 2026-11-26T10:00:00Z with `npm run budget` on test cpu/);
  });
});
