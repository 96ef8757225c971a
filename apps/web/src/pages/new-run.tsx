// Submitting a run, or resubmitting one with changes (?from=<id>): a form generated from the spec's schema,
// checked as you type by the same rules the API applies (problems shown on their field), with the cost the API
// will compute; the API's own answer (400 issues, 422 limits) is shown on the fields too.
import { useMemo, useState } from 'preact/hooks';
import { DATASET_NAMES } from '@slmlab/core/datasets';
import { MODEL_KINDS, specIssues, parseSpec, type ModelKind } from '@slmlab/core/spec';
import { estimateCost, estimateMemoryBytes } from '@slmlab/core/cost';
import { ApiError, call, get, type Issue } from '../api/client.ts';
import type { Experiment } from '../api/types.ts';
import * as fmt from '../format.ts';
import { href, navigate } from '../router.ts';
import { ErrorBox, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { at, modelFields, trainingFields, withField, type FieldSpec } from '../ui/spec-form.ts';

type Spec = Record<string, unknown>;

/** Small enough to finish in well under a minute on one CPU worker. */
export const STARTER_SPEC: Spec = {
  name: 'my first run',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16, dModel: 32 },
  training: { epochs: 2, windowsPerEpoch: 2000, evalWindows: 256 },
};

export function NewRunPage({ from }: { from: string | null }) {
  const source = useApi(() => (from ? get<Experiment>(`/v1/experiments/${from}`).then((e) => e.spec as unknown as Spec) : Promise.resolve(STARTER_SPEC)), [from]);
  if (source.error) return <ErrorBox error={source.error} retry={source.reload} />;
  if (!source.data) return <Loading what="the spec" />;
  return <SpecEditor key={from ?? 'new'} initial={source.data} from={from} />;
}

