// Loading data for a page: the value, the error, whether it is loading, and a reload; a newer load wins over an
// older one that answers late (filters typed quickly). `every` polls (queue board) while the page is open.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  set: (fn: (old: T | undefined) => T | undefined) => void;
}

export function useApi<T>(load: () => Promise<T>, deps: unknown[], { every }: { every?: number } = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: Error) => mine === generation.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    run();
    if (!every) return;
    const timer = setInterval(run, every);
    return () => clearInterval(timer);
  }, [run, every]);
  const set = useCallback((fn: (old: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: fn(s.data) })), []);
  return { data: state.data, error: state.error, loading: state.loading, reload: run, set };
}
