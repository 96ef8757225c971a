// GET /v1/experiments/:id/events: live progress as server-sent events (live/streams.ts says what is sent).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '@slmlab/core';
import { ErrorResponse, IdParams } from '../edge/schemas.ts';
import { streamExperiment, streamSweep } from './streams.ts';
import { SweepIdParams } from '../sweeps/schemas.ts';
import { openSse, type SseStream } from './sse.ts';
import { TooManyStreamsError } from '../edge/http-errors.ts';

const STREAM_DESCRIPTION =
  'A text/event-stream. Events: `state` (the experiment summary, at once and at each status change), `progress` ' +
  '(the worker\'s report, about once a second while training: epoch, step, totalSteps, loss, tokensPerSec, ' +
  'etaSeconds), `epoch` (each learning-curve point: epoch, step, tokens, seconds, trainNll, valNll), and `end` ' +
  '(the final summary: succeeded, failed or cancelled), after which the server closes the stream. A comment line ' +
  'is sent every 15 s to keep proxies from closing it. Example: `curl -N localhost:3000/v1/experiments/<id>/events`.';

const STREAM_RESPONSES = {
  200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
  400: ErrorResponse,
  404: ErrorResponse,
  503: ErrorResponse,
};

export const eventRoutes: FastifyPluginAsyncTypebox<{ maxStreams: number }> = async (app, { maxStreams }) => {
  const { live, repos } = app.services;
  // Each open stream polls PostgreSQL: past SLMLAB_MAX_EVENT_STREAMS, one more is refused rather than slowing every read.
  const open = new Set<SseStream>();
  const openCounted = (request: Parameters<typeof openSse>[0], reply: Parameters<typeof openSse>[1]) => {
    if (open.size >= maxStreams) throw new TooManyStreamsError(maxStreams);
    const sse = openSse(request, reply);
    open.add(sse);
    sse.onClose(() => void open.delete(sse));
    return sse;
  };
  // A stream lasts as long as its run: on shutdown they are ended (clients reconnect to the next instance), or
  // closing would wait for every watched run to finish.
  app.addHook('preClose', async () => {
    for (const sse of [...open]) sse.end();
  });

  app.get(
    '/experiments/:id/events',
    {
      schema: {
        tags: ['experiments'],
        summary: 'live progress of one experiment (server-sent events)',
        description: STREAM_DESCRIPTION,
        params: IdParams,
        response: STREAM_RESPONSES,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await repos.experiments.exists(id))) throw new NotFoundError('experiment', id);
      streamExperiment(live, id, openCounted(request, reply));
    },
  );

  app.get(
    '/sweeps/:id/events',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'live progress of a sweep (server-sent events)',
        description:
          'A text/event-stream. Events: `sweep` (the sweep with its counts and cells, at once and whenever a cell\'s status ' +
          'changes), `progress` (a running cell\'s report, with its experimentId), and `end` (the final sweep once no cell ' +
          'is queued or running), after which the server closes the stream. Example: `curl -N localhost:3000/v1/sweeps/<id>/events`.',
        params: SweepIdParams,
        response: STREAM_RESPONSES,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await repos.sweeps.exists(id))) throw new NotFoundError('sweep', id);
      streamSweep(live, id, openCounted(request, reply));
    },
  );
};
