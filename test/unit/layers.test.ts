import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule of ARCHITECTURE.md, enforced: the layer table there is the data this test reads, so the
 * document and the rule cannot drift. A layer is a folder of src/ (`web`) or a top-level file (`paths.ts`); a
 * file may import its own layer and the layers its row's "May import" column names.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');
const SOURCE = /\.(ts|cts|mts)$/;

type Allowed = ReadonlySet<string> | 'everything';
type Table = Map<string, Allowed>;
interface Edge {
  /** Paths relative to the package root, with the importing file's layer and the imported one's. */
  file: string;
  target: string;
  from: string;
  to: string;
}

/** `src/web/` → `web`, `src/paths.ts` → `paths.ts`, `query` → `query`. */
function layerName(token: string): string {
  return token.replace(/^src\//, '').replace(/\/$/, '');
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The first Markdown table with a "May import" column: layer → the layers it may import. */
export function readLayerTable(markdown: string): Table {
  const lines = markdown.split('\n');
  const head = lines.findIndex((l) => l.trim().startsWith('|') && cells(l).includes('May import'));
  if (head < 0) throw new Error('no table with a "May import" column');
  const col = cells(lines[head]).indexOf('May import');
  const table: Table = new Map();
  for (let i = head + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const row = cells(lines[i]);
    const layers = backticked(row[0]).map(layerName);
    if (layers.length === 0) throw new Error(`row without a folder in backticks: ${lines[i]}`);
    const cell = row[col] ?? '';
    let allowed: Allowed;
    if (cell === 'everything') allowed = 'everything';
    else if (cell === 'nothing') allowed = new Set();
    else {
      const items = cell.split(',').map((s) => s.trim());
      const bad = items.filter((s) => !/^`[^`]+`$/.test(s));
      if (bad.length > 0) throw new Error(`"May import" must list \`layers\`, or say nothing or everything: ${cell}`);
      allowed = new Set(items.map((s) => layerName(s.slice(1, -1))));
    }
    for (const layer of layers) {
      if (table.has(layer)) throw new Error(`two rows for ${layer}`);
      table.set(layer, allowed);
    }
  }
  return table;
}

/** Every relative import of a file: static, type-only, re-exports, dynamic import() and require(). */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
}

/** The first segment of a path inside src/: a folder (`web`), or a top-level file (`paths.ts`). */
function layerOf(fromSrc: string): string {
  return fromSrc.split('/')[0];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : SOURCE.test(e.name) ? [p] : [];
  });
}

/** `./x.js` is the TypeScript file `./x.ts` (NodeNext keeps the emitted extension in the source). */
function resolve(file: string, spec: string): string {
  const p = path.resolve(path.dirname(file), spec);
  const candidates = [p, p.replace(/\.js$/, '.ts'), p.replace(/\.cjs$/, '.cts'), p.replace(/\.mjs$/, '.mts')];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new Error(`${path.relative(ROOT, file)}: cannot resolve import '${spec}'`);
  return found;
}

function importEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    specifiersOf(fs.readFileSync(file, 'utf8')).map((spec) => {
      const target = resolve(file, spec);
      const rel = path.relative(SRC, target).split(path.sep).join('/');
      return {
        file: path.relative(ROOT, file),
        target: path.relative(ROOT, target),
        from: layerOf(path.relative(SRC, file).split(path.sep).join('/')),
        to: rel.startsWith('..') ? `outside src/ (${path.relative(ROOT, target)})` : layerOf(rel),
      };
    }),
  );
}

/** Each edge the table does not allow, as a sentence naming the file, the import and the rule. */
export function violations(table: Table, edges: readonly Edge[]): string[] {
  return edges.flatMap((e) => {
    if (e.from === e.to) return [];
    const allowed = table.get(e.from);
    if (allowed === undefined) return [`${e.file}: layer ${e.from} has no row in ARCHITECTURE.md's table`];
    if (allowed === 'everything' || allowed.has(e.to)) return [];
    const may = allowed.size === 0 ? 'nothing' : [...allowed].join(', ');
    return [`${e.file} imports ${e.target}: ${e.from} → ${e.to}, but ${e.from} may import only ${may}`];
  });
}

