// /v1/experiments/:id/checkpoints: list an experiment's checkpoints, download one (docs/checkpoints.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NotFoundError } from '@slmlab/core';
import { CheckpointView, ErrorResponse, IdParams } from '../edge/schemas.ts';

const CheckpointParams = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'experiment id' }),
    checkpointId: Type.String({ format: 'uuid' }),
  },
  { additionalProperties: false },
);

export const checkpointRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { experiments, checkpoints } = app.services.repos;

  app.get(
    '/experiments/:id/checkpoints',
    {
      schema: {
        tags: ['checkpoints'],
        summary: "an experiment's checkpoints (metadata)",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(CheckpointView) }), 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      if (!(await experiments.get(request.params.id))) throw new NotFoundError('experiment', request.params.id);
      const items = await checkpoints.list(request.params.id);
      return { items: items.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })) };
    },
  );

  app.get(
    '/experiments/:id/checkpoints/:checkpointId',
    {
      schema: {
        tags: ['checkpoints'],
        summary: 'download a checkpoint',
        description: 'The bytes in the slmlab-weights-v1 format (docs/checkpoints.md); `bin/slmlab` and the ML core load them.',
        params: CheckpointParams,
        response: {
          200: Type.Unsafe<Buffer>({
            description: 'the checkpoint file (content-disposition names it; x-slmlab-checkpoint-format gives its format)',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          }),
          400: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { id, checkpointId } = request.params;
      const c = await checkpoints.get(checkpointId);
      if (!c || c.experimentId !== id) throw new NotFoundError('checkpoint', checkpointId);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${id}-${c.tag}-epoch${c.epoch}.slmlab"`)
        .header('x-slmlab-checkpoint-format', c.format)
        .send(Buffer.from(c.data));
    },
  );
};
