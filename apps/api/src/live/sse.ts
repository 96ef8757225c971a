// A server-sent-events response on Fastify's raw reply: `event:`/`data:` frames, a comment every 15 s so that
// proxies keep the connection open, and one place that learns when the client went away.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  send(event: string, data: unknown): void;
  end(): void;
  /** Runs once, when the stream ends for any reason (client gone, end()). */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

const KEEPALIVE_MS = 15_000;

export function openSse(request: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  const cleanups: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    for (const fn of cleanups) fn();
  };
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  request.raw.on('close', close);
  return {
    send(event, data) {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (closed) return;
      res.end();
      close();
    },
    onClose(fn) {
      cleanups.push(fn);
    },
    get closed() {
      return closed;
    },
  };
}
