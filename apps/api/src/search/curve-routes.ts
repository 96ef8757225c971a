// /v1/experiments/:id/metrics: an experiment's learning curve against step, epoch, tokens, FLOPs or seconds,
// downsampled to at most ?points= points (search/curves.ts says how).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse, IdParams } from '../edge/schemas.ts';
import { Curve, CurveQuery } from './schemas.ts';

export const metricRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { search } = app.services;

  app.get(
    '/experiments/:id/metrics',
    {
      schema: {
        tags: ['experiments'],
        summary: "an experiment's learning curve, downsampled",
        description:
          'Points by step, with x the chosen axis (flops: tokens × flopsTrain / the training tokens of the spec). ' +
          'At most ?points= points: the first and the last always; between them the stored points are cut into ' +
          'points − 2 runs of consecutive points and the one with the lowest loss (valNll, else trainNll) of each run is kept. ' +
          '404 for an unknown experiment.',
        params: IdParams,
        querystring: CurveQuery,
        response: { 200: Curve, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => search.curve(request.params.id, request.query),
  );
};
