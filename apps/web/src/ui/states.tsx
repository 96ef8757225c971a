// Loading, error and empty states: every page says what is happening and, when empty, what to do next.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.ts';
import type { Status } from '../api/types.ts';

export function Loading({ what }: { what: string }) {
  return <p class="state loading" role="status" aria-live="polite">Loading {what}…</p>;
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const api = error instanceof ApiError ? error : undefined;
  return (
    <div class="state error" role="alert">
      <strong>{api ? `${api.status} ${api.code}` : 'Error'}</strong>: {error.message}
      {api?.issues.length ? (
        <ul>{api.issues.map((i) => <li key={i.path}><code>{i.path}</code> {i.message}</li>)}</ul>
      ) : null}
      {api?.status === 401 || api?.status === 403 ? <p>Enter a token with the needed scope (top right).</p> : null}
      {retry ? <button type="button" onClick={retry}>Try again</button> : null}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty">{children}</div>;
}

export function StatusBadge({ status }: { status: Status }) {
  return <span class={`badge status-${status}`} data-status={status}>{status}</span>;
}
