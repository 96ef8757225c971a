// The bearer token, entered once and kept for the tab (sessionStorage). Shown when the API answers 401, or on
// demand from the header. With SLMLAB_AUTH=off nobody needs it.
import { useEffect, useState } from 'preact/hooks';
import { getToken, setToken } from '../api/client.ts';

export function TokenControl() {
  const [token, setLocal] = useState(getToken());
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    const ask = () => setOpen(true);
    const changed = () => setLocal(getToken());
    window.addEventListener('slmlab:auth-required', ask);
    window.addEventListener('slmlab:token', changed);
    return () => {
      window.removeEventListener('slmlab:auth-required', ask);
      window.removeEventListener('slmlab:token', changed);
    };
  }, []);
  const save = (e: Event) => {
    e.preventDefault();
    setToken(draft.trim() || null);
    setDraft('');
    setOpen(false); // setToken's event remounts the page (app.tsx), which reads again with the token
  };
  return (
    <div class="token">
      <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open}>
        {token ? 'Token set' : 'Token'}
      </button>
      {open ? (
        <form class="token-form" onSubmit={save} aria-label="API token">
          <label>
            API token <small>(kept for this tab only)</small>
            <input type="password" name="token" autoComplete="off" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} autoFocus />
          </label>
          <button type="submit">Save</button>
          {token ? <button type="button" onClick={() => (setToken(null), setOpen(false))}>Forget</button> : null}
          <p class="hint">The API has auth on (SLMLAB_AUTH=on). Make a token with <code>npm run token -- create --name me --scope write</code>.</p>
        </form>
      ) : null}
    </div>
  );
}