const table = readLayerTable(fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8'));
const layersInSrc = new Set(sourceFiles(SRC).map((f) => layerOf(path.relative(SRC, f).split(path.sep).join('/'))));

describe('layers (ARCHITECTURE.md, "May import")', () => {
  it('the table has a row for every folder and top-level file of src/, and names only those', () => {
    expect([...layersInSrc].filter((l) => !table.has(l)), 'layers in src/ without a row').toEqual([]);
    const named = new Set([...table.keys(), ...[...table.values()].flatMap((a) => (a === 'everything' ? [] : [...a]))]);
    expect([...named].filter((l) => !layersInSrc.has(l)), 'names in the table that are not in src/').toEqual([]);
  });

  it('every import in src/ is one the table allows', () => {
    const edges = importEdges();
    // The walk sees the real graph (a regression in reading imports would otherwise pass vacuously).
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.from === 'web' && e.to === 'query')).toBe(true);
    expect(violations(table, edges)).toEqual([]);
  });

  it('the rule reads the target layering: views go through query/, never to each other or the store', () => {
    const allows = (from: string, to: string) => {
      const a = table.get(from);
      return a === 'everything' || (a !== undefined && a.has(to));
    };
    expect(table.get('model')).toEqual(new Set());
    expect(table.get('analysis')).toEqual(new Set(['model']));
    // query/ runs the sampling simulator, whose policies and replay (sampling/) are pure like analysis/.
    expect(table.get('query')).toEqual(new Set(['model', 'analysis', 'sampling']));
    expect(table.get('sampling')).toEqual(new Set(['model']));
    expect(table.get('format')).toEqual(new Set(['model', 'codec']));
    expect(table.get('codec')).toEqual(new Set(['model']));
    for (const view of ['api', 'web', 'cli']) {
      for (const layer of ['model', 'query', 'format', 'analysis']) expect(allows(view, layer), `${view} → ${layer}`).toBe(true);
      for (const layer of ['api', 'web', 'cli', 'store', 'ingest']) if (layer !== view) expect(allows(view, layer), `${view} → ${layer}`).toBe(false);
    }
    for (const wiring of ['app.ts', 'server.ts', 'main.ts']) expect(table.get(wiring)).toBe('everything');
  });

  it('finds every kind of import and reports a forbidden one by file and rule', () => {
    const source = [
      "import type { A } from '../api/a.js';",
      "export { b } from './b.js';",
      "// import { c } from '../store/c.js';",
      "const d = await import('../store/d.js');",
      "import x from 'fastify';",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['../api/a.js', './b.js', '../store/d.js']);
    const edge = (file: string, target: string, from: string, to: string): Edge => ({ file, target, from, to });
    expect(
      violations(table, [
        edge('src/web/plugin.ts', 'src/api/errors.ts', 'web', 'api'),
        edge('src/web/plugin.ts', 'src/web/render.ts', 'web', 'web'),
        edge('src/api/routes.ts', 'src/query/index.ts', 'api', 'query'),
        edge('src/main.ts', 'src/store/open.ts', 'main.ts', 'store'),
        edge('src/forecast/x.ts', 'src/model/span.ts', 'forecast', 'model'),
      ]),
    ).toEqual([
      'src/web/plugin.ts imports src/api/errors.ts: web → api, but web may import only model, query, format, analysis, paths.ts',
      "src/forecast/x.ts: layer forecast has no row in ARCHITECTURE.md's table",
    ]);
  });

  it('refuses a table it cannot read', () => {
    const md = (cell: string) => `| Folder | Owns | May import |\n|---|---|---|\n| \`src/x/\` | things | ${cell} |\n`;
    expect(readLayerTable(md('`model`, `query`')).get('x')).toEqual(new Set(['model', 'query']));
    expect(() => readLayerTable(md('`model` and the reader ports'))).toThrow(/must list/);
    expect(() => readLayerTable('no table')).toThrow(/May import/);
  });
});
