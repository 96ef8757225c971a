// The import rules of docs/architecture.md, checked over the sources: no import circles (type-only imports
// count: a circle of types is still a circle a reader must untangle), the API never imports the worker, its
// feature folders never import back up into its root files (app.ts, server.ts, testing.ts), the
// worker's ML core imports only TensorFlow.js, Dawn's bindings, @slmlab/core and Node's own modules, the
// dashboard (apps/web) only Preact, Observable Plot and core's browser-safe modules, and no
// file imports from outside its package except through the package's name. `npm run check:imports` prints every
// breach; test/imports.test.ts runs the same check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['apps/api/src', 'apps/worker/src', 'apps/web/src', 'packages/core/src', 'packages/db/src'];

export interface Breach {
  rule: string;
  detail: string;
}

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) {
      if (entry !== 'generated' && entry !== 'node_modules') out.push(...sourceFiles(p));
    } else if (/\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC)].map((m) => m[1]!);
}

const rel = (p: string) => path.relative(ROOT, p);

/** Every breach of the rules in the project's sources (tests excluded: they may reach across, as end-to-end suites do). */
export function checkImports(): Breach[] {
  const files = SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)));
  const graph = new Map<string, string[]>();
  const breaches: Breach[] = [];
  for (const file of files) {
    const local: string[] = [];
    for (const spec of importsOf(file)) {
      const breach = ruleBreach(file, spec);
      if (breach) breaches.push(breach);
      if (spec.startsWith('.')) local.push(path.resolve(path.dirname(file), spec));
    }
    graph.set(file, local);
  }
  for (const cycle of cycles(graph)) breaches.push({ rule: 'no import circles', detail: cycle.map(rel).join(' → ') });
  return breaches;
}

const ML_ALLOWED = /^(node:|@tensorflow\/|webgpu$|@slmlab\/core$|\.)/;
/** The dashboard runs in a browser: no Node modules, and of core only the files that need none. */
const WEB_ALLOWED = /^(preact(\/hooks)?|@observablehq\/plot|@slmlab\/core\/(spec|cost|datasets)|\.)$|^\./;

function ruleBreach(file: string, spec: string): Breach | undefined {
  const from = rel(file);
  const target = spec.startsWith('.') ? rel(path.resolve(path.dirname(file), spec)) : spec;
  if (from.startsWith('apps/api/') && (target.startsWith('apps/worker/') || spec === '@slmlab/worker')) {
    return { rule: 'the API never imports the worker', detail: `${from} imports ${spec}` };
  }
  // Features sit below the API's root files: they never import back up into them (the root imports the features).
  const apiRoot = /^apps\/api\/src\/(app|server|testing)\.ts$/;
  if (from.startsWith('apps/api/src/') && from.split('/').length > 4 && apiRoot.test(target)) {
    return { rule: 'features do not import the API root (app.ts, server.ts, testing.ts)', detail: `${from} imports ${spec}` };
  }
  if (from.startsWith('apps/worker/src/ml/')) {
    if (!ML_ALLOWED.test(spec)) return { rule: 'the ML core imports only tfjs, Dawn, @slmlab/core and node:*', detail: `${from} imports ${spec}` };
    if (spec.startsWith('.') && !target.startsWith('apps/worker/src/ml/')) return { rule: 'the ML core imports nothing of the worker around it', detail: `${from} imports ${spec}` };
  }
  if (from.startsWith('apps/web/')) {
    if (!WEB_ALLOWED.test(spec)) return { rule: 'the dashboard imports only preact, Observable Plot and @slmlab/core/{spec,cost,datasets}', detail: `${from} imports ${spec}` };
    // The study's rows are bundled into the page as data (src/paper.ts): the one path it reads outside its package.
    if (spec.startsWith('.') && target.startsWith('experiments/paper/')) return undefined;
  }
  if (spec.startsWith('.')) {
    const pkg = (p: string) => p.split('/').slice(0, 2).join('/');
    if (pkg(target) !== pkg(from)) return { rule: 'other packages are imported by name', detail: `${from} imports ${spec}` };
  }
  return undefined;
}

/** The import circles of `graph` (Tarjan's strongly connected components of more than one file, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.reverse());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const breaches = checkImports();
  for (const b of breaches) console.log(`${b.rule}: ${b.detail}`);
  console.log(breaches.length ? `${breaches.length} breach(es)` : 'imports: no breach');
  process.exit(breaches.length ? 1 : 0);
}
