// /v1/experiments: submit a spec, cancel, read one experiment, search them (newest first by default).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ExperimentSpec } from '@slmlab/core';
import {
  ErrorResponse,
  ExperimentDetail,
  ExperimentPage,
  ExperimentSummary,
  IdParams,
  SubmitHeaders,
  SubmitQuery,
  withExamples,
} from '../edge/schemas.ts';
import { SearchQuery } from '../search/schemas.ts';
import { summaryView } from './views.ts';

const EXAMPLE_SPEC = {
  name: 'linear, T=32',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 32 },
  training: { epochs: 2, windowsPerEpoch: 10000 },
};

export const experimentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { experiments: service, search } = app.services;

  app.post(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'submit an experiment',
        description:
          'Validates the spec (omitted settings take the defaults shown), checks its estimated cost against the server ' +
          "limits (422), stores it as queued and enqueues its training job: 201 with Location. A repeat is answered 200 " +
          'with the existing experiment and enqueues nothing: the same Idempotency-Key (with another spec: 422), or, ' +
          'unless ?force=true, the same resolved spec (name aside) as an experiment that is not failed or cancelled. ' +
          'The answer carries `estimate`: training tokens and seconds on one worker, from this deployment\'s recent runs. ' +
          '503 when the queue is down (the experiment is then stored as failed, with the reason).',
        body: withExamples(ExperimentSpec, [EXAMPLE_SPEC]),
        querystring: SubmitQuery,
        headers: SubmitHeaders,
        response: {
          200: ExperimentSummary,
          201: ExperimentSummary,
          400: ErrorResponse,
          413: ErrorResponse,
          415: ErrorResponse,
          422: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const { row, created } = await service.submit(request.body, { force: request.query.force, idempotencyKey });
      const estimate = await service.estimate(request.body);
      return reply.code(created ? 201 : 200).header('location', `/v1/experiments/${row.id}`).send({ ...summaryView(row), estimate });
    },
  );

  app.post(
    '/experiments/:id/cancel',
    {
      schema: {
        tags: ['experiments'],
        summary: 'cancel an experiment',
        description:
          'Queued: its job is removed and it is cancelled (200). Running: its worker is told to stop it, and marks it ' +
          'cancelled within seconds (202, with cancelRequestedAt set; poll GET for the outcome). Already succeeded, ' +
          'failed or cancelled: 409 with the status.',
        params: IdParams,
        response: { 200: ExperimentSummary, 202: ExperimentSummary, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { row, settled } = await service.cancel(request.params.id);
      return reply.code(settled ? 200 : 202).send(summaryView(row));
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
        summary: 'search experiments: filter, sort, page',
        description:
          'Newest first unless ?sort= names a result, cost or date field (&order=asc|desc; ties by id; null sorts as ' +
          'the largest value). Filters, all ANDed: status, dataset, modelKind, sweep, and ?where= a URL-encoded JSON ' +
          'filter over any column or spec path with eq, ne, lt, lte, gt, gte, in, prefix and and/or nesting ' +
          '(docs/api.md, "Search"); a bad filter is 400 with its path inside the filter (/where/or/1/testNll/lt). ' +
          'Keyset pagination: pass the nextCursor of a page as ?cursor= (with the same sort and order) for the next one.',
        querystring: SearchQuery,
        response: { 200: ExperimentPage, 400: ErrorResponse },
      },
    },
    async (request) => search.list(request.query),
  );
};
