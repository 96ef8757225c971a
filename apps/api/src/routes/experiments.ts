// /v1/experiments: submit a spec, read one experiment, list them newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ExperimentSpec } from '@slmlab/core';
import { checkpointsRepo, experimentsRepo } from '@slmlab/db';
import { ErrorResponse, ExperimentDetail, ExperimentPage, ExperimentSummary, IdParams, ListQuery } from '../schemas.ts';
import { experimentService } from '../services/experiments.ts';
import { summaryView } from '../views.ts';

const EXAMPLE_SPEC = {
  name: 'linear, T=32',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 32 },
  training: { epochs: 2, windowsPerEpoch: 10000 },
};

export const experimentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = experimentService({
    experiments: experimentsRepo(app.db),
    checkpoints: checkpointsRepo(app.db),
    queue: app.queue,
    log: app.log,
  });

  app.post(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'submit an experiment',
        description:
          'Validates the spec (omitted settings take the defaults shown), prices it (parameters, study FLOPs), stores it ' +
          'as queued and enqueues its training job. 201 with Location; 503 when the queue is down (the experiment is then ' +
          'stored as failed, with the reason).',
        body: { ...ExperimentSpec, examples: [EXAMPLE_SPEC] },
        response: { 201: ExperimentSummary, 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const row = await service.submit(request.body);
      return reply.code(201).header('location', `/v1/experiments/${row.id}`).send(summaryView(row));
    },
  );

  app.get(
    '/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'one experiment, with its learning curve and checkpoints',
        params: IdParams,
        response: { 200: ExperimentDetail, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => service.get(request.params.id),
  );

  app.get(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'experiments, newest first',
        description: 'Keyset pagination: pass the nextCursor of a page as ?cursor= to get the next one.',
        querystring: ListQuery,
        response: { 200: ExperimentPage, 400: ErrorResponse },
      },
    },
    async (request) => service.list(request.query),
  );
};