function SpecEditor({ initial, from }: { initial: Spec; from: string | null }) {
  const [spec, setSpec] = useState<Spec>(initial);
  const [force, setForce] = useState(false);
  const [serverIssues, setServerIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const issues = useMemo(() => specIssues(spec), [spec]);
  const kind = (at(spec, '/model/kind') as ModelKind) ?? 'linear';
  const all = [...issues, ...serverIssues];
  const change = (path: string, value: unknown) => {
    setServerIssues([]);
    setSpec(withField(spec, path, value));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { status, data } = await call<Experiment>('POST', `/v1/experiments${force ? '?force=true' : ''}`, spec);
      navigate(href(`/runs/${data.id}`, status === 200 ? { duplicate: '1' } : {}));
    } catch (err) {
      setError(err as Error);
      if (err instanceof ApiError) setServerIssues(err.issues);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="spec-editor" onSubmit={submit} aria-label="Experiment spec" noValidate>
      <h1>{from ? 'Resubmit with changes' : 'New run'}</h1>
      {from ? <p class="hint">Starting from <a href={href(`/runs/${from}`)}>{from}</a>; change what you want and submit.</p> : null}
      <div class="grid" style="grid-template-columns: 2fr 1fr">
        <div>
          <div class="card">
            <h2>Run</h2>
            <div class="row">
              <Field f={{ path: '/name', name: 'name', type: 'string', optional: true, description: 'shown in tables' }} spec={spec} issues={all} change={change} />
              <Field f={{ path: '/dataset', name: 'dataset', type: 'choice', choices: [...DATASET_NAMES], optional: false }} spec={spec} issues={all} change={change} />
              <Field f={{ path: '/model/kind', name: 'model', type: 'choice', choices: [...MODEL_KINDS], optional: false }} spec={spec} issues={all} change={(p, v) => change(p, v ?? 'linear')} />
            </div>
          </div>
          <FieldGroup title={`Model: ${kind}`} fields={modelFields(kind)} spec={spec} issues={all} change={change} />
          <FieldGroup title="Training" fields={trainingFields()} spec={spec} issues={all} change={change} />
        </div>
        <div>
          <CostCard spec={spec} valid={!issues.length} />
          <div class="card">
            <h2>Submit</h2>
            {all.filter((i) => !knownPath(i.path, kind)).map((i) => <p class="field-error" key={i.path}>{i.path || 'spec'}: {i.message}</p>)}
            <label class="inline"><input type="checkbox" checked={force} onChange={() => setForce(!force)} /> run again even if an identical spec already ran</label>
            <div class="toolbar">
              <button type="submit" class="primary" disabled={busy || issues.length > 0}>{busy ? 'Submitting…' : 'Submit'}</button>
              {issues.length ? <span class="field-error" role="status">{issues.length} problem{issues.length > 1 ? 's' : ''} to fix</span> : null}
            </div>
            {error && !(error instanceof ApiError && error.issues.length) ? <ErrorBox error={error} /> : null}
          </div>
          <div class="card"><h2>JSON</h2><pre class="mono" aria-label="spec JSON">{JSON.stringify(spec, null, 2)}</pre></div>
        </div>
      </div>
    </form>
  );
}

function knownPath(path: string, kind: ModelKind): boolean {
  return ['/name', '/dataset', '/model/kind'].includes(path) || [...modelFields(kind), ...trainingFields()].some((f) => f.path === path);
}

function FieldGroup({ title, fields, ...rest }: { title: string; fields: FieldSpec[]; spec: Spec; issues: Issue[]; change: (path: string, v: unknown) => void }) {
  return (
    <fieldset class="card">
      <legend><h2 style="margin:0">{title}</h2></legend>
      <div class="grid">{fields.map((f) => <Field key={f.path} f={f} {...rest} />)}</div>
    </fieldset>
  );
}

function Field({ f, spec, issues, change }: { f: FieldSpec; spec: Spec; issues: Issue[]; change: (path: string, v: unknown) => void }) {
  const value = at(spec, f.path);
  const mine = issues.filter((i) => i.path === f.path);
  const id = `field${f.path.replace(/\//g, '-')}`;
  const hint = [f.description, f.minimum !== undefined || f.maximum !== undefined ? `${f.minimum ?? ''}…${f.maximum ?? ''}` : '', f.default !== undefined ? `default ${fmt.value(f.default)}` : f.optional ? 'optional' : '']
    .filter(Boolean).join(' · ');
  const onText = (text: string) => {
    if (text.trim() === '') return change(f.path, undefined);
    const n = Number(text);
    change(f.path, (f.type === 'integer' || f.type === 'number') && !Number.isNaN(n) ? n : text);
  };
  return (
    <label for={id} data-field={f.path}>
      {f.name}
      {f.type === 'choice' ? (
        <select id={id} name={f.path} value={value === undefined ? '' : String(value)} class={mine.length ? 'invalid' : ''} aria-invalid={mine.length > 0}
          onChange={(e) => { const v = e.currentTarget.value; change(f.path, v === '' ? undefined : f.choices?.find((c) => String(c) === v)); }}>
          {f.default === undefined && f.optional ? <option value="">—</option> : null}
          {f.default !== undefined ? <option value="">default ({fmt.value(f.default)})</option> : null}
          {f.choices?.map((c) => <option key={String(c)} value={String(c)}>{String(c)}</option>)}
        </select>
      ) : (
        <input id={id} name={f.path} value={value === undefined ? '' : String(value)} placeholder={f.default === undefined ? '' : fmt.value(f.default)}
          inputMode={f.type === 'string' ? 'text' : 'decimal'} class={mine.length ? 'invalid' : ''} aria-invalid={mine.length > 0}
          onInput={(e) => onText(e.currentTarget.value)} />
      )}
      {hint ? <small class="hint">{hint}</small> : null}
      {mine.map((i) => <span class="field-error" key={i.message}>{i.message}</span>)}
    </label>
  );
}

function CostCard({ spec, valid }: { spec: Spec; valid: boolean }) {
  const cost = useMemo(() => {
    if (!valid) return undefined;
    const parsed = parseSpec(spec);
    return { ...estimateCost(parsed), memory: estimateMemoryBytes(parsed) };
  }, [spec, valid]);
  return (
    <div class="card" aria-label="cost">
      <h2>Cost</h2>
      {cost ? (
        <dl class="facts">
          <dt>parameters</dt><dd data-fact="parameters">{fmt.count(cost.params)}</dd>
          <dt>training FLOPs</dt><dd>{fmt.flops(cost.flopsTrain)}</dd>
          <dt>study's FLOPs</dt><dd>{fmt.flops(cost.flopsStudy)}</dd>
          <dt>evaluation FLOPs</dt><dd>{fmt.flops(cost.flopsEval)}</dd>
          <dt>memory (estimate)</dt><dd>{fmt.bytes(cost.memory)}</dd>
        </dl>
      ) : <p class="hint">Fix the problems shown on the fields to see the cost.</p>}
    </div>
  );
}
