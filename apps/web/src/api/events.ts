// Server-sent events over fetch: EventSource cannot send the Authorization header, so the stream is read and
// parsed here (the text/event-stream format: "event:" and "data:" lines, a blank line ends an event).
import { authHeaders } from './client.ts';

export interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * Reads `path` until the server ends the stream or `signal` aborts; reconnects after a dropped connection
 * (the API sends the current state first on every connection, so nothing is missed for a page's purposes).
 */
export async function streamEvents(path: string, onEvent: (e: StreamEvent) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      if (await readStream(res.body, onEvent)) return; // the server said "end"
    } catch (err) {
      if (signal.aborted) return;
      console.warn('event stream dropped, reconnecting', err);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** True when the stream ended with an `end` event (nothing more will come). */
async function readStream(body: ReadableStream<Uint8Array>, onEvent: (e: StreamEvent) => void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return ended;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const parsed = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (!parsed) continue;
      onEvent(parsed);
      if (parsed.event === 'end') ended = true;
    }
  }
}

function parseEvent(block: string): StreamEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return undefined; // a comment (keep-alive)
  try {
    return { event, data: JSON.parse(data.join('\n')) };
  } catch {
    return { event, data: data.join('\n') };
  }
}
