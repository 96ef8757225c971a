// "Did you mean …?" for command-line options: the closest known name by edit distance, so that a misspelt
// option is answered with the one the user meant rather than with a list of every option.
import { ExperimentSpec } from '@slmlab/core';

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `word`, or undefined when none is close enough to be a likely typo. A bare field
 * name (`epochs`) also matches a dotted path ending in it (`training.epochs`), the commonest slip with spec
 * paths.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const leaf = k.split('.').at(-1)!;
    // A bare field name counts as one slip from its path; on a tie a command's own option (no dot) wins.
    const score = Math.min(editDistance(word, k), leaf === word ? 1 : editDistance(word, leaf) + 1) + (k.includes('.') ? 0.5 : 0);
    if (score < bestScore) [best, bestScore] = [k, score];
  }
  // Allow about one slip per four characters: "trainig.epochs" → training.epochs, but "foo" suggests nothing.
  return bestScore <= Math.max(2, Math.floor(word.length / 4)) + 0.5 ? best : undefined;
}

type SchemaNode = { properties?: Record<string, SchemaNode>; anyOf?: SchemaNode[] };

/** Every dotted path of a scalar spec field, over all model kinds ("training.epochs", "model.layers", …). */
export function specPaths(node: SchemaNode = ExperimentSpec as unknown as SchemaNode, prefix = ''): string[] {
  const out = new Set<string>();
  for (const branch of node.anyOf ?? [node]) {
    for (const [key, child] of Object.entries(branch.properties ?? {})) {
      const path = `${prefix}${key}`;
      if (child.properties || child.anyOf) for (const p of specPaths(child, `${path}.`)) out.add(p);
      else out.add(path);
    }
  }
  return [...out].sort();
}
