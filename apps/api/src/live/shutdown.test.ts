// An API that is asked to stop ends its open event streams (a dashboard left open on a run must not keep the
// server from closing: before, close waited until the run ended, or the process manager killed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp } from '../testing.ts';

test('closing the API ends its open event streams and finishes at once', async () => {
  const app = await testApp('sse-shutdown');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const submitted = await fetch(`${base}/v1/experiments?force=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { epochs: 1 } }),
  });
  const { id } = (await submitted.json()) as { id: string };
  const res = await fetch(`${base}/v1/experiments/${id}/events`);
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: state\n/, 'the stream is open (queued: no worker takes it here)');

  await app.queue.obliterate({ force: true }); // this file's job, removed while the queue is still open
  const closed = app.close().then(() => 'closed');
  const late = new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000).unref());
  assert.equal(await Promise.race([closed, late]), 'closed');
  let rest = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
  assert.doesNotMatch(rest, /event: end/, 'the run did not end: the stream was closed by the server going away');
});
