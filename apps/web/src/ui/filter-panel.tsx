// The search filters of the API (docs/api.md, "Search") as a form: status, dataset, model kind, sweep, and
// conditions on any field or spec path joined by "all of" (AND) or "any of" (OR). The form edits the URL's
// query (status, dataset, modelKind, sweep, where), so a filtered view is a link; "Edit as JSON" shows `where`
// itself. The API's 400 issues are shown on the condition their path points to.
import { useEffect, useState } from 'preact/hooks';
import { DATASET_NAMES } from '@slmlab/core/datasets';
import { MODEL_KINDS } from '@slmlab/core/spec';
import { ApiError } from '../api/client.ts';
import { STATUSES } from '../api/types.ts';
import { setQuery } from '../router.ts';
import { ALL_FIELDS, isNumericField } from './fields.ts';
import { conditionsToWhere, whereToConditions, type Condition, type Join } from './where.ts';

const OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'prefix'] as const;

export function FilterPanel({ query, error, statusFilter = true }: { query: URLSearchParams; error?: Error; statusFilter?: boolean }) {
  const whereText = query.get('where') ?? '';
  const parsed = whereToConditions(whereText);
  const [join, setJoin] = useState<Join>(parsed?.join ?? 'all');
  const [conds, setConds] = useState<Condition[]>(parsed?.conditions ?? []);
  const [rawMode, setRawMode] = useState(!parsed);
  const [raw, setRaw] = useState(whereText);
  useEffect(() => {
    const p = whereToConditions(whereText);
    if (p) [setJoin(p.join), setConds(p.conditions)];
    setRawMode(!p);
    setRaw(whereText);
  }, [whereText]);
  const issues = error instanceof ApiError ? error.issues : [];
  const issueFor = (i: number) => issues.filter((x) => new RegExp(`^/where/(or|and)/${i}(/|$)`).test(x.path) || (conds.length === 1 && x.path.startsWith('/where/')));

  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({ where: rawMode ? raw.trim() : conditionsToWhere(conds, join), cursor: null });
  };
  // JSON → conditions only when the JSON is a flat AND or OR of one-operator conditions; else it stays JSON, saying so.
  const [note, setNote] = useState('');
  const toggleMode = () => {
    if (!rawMode) return (setRaw(conditionsToWhere(conds, join)), setRawMode(true), setNote(''));
    const p = whereToConditions(raw);
    if (!p) return setNote('this filter nests AND/OR or uses several operators on one field: it can only be edited as JSON');
    setJoin(p.join);
    setConds(p.conditions);
    setRawMode(false);
    setNote('');
  };
  const update = (i: number, change: Partial<Condition>) => setConds(conds.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const select = (name: string, label: string, options: readonly string[]) => (
    <label>
      {label}
      <select name={name} value={query.get(name) ?? ''} onChange={(e) => setQuery({ [name]: e.currentTarget.value, cursor: null })}>
        <option value="">any</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
  return (
    <form class="card filters" onSubmit={apply} aria-label="Filters">
      <div class="row">
        {statusFilter ? select('status', 'Status', STATUSES) : null}
        {select('dataset', 'Dataset', DATASET_NAMES)}
        {select('modelKind', 'Model', MODEL_KINDS)}
        <label>
          Sweep id
          <input name="sweep" size={38} value={query.get('sweep') ?? ''} placeholder="a sweep's id" onChange={(e) => setQuery({ sweep: e.currentTarget.value.trim(), cursor: null })} />
        </label>
      </div>
      <datalist id="filter-fields">{ALL_FIELDS.map((f) => <option key={f} value={f} />)}</datalist>
      {rawMode ? (
        <label>
          where (JSON, the API's filter language)
          <textarea name="where" rows={3} value={raw} onInput={(e) => setRaw(e.currentTarget.value)} class={issues.length ? 'invalid' : ''} />
        </label>
      ) : (
        <div class="conditions">
          <div class="row">
            <label class="inline">
              Match
              <select name="join" value={join} onChange={(e) => setJoin(e.currentTarget.value as Join)}>
                <option value="all">all of (AND)</option>
                <option value="any">any of (OR)</option>
              </select>
              the conditions
            </label>
          </div>
          {conds.map((c, i) => (
            <div key={i}>
              <div class="cond" data-condition={i}>
                <input aria-label="field" name={`field-${i}`} list="filter-fields" value={c.field} placeholder="field or spec path" onInput={(e) => update(i, { field: e.currentTarget.value })} class={issueFor(i).length ? 'invalid' : ''} />
                <select aria-label="operator" name={`op-${i}`} value={c.op} onChange={(e) => update(i, { op: e.currentTarget.value })}>
                  {OPS.map((o) => <option key={o} value={o}>{o}</option>)}
                </select>
                <input aria-label="value" name={`value-${i}`} value={c.value} placeholder={c.op === 'in' ? 'a, b, c' : isNumericField(c.field) ? 'number' : 'value'} onInput={(e) => update(i, { value: e.currentTarget.value })} />
                <button type="button" aria-label={`remove condition ${i + 1}`} onClick={() => setConds(conds.filter((_, j) => j !== i))}>×</button>
              </div>
              {issueFor(i).map((x) => <div class="field-error" key={x.path}>{x.path}: {x.message}</div>)}
            </div>
          ))}
        </div>
      )}
      <div class="toolbar">
        {rawMode ? null : <button type="button" onClick={() => setConds([...conds, { field: '', op: 'eq', value: '' }])}>Add condition</button>}
        <button type="submit" class="primary">Apply</button>
        <button type="button" class="link" onClick={toggleMode}>{rawMode ? 'Edit as conditions' : 'Edit as JSON'}</button>
        {query.toString() ? <button type="button" class="link" onClick={() => setQuery({ status: null, dataset: null, modelKind: null, sweep: null, where: null, cursor: null })}>Clear filters</button> : null}
      </div>
      {note ? <p class="hint" role="status">{note}</p> : null}
      {rawMode && issues.length ? issues.map((x) => <div class="field-error" key={x.path}>{x.path}: {x.message}</div>) : null}
    </form>
  );
}
