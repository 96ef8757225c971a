// Sweeps: newest first, each with its cells' statuses; a new sweep from JSON (POST /v1/sweeps), its problems
// shown by path.
import { useState } from 'preact/hooks';
import { ApiError, get, post } from '../api/client.ts';
import type { Page, Status, StatusCounts, Sweep } from '../api/types.ts';
import { STATUSES } from '../api/types.ts';
import * as fmt from '../format.ts';
import { href, navigate, setQuery } from '../router.ts';
import { Empty, ErrorBox, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

export const EXAMPLE_SWEEP = {
  name: 'context length x width',
  base: { dataset: 'tinyshakespeare', model: { kind: 'linear' }, training: { epochs: 2, windowsPerEpoch: 2000, evalWindows: 256 } },
  axes: { 'model.contextLength': [16, 32], 'model.dModel': [16, 32] },
  seeds: 2,
};

export function SweepsPage({ query }: { query: URLSearchParams }) {
  const cursor = query.get('cursor');
  const page = useApi(() => get<Page<Sweep>>('/v1/sweeps', { limit: 20, cursor }), [cursor]);
  return (
    <section>
      <h1>Sweeps</h1>
      <NewSweep />
      {page.error ? <ErrorBox error={page.error} retry={page.reload} /> : null}
      {!page.data && page.loading ? <Loading what="sweeps" /> : null}
      {page.data && !page.data.items.length ? <Empty>No sweeps yet. Start one above ("New sweep"): a grid of axes over a base spec, each cell an experiment, several seeds per cell.</Empty> : null}
      {page.data?.items.length ? (
        <div class="table-wrap">
          <table aria-label="Sweeps">
            <thead><tr><th>name</th><th>axes</th><th class="num">seeds</th><th class="num">cells</th><th>status of the cells</th><th>created</th></tr></thead>
            <tbody>
              {page.data.items.map((s) => (
                <tr key={s.id} data-id={s.id}>
                  <td><a href={href(`/sweeps/${s.id}`)}>{s.name ?? fmt.shortId(s.id)}</a></td>
                  <td>{Object.entries(s.axes).map(([k, v]) => `${k} ∈ {${v.map(fmt.value).join(', ')}}`).join(' × ') || fmt.dash}</td>
                  <td class="num">{s.seeds.length || 1}</td>
                  <td class="num">{s.cellCount}</td>
                  <td><Counts counts={s.counts} /></td>
                  <td>{fmt.date(s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div class="pager">
        {cursor ? <button type="button" onClick={() => setQuery({ cursor: null })}>First page</button> : null}
        {page.data?.nextCursor ? <button type="button" onClick={() => setQuery({ cursor: page.data!.nextCursor })}>Next page</button> : null}
      </div>
    </section>
  );
}

export function Counts({ counts }: { counts: StatusCounts }) {
  const shown = STATUSES.filter((s) => counts[s] > 0);
  if (!shown.length) return <span class="hint">no cells</span>;
  return <>{shown.map((s: Status) => <span key={s} class={`badge status-${s}`} data-count={s} style="margin-right:4px">{counts[s]} {s}</span>)}</>;
}

function NewSweep() {
  const [text, setText] = useState(JSON.stringify(EXAMPLE_SWEEP, null, 2));
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return setError(new Error(`not valid JSON: ${(err as Error).message}`));
    }
    try {
      const sweep = await post<Sweep>('/v1/sweeps', body);
      navigate(href(`/sweeps/${sweep.id}`));
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <details class="card">
      <summary>New sweep</summary>
      <form onSubmit={submit} aria-label="New sweep">
        <p class="hint">The body of POST /v1/sweeps: a base spec, axes (dotted spec paths → values; the cartesian product is run) and seeds (a list, or a count n meaning 1..n).</p>
        <textarea rows={12} name="sweep" value={text} onInput={(e) => setText(e.currentTarget.value)} class={error ? 'invalid' : ''} />
        <div class="toolbar"><button type="submit" class="primary">Start sweep</button></div>
        {error ? <ErrorBox error={error} /> : null}
        {error instanceof ApiError && Array.isArray((error.body as { error?: { cells?: unknown[] } })?.error?.cells) ? <p class="hint">Nothing was submitted: fix the cells above and start again.</p> : null}
      </form>
    </details>
  );
}
