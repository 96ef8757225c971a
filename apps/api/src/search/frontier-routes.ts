// /v1/frontier: the Pareto frontier of succeeded experiments, e.g. test NLL against training FLOPs.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../edge/schemas.ts';
import { Frontier, FrontierQuery } from './schemas.ts';

export const frontierRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { search } = app.services;

  app.get(
    '/frontier',
    {
      schema: {
        tags: ['experiments'],
        summary: 'the Pareto-optimal experiments (lower x, lower y)',
        description:
          'Succeeded experiments with x and y (and matching the filters, as in GET /v1/experiments) that no other ' +
          'one dominates (x ≤ and y ≤, one strictly), sorted by x. x: flops (= flopsTrain), flopsTrain, flopsStudy, ' +
          'params (= paramCount); y: testNll, bestValNll or testNllAllTokens. Experiments tied on both are all kept.',
        querystring: FrontierQuery,
        response: { 200: Frontier, 400: ErrorResponse },
      },
    },
    async (request) => search.frontier(request.query),
  );
};
