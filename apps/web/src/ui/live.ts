// A page's subscription to an event stream (api/events.ts) for as long as the component is mounted.
import { useEffect } from 'preact/hooks';
import { streamEvents, type StreamEvent } from '../api/events.ts';

export function useEvents(path: string | null, onEvent: (e: StreamEvent) => void) {
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    void streamEvents(path, onEvent, abort.signal);
    return () => abort.abort();
  }, [path]);
}
