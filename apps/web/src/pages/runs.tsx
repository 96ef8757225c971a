// Runs: the API's search as a table. Filters, sort, page and columns live in the URL; rows can be picked for
// Compare.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/client.ts';
import type { Experiment, Page } from '../api/types.ts';
import { href, navigate, setQuery } from '../router.ts';
import { FilterPanel } from '../ui/filter-panel.tsx';
import { Empty, ErrorBox, Loading, StatusBadge } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { SPEC_PATHS } from '../ui/fields.ts';
import { COLUMNS, DEFAULT_COLUMNS, columnsFor, type Column } from './run-columns.ts';

const REFRESH_MS = 5000;
const SEARCH_KEYS = ['status', 'dataset', 'modelKind', 'sweep', 'where', 'sort', 'order', 'cursor', 'limit'];

export function RunsPage({ query }: { query: URLSearchParams }) {
  const params = Object.fromEntries(SEARCH_KEYS.map((k) => [k, query.get(k)]));
  const keys = query.get('cols')?.split(',').filter(Boolean) ?? DEFAULT_COLUMNS;
  const columns = columnsFor(keys);
  const [live, setLive] = useState(false);
  // While a run on this page is queued or running, the page reads again every few seconds (statuses, results).
  const page = useApi(() => get<Page<Experiment>>('/v1/experiments', { limit: 50, ...params }), [JSON.stringify(params)], { every: live ? REFRESH_MS : undefined });
  const anyLive = !!page.data?.items.some((e) => e.status === 'queued' || e.status === 'running');
  useEffect(() => setLive(anyLive), [anyLive]);
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked(picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id]);
  return (
    <section>
      <h1>Runs</h1>
      <FilterPanel query={query} error={page.error} />
      <div class="toolbar">
        <ColumnPicker keys={keys} />
        <button type="button" disabled={picked.length < 2} onClick={() => navigate(href('/compare', { ids: picked.join(',') }))}>
          Compare selected ({picked.length})
        </button>
        <a href={href('/new')}>New run</a>
      </div>
      {page.error ? <ErrorBox error={page.error} retry={page.reload} /> : null}
      {!page.data && page.loading ? <Loading what="runs" /> : null}
      {page.data ? <RunsTable items={page.data.items} columns={columns} query={query} picked={picked} toggle={toggle} /> : null}
      {page.data ? <Pager next={page.data.nextCursor} first={!!query.get('cursor')} /> : null}
    </section>
  );
}

function RunsTable({ items, columns, query, picked, toggle }: { items: Experiment[]; columns: Column[]; query: URLSearchParams; picked: string[]; toggle: (id: string) => void }) {
  if (!items.length) {
    return query.get('where') || query.get('status') || query.get('dataset') || query.get('modelKind') || query.get('sweep')
      ? <Empty>No run matches these filters. <button type="button" class="link" onClick={() => setQuery({ status: null, dataset: null, modelKind: null, sweep: null, where: null, cursor: null })}>Clear them</button>.</Empty>
      : <Empty>No runs yet. <a href={href('/new')}>Submit one</a>, or run <code>npm run demo</code>.</Empty>;
  }
  return (
    <div class="table-wrap">
      <table class="runs" aria-label="Runs">
        <thead>
          <tr>
            <th><span class="sr-only">pick</span></th>
            {columns.map((c) => <th key={c.key} class={c.numeric ? 'num' : ''} aria-sort={ariaSort(c, query)}><SortHeader column={c} query={query} /></th>)}
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-id={e.id}>
              <td><input type="checkbox" aria-label={`pick ${e.name ?? e.id}`} checked={picked.includes(e.id)} onChange={() => toggle(e.id)} /></td>
              {columns.map((c) => <td key={c.key} class={c.numeric ? 'num' : ''} data-col={c.key}>{cell(c, e)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cell(c: Column, e: Experiment) {
  if (c.key === 'status') return <StatusBadge status={e.status} />;
  if (c.key === 'name') return <a href={href(`/runs/${e.id}`)} title={e.name ?? e.id}>{e.name ?? e.id.slice(0, 8)}</a>;
  return c.show(e);
}

function ariaSort(c: Column, query: URLSearchParams): 'ascending' | 'descending' | undefined {
  const sort = query.get('sort') ?? 'createdAt';
  if (c.sort !== sort) return undefined;
  return (query.get('order') ?? 'desc') === 'asc' ? 'ascending' : 'descending';
}

function SortHeader({ column, query }: { column: Column; query: URLSearchParams }) {
  if (!column.sort) return <>{column.label}</>;
  const active = (query.get('sort') ?? 'createdAt') === column.sort;
  const order = query.get('order') ?? 'desc';
  // Results read best-first ascending (NLL); times newest-first.
  const next = active ? (order === 'asc' ? 'desc' : 'asc') : column.numeric ? 'asc' : 'desc';
  return (
    <button type="button" class="sort" title={`sort by ${column.label}`} onClick={() => setQuery({ sort: column.sort, order: next, cursor: null })}>
      {column.label} {active ? (order === 'asc' ? '▲' : '▼') : ''}
    </button>
  );
}

function ColumnPicker({ keys }: { keys: string[] }) {
  const [path, setPath] = useState('');
  const set = (next: string[]) => setQuery({ cols: next.join(',') });
  const toggle = (k: string) => set(keys.includes(k) ? keys.filter((x) => x !== k) : [...keys, k]);
  return (
    <details class="column-picker">
      <summary>Columns</summary>
      <div class="cols">
        {COLUMNS.map((c) => (
          <label class="inline" key={c.key}><input type="checkbox" checked={keys.includes(c.key)} onChange={() => toggle(c.key)} /> {c.label}</label>
        ))}
        {keys.filter((k) => k.startsWith('spec.')).map((k) => (
          <label class="inline" key={k}><input type="checkbox" checked onChange={() => toggle(k)} /> {k}</label>
        ))}
      </div>
      <form class="row" onSubmit={(e) => (e.preventDefault(), path && !keys.includes(path) && set([...keys, path]), setPath(''))}>
        <label>
          Add a spec column
          <input list="spec-paths" value={path} placeholder="spec.model.layers" onInput={(e) => setPath(e.currentTarget.value.trim())} />
        </label>
        <datalist id="spec-paths">{SPEC_PATHS.map((p) => <option key={p.path} value={p.path} />)}</datalist>
        <button type="submit">Add</button>
        <button type="button" class="link" onClick={() => setQuery({ cols: null })}>Default columns</button>
      </form>
    </details>
  );
}

function Pager({ next, first }: { next: string | null; first: boolean }) {
  return (
    <div class="pager">
      {first ? <button type="button" onClick={() => setQuery({ cursor: null })}>First page</button> : null}
      {first ? <button type="button" onClick={() => history.back()}>Previous</button> : null}
      {next ? <button type="button" onClick={() => setQuery({ cursor: next })}>Next page</button> : <span class="hint">End of the list.</span>}
    </div>
  );
}
