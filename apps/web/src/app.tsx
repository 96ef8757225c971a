// The dashboard's shell: header navigation, the token control, and the page the path names.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { BASE, href, navigate, onLinkClick, useLocation } from './router.ts';
import { TokenControl } from './ui/token.tsx';
import { RunsPage } from './pages/runs.tsx';
import { RunPage } from './pages/run.tsx';
import { NewRunPage } from './pages/new-run.tsx';
import { ComparePage } from './pages/compare.tsx';
import { SweepsPage } from './pages/sweeps.tsx';
import { SweepPage } from './pages/sweep.tsx';
import { FrontierPage } from './pages/frontier.tsx';
import { QueuePage } from './pages/queue.tsx';

const NAV = [
  ['/runs', 'Runs'],
  ['/sweeps', 'Sweeps'],
  ['/frontier', 'Frontier'],
  ['/compare', 'Compare'],
  ['/queue', 'Queue & workers'],
  ['/new', 'New run'],
] as const;

function page(path: string, query: URLSearchParams): { title: string; body: ComponentChildren } {
  const [, section, id] = path.split('/');
  switch (section) {
    case 'runs':
      return id ? { title: 'Run', body: <RunPage id={id} /> } : { title: 'Runs', body: <RunsPage query={query} /> };
    case 'new':
      return { title: 'New run', body: <NewRunPage from={query.get('from')} /> };
    case 'compare':
      return { title: 'Compare', body: <ComparePage query={query} /> };
    case 'sweeps':
      return id ? { title: 'Sweep', body: <SweepPage id={id} /> } : { title: 'Sweeps', body: <SweepsPage query={query} /> };
    case 'frontier':
      return { title: 'Frontier', body: <FrontierPage query={query} /> };
    case 'queue':
      return { title: 'Queue & workers', body: <QueuePage /> };
    default:
      return { title: 'Not found', body: <p class="state empty">No page at <code>{BASE + path}</code>. <a href={href('/runs')}>Go to the runs</a>.</p> };
  }
}

/** Bumped when the token changes: the page is mounted afresh and reads again with it. */
function useTokenVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    window.addEventListener('slmlab:token', bump);
    return () => window.removeEventListener('slmlab:token', bump);
  }, []);
  return version;
}

export function App() {
  const { path, query } = useLocation();
  const tokenVersion = useTokenVersion();
  useEffect(() => {
    if (path === '/') navigate(href('/runs'), { replace: true });
  }, [path]);
  const { title, body } = page(path, query);
  useEffect(() => void (document.title = `${title} · slmlab`), [title]);
  const section = `/${path.split('/')[1] ?? ''}`;
  return (
    <div class="shell" onClick={(e) => onLinkClick(e as unknown as MouseEvent)}>
      <header class="top">
        <a class="brand" href={href('/runs')}>slmlab</a>
        <nav aria-label="Pages">
          {NAV.map(([to, label]) => (
            <a key={to} href={href(to)} aria-current={section === to ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <a class="docs" href="/docs">API docs</a>
        <TokenControl />
      </header>
      <main id="main" key={tokenVersion}>{body}</main>
    </div>
  );
}
