// Specs side by side: every scalar path of any of them, with each spec's value (undefined where it lacks it)
// and whether they differ. Names are left out: they always differ and say nothing about the model.

export interface DiffRow {
  path: string;
  values: unknown[];
  differs: boolean;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
}

export function specDiff(specs: Record<string, unknown>[]): DiffRow[] {
  const flat = specs.map((s) => {
    const m = new Map<string, unknown>();
    flatten(s, '', m);
    m.delete('name');
    return m;
  });
  const paths = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  return paths.map((path) => {
    const values = flat.map((m) => m.get(path));
    const differs = values.some((v) => JSON.stringify(v) !== JSON.stringify(values[0]));
    return { path, values, differs };
  });
}
