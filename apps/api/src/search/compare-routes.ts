// /v1/compare: experiments' validation NLL at equal compute (or tokens, steps, ...), read off their epoch curves.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../edge/schemas.ts';
import { CompareQuery, Comparison } from './schemas.ts';

export const compareRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { search } = app.services;

  app.get(
    '/compare',
    {
      schema: {
        tags: ['experiments'],
        summary: 'validation NLL of several experiments at the same FLOPs or tokens',
        description:
          'For each id, its epoch curve against ?at= (flops: tokens × flopsTrain / training tokens) and its ' +
          'validation NLL linearly interpolated at each ?value= (comma-separated); null outside the curve ' +
          '(before its first epoch or after its last: no extrapolation). 404 when an id is unknown.',
        querystring: CompareQuery,
        response: { 200: Comparison, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => search.compare(request.query),
  );
};
