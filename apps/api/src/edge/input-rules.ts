// Rules every piece of client input obeys before any handler sees it, whatever its schema: JSON nested at most
// MAX_JSON_DEPTH levels (deeper JSON overflowed the stack of recursive code), no string PostgreSQL cannot store
// (a NUL, or a UTF-16 surrogate without its pair: PostgreSQL answered them with errors that became 500s), and no
// key that reaches an object's prototype (`__proto__`, `constructor.prototype`). Each violation is an issue at
// its JSON-pointer path.
import { MAX_JSON_DEPTH, jsonDepthExceeds, type Issue } from '@slmlab/core';

// The depth rule is core's (the bundle decoder applies it too); re-exported for app.ts's body parser.
export { MAX_JSON_DEPTH, jsonDepthExceeds };
const MAX_ISSUES = 20;

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not store `s` as text, if it could not. */
export function unstorableText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'must not contain a NUL character (\\u0000)' : 'must not contain an unpaired UTF-16 surrogate';
}

/** Every rule broken by a parsed JSON value (or query/params/headers object), at its path below `path`. */
export function inputIssues(value: unknown, path = ''): Issue[] {
  const issues: Issue[] = [];
  walk(value, path, issues, 0);
  return issues;
}

function walk(value: unknown, path: string, issues: Issue[], depth: number): void {
  if (issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    const why = unstorableText(value);
    if (why) issues.push({ path: path || '/', message: why });
    return;
  }
  if (depth > MAX_JSON_DEPTH) {
    issues.push({ path: path || '/', message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}/${i}`, issues, depth + 1));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const key of Object.keys(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const child = (value as Record<string, unknown>)[key];
    const why = keyProblem(key, child) ?? unstorableText(key);
    if (why) issues.push({ path: at, message: why });
    else walk(child, at, issues, depth + 1);
  }
}

function keyProblem(key: string, child: unknown): string | undefined {
  if (key === '__proto__') return 'a "__proto__" key is not allowed';
  if (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child) {
    return 'a "constructor" key holding "prototype" is not allowed';
  }
  return undefined;
}
