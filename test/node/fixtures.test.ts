// Everything outside test/ is there for what a person or CI runs: a file under src/, hal/ or
// tools/ that only tests import is a fixture and belongs in test/support/ (test/core/support/ when
// the core suite, which also runs in XS, needs it); one that nothing reaches is dead. Reachability
// is computed from the entry points (package.json's scripts, the board builds' manifests, the
// bench page) over every string in every module that names a repository file
// (test/support/import-graph.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { codeFiles, entryPoints, reachable, referencesOf } from '../support/import-graph';

const ROOT = path.resolve(__dirname, '../..');

interface Graph {
  readonly files: readonly string[];
  readonly edges: (file: string) => Iterable<string>;
}

function repositoryGraph(root: string): Graph {
  const files = codeFiles(root);
  const known = new Set(files);
  const cache = new Map<string, Set<string>>();
  const edges = (file: string): Set<string> => {
    let found = cache.get(file);
    if (found === undefined) {
      found = referencesOf(root, file, fs.readFileSync(path.join(root, file), 'utf8'), known);
      cache.set(file, found);
    }
    return found;
  };
  return { files, edges };
}

/** Files outside test/ that no entry point reaches: "imported only by tests" or "dead", one line each. */
function misplaced(graph: Graph, entries: readonly string[]): string[] {
  const outsideTests = (file: string) => !file.startsWith('test/');
  const used = reachable(entries, graph.edges, outsideTests);
  const byTests = reachable(
    graph.files.filter((file) => !outsideTests(file)),
    graph.edges,
    () => true,
  );
  return graph.files
    .filter((file) => outsideTests(file) && !used.has(file))
    .map(
      (file) =>
        `${file}: ${byTests.has(file) ? 'imported only by tests: move it to test/support/' : 'reached from nothing: dead'}`,
    );
}

describe('fixtures live in test/ (tools/ holds what a person runs)', () => {
  const graph = repositoryGraph(ROOT);
  const entries = entryPoints(ROOT, new Set(graph.files));

  it('finds the entry points a person runs: npm start, the simulation, the board build, the bench page', () => {
    for (const entry of [
      'tools/bench/start.ts',
      'tools/sim/run.ts',
      'tools/scenario/run.ts',
      'src/firmware.ts',
      'hal/moddable/board.ts',
      'tools/bench/web/static/bench.js',
    ]) {
      assert.ok(entries.includes(entry), `${entry} is not an entry point`);
    }
    assert.ok(!entries.some((entry) => entry.startsWith('test/')), 'a test is not an entry point');
  });

  it('no file outside test/ is imported only by tests, and none is reached from nothing', () => {
    assert.deepEqual(misplaced(graph, entries), []);
  });

  it('catches a fixture left in tools/ and a dead module (a test of the test)', () => {
    const files = ['tools/run.ts', 'tools/part.ts', 'tools/rig.ts', 'tools/old.ts', 'test/x.test.ts'];
    const imports: Record<string, string[]> = {
      'tools/run.ts': ['tools/part.ts'],
      'test/x.test.ts': ['tools/rig.ts', 'tools/part.ts'],
      'tools/rig.ts': ['tools/part.ts'],
    };
    const toy: Graph = { files, edges: (file) => imports[file] ?? [] };
    assert.deepEqual(misplaced(toy, ['tools/run.ts']), [
      'tools/rig.ts: imported only by tests: move it to test/support/',
      'tools/old.ts: reached from nothing: dead',
    ]);
  });
});
