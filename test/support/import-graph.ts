// Who refers to whom in the repository, read with TypeScript's own parser: every string literal
// in a module that names a file of the repository (an import, a require, an esbuild entry, a
// path a script joins to the root, a module a bundle's source text imports) is an edge. The
// test that keeps fixtures in test/ (test/node/fixtures.test.ts) walks it from the entry points
// a person runs. Node-only.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The top-level folders whose files the graph knows. */
export const CODE_FOLDERS = Object.freeze(['src', 'hal', 'tools', 'test']);
const CODE_FILE = /\.(ts|mjs|js|cjs)$/;
const RESOLVE_SUFFIXES = Object.freeze(['', '.ts', '.mjs', '.js', '.cjs', '/index.ts', '/index.js']);
/** A path-like run inside a string: "./x/y", "../../tools/x", "tools/x/y.ts". */
const PATH_IN_TEXT = /(?:\.{1,2}\/)+[\w@.-]+(?:\/[\w@.-]+)*|[\w@-][\w@.-]*(?:\/[\w@.-]+)+/g;

/** Every code file under the code folders, as repository-relative paths with "/" separators. */
export function codeFiles(root: string): string[] {
  return CODE_FOLDERS.flatMap((folder) =>
    fs
      .readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
      .map((name) => `${folder}/${name.split(path.sep).join('/')}`),
  ).filter((name) => CODE_FILE.test(name) && !name.endsWith('.d.ts') && fs.statSync(path.join(root, name)).isFile());
}

/** The string literals of a module (imports, requires, and every other string and template text). */
export function stringsOf(fileName: string, source: string): string[] {
  const kind = fileName.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, kind);
  const strings: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node))
      strings.push(node.text);
    node.forEachChild(visit);
  };
  visit(file);
  return strings;
}

/** The repository file a path names, looked up from `fromDir` and from the root; undefined when none. */
export function resolveInRepo(
  root: string,
  fromDir: string,
  text: string,
  known: ReadonlySet<string>,
): string | undefined {
  for (const base of [fromDir, root]) {
    const absolute = path.resolve(root, base, text);
    for (const suffix of RESOLVE_SUFFIXES) {
      const relative = path
        .relative(root, absolute + suffix)
        .split(path.sep)
        .join('/');
      if (known.has(relative)) return relative;
    }
  }
  return undefined;
}

/** The repository files a module names in its string literals (itself excluded). */
export function referencesOf(root: string, fileName: string, source: string, known: ReadonlySet<string>): Set<string> {
  const fromDir = path.dirname(fileName);
  const found = new Set<string>();
  for (const text of stringsOf(fileName, source)) {
    for (const match of text.matchAll(PATH_IN_TEXT)) {
      const target = resolveInRepo(root, fromDir, match[0], known);
      if (target !== undefined && target !== fileName) found.add(target);
    }
  }
  return found;
}

/** Every file `roots` reach by references, following only the files `follow` admits. */
export function reachable(
  roots: Iterable<string>,
  edges: (file: string) => Iterable<string>,
  follow: (file: string) => boolean,
): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots].filter(follow);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of edges(file)) if (follow(next) && !seen.has(next)) queue.push(next);
  }
  return seen;
}

/** The code files a Moddable manifest's modules name, its platforms' too ("dir/*" is every file in dir). */
export function manifestReferences(root: string, manifestPath: string, known: ReadonlySet<string>): Set<string> {
  type Modules = { modules?: Record<string, string> };
  const manifest = JSON.parse(fs.readFileSync(path.join(root, manifestPath), 'utf8')) as Modules & {
    platforms?: Record<string, Modules>;
  };
  const fromDir = path.dirname(manifestPath);
  const found = new Set<string>();
  const targets = [manifest, ...Object.values(manifest.platforms ?? {})].flatMap((part) =>
    Object.values(part.modules ?? {}),
  );
  for (const target of targets) {
    if (target.includes('$(')) continue; // the SDK's own
    if (target.endsWith('.json')) continue; // another manifest: entryPoints reads every one
    const relative = path
      .relative(root, path.resolve(root, fromDir, target))
      .split(path.sep)
      .join('/');
    const folder = relative.endsWith('/*') ? relative.slice(0, -2) : undefined;
    for (const file of known) {
      const stem = file.replace(/\.(ts|mjs|js|cjs)$/, '');
      if (folder === undefined ? stem === relative : path.posix.dirname(file) === folder) found.add(file);
    }
  }
  return found;
}

/** The files an HTML page loads (script src, stylesheet href), looked up from the page's folder ("/x" is the page's own folder). */
export function pageReferences(root: string, pagePath: string, known: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const html = fs.readFileSync(path.join(root, pagePath), 'utf8');
  for (const match of html.matchAll(/\b(?:src|href)="([^"#?]+)"/g)) {
    const file = resolveInRepo(root, path.dirname(pagePath), match[1].replace(/^\//, ''), known);
    if (file !== undefined) found.add(file);
  }
  return found;
}

/**
 * What a person or CI runs: the files package.json's scripts name (a mocha config's specs are
 * tests, not entry points), the board builds' Moddable manifests and what they name, and the
 * bench page's HTML and what it loads. Paths are repository-relative.
 */
export function entryPoints(root: string, known: ReadonlySet<string>): string[] {
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const entries = new Set<string>();
  for (const command of Object.values(scripts)) {
    for (const word of command.split(/\s+/)) {
      const file = resolveInRepo(root, '.', word, known);
      if (file !== undefined && !file.startsWith('test/')) entries.add(file);
    }
  }
  const others = CODE_FOLDERS.filter((folder) => folder !== 'test').flatMap((folder) =>
    fs
      .readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
      .map((name) => `${folder}/${name.split(path.sep).join('/')}`),
  );
  const manifests = ['manifest.json', ...others.filter((name) => /(^|\/)manifest[\w-]*\.json$/.test(name))];
  for (const manifest of manifests) for (const file of manifestReferences(root, manifest, known)) entries.add(file);
  for (const page of others.filter((name) => name.endsWith('.html')))
    for (const file of pageReferences(root, page, known)) entries.add(file);
  return [...entries];
}
