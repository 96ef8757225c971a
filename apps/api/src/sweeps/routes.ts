// /v1/sweeps: submit a grid of experiments (base spec × axes × seeds), follow it, retry its failed cells, cancel it,
// and read its results table.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ErrorResponse, withExamples } from '../edge/schemas.ts';
import { tableCsv, tableMarkdown } from './table.ts';
import {
  CancelSweepResponse,
  InvalidSweepResponse,
  RetryResponse,
  SweepBody,
  SweepDetail,
  SweepIdParams,
  SweepListQuery,
  SweepPage,
  SweepTable,
  TableQuery,
} from './schemas.ts';

const EXAMPLE_SWEEP = {
  name: 'depth × positions',
  base: { dataset: 'tinyshakespeare', model: { kind: 'transformer', contextLength: 64 }, training: { epochs: 2, windowsPerEpoch: 10000 } },
  axes: { 'model.layers': [2, 3, 4], 'model.positions': ['learned', 'rope'] },
  seeds: [1, 2],
};

export const sweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.sweeps;

  const id404 = { 400: ErrorResponse, 404: ErrorResponse };

  app.post(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'submit a sweep',
        description:
          'Expands base × axes (cartesian product, dotted spec paths) × seeds (training.seed) into experiment specs. ' +
          'Every cell is parsed as a submitted spec and checked against the server limits before anything is stored: ' +
          '422 invalid_sweep lists each failing cell with its axis values and field paths; more than ' +
          'SLMLAB_MAX_SWEEP_CELLS cells is 422 limit_exceeded. A cell whose spec a live experiment has takes that ' +
          'experiment (not run again); the others get new experiments, stored with the sweep in one transaction (all or ' +
          'nothing) and enqueued after it: 201 with Location and an estimate of the new cells\' duration. The same sweep ' +
          '(base without its name, axes and seeds) posted again is answered 200 with the existing sweep; nothing is submitted.',
        body: withExamples(SweepBody, [EXAMPLE_SWEEP]),
        response: {
          200: SweepDetail,
          201: SweepDetail,
          400: ErrorResponse,
          413: ErrorResponse,
          415: ErrorResponse,
          422: InvalidSweepResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { sweep, created } = await service.create(request.body);
      return reply.code(created ? 201 : 200).header('location', `/v1/sweeps/${sweep.id}`).send(sweep);
    },
  );

  app.get(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'sweeps, newest first',
        description: 'Keyset pagination: pass the nextCursor of a page as ?cursor= to get the next one. Cells are not listed; counts are.',
        querystring: SweepListQuery,
        response: { 200: SweepPage, 400: ErrorResponse },
      },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'a sweep with the status of each cell',
        description: 'Each cell: its axis values, seed, current experiment, its status and (succeeded) test NLL; counts by status.',
        params: SweepIdParams,
        response: { 200: SweepDetail, ...id404 },
      },
    },
    async (request) => service.get(request.params.id),
  );

  app.post(
    '/sweeps/:id/retry',
    {
      schema: {
        tags: ['sweeps'],
        summary: "re-run a sweep's failed and cancelled cells",
        description:
          'Each cell whose experiment failed or was cancelled is submitted again (a new experiment, unless a live one ' +
          'with the same spec exists) and points at it; the replaced experiment is kept in replacedExperimentIds. ' +
          'Queued, running and succeeded cells are untouched. 200 with the retried cells and the sweep.',
        params: SweepIdParams,
        response: { 200: RetryResponse, ...id404, 422: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => service.retry(request.params.id),
  );

  app.delete(
    '/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: "cancel a sweep's queued and running cells",
        description:
          'Each queued or running cell is cancelled as by POST /v1/experiments/:id/cancel (queued: now; running: its ' +
          'worker stops it within seconds). The sweep and its results stay readable. 200 with counts.',
        params: SweepIdParams,
        response: { 200: CancelSweepResponse, ...id404 },
      },
    },
    async (request) => service.cancel(request.params.id),
  );

  app.get(
    '/sweeps/:id/table',
    {
      schema: {
        tags: ['sweeps'],
        summary: "a sweep's results, one row per axis combination",
        description:
          'Seeds aggregated: n (seeds succeeded), test NLL mean and sample std (n − 1; null when n < 2), best-validation ' +
          'epochs, cost (params, flopsStudy, flopsTrain) and status counts. ?format=csv (text/csv) or md (text/markdown).',
        params: SweepIdParams,
        querystring: TableQuery,
        response: {
          200: {
            description: 'the table',
            content: {
              'application/json': { schema: SweepTable },
              'text/csv': { schema: Type.String() },
              'text/markdown': { schema: Type.String() },
            },
          },
          ...id404,
        },
      },
    },
    async (request, reply) => {
      const table = await service.table(request.params.id);
      const { format } = request.query;
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(tableCsv(table));
      if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(tableMarkdown(table));
      return reply.type('application/json; charset=utf-8').send(table);
    },
  );
};
