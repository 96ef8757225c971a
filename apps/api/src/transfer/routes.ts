// GET /v1/experiments/:id/export and POST /v1/experiments/import: an experiment out of one deployment as one
// file, and into another, where an unfinished one resumes (docs/api.md, "Export and import"). The bundle is
// bytes, not JSON: this plugin is encapsulated (not fastify-plugin), so its body parser and its body limit
// (SLMLAB_MAX_IMPORT_BYTES) are its own and every other route keeps the JSON parser and BODY_LIMIT_BYTES.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import Type from 'typebox';
import { BUNDLE_EXTENSION, BUNDLE_VERSION } from '@slmlab/core';
import { ErrorResponse, IdParams } from '../edge/schemas.ts';
import { UnsupportedMediaTypeError } from '../edge/http-errors.ts';
import { validatorCompiler } from '../edge/validation.ts';
import { summaryView } from '../experiments/views.ts';
import { ImportQuery, ImportResult } from './schemas.ts';

export interface TransferRouteOptions {
  maxImportBytes: number;
}

const BUNDLE_TYPE = 'application/octet-stream';
const Binary = { type: 'string', format: 'binary' } as const;

/** The body is the bundle's bytes, checked by decodeBundle; the schema only documents it. Other parts as usual. */
const bytesBodyCompiler: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (value: unknown) => ({ value }) : (validatorCompiler as FastifySchemaCompiler<unknown>)(route);

export const transferRoutes: FastifyPluginAsyncTypebox<TransferRouteOptions> = async (app, opts) => {
  const { transfer } = app.services;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get(
    '/experiments/:id/export',
    {
      schema: {
        tags: ['experiments'],
        summary: 'export an experiment as one bundle file',
        description:
          'The experiment (spec, status, result), every curve point and every checkpoint in one file (format in ' +
          'docs/checkpoints.md, "Experiment bundles"), for POST /v1/experiments/import on another deployment. It ' +
          'holds model weights: with auth on it needs a token even when reads are open, as a checkpoint download ' +
          'does (SLMLAB_AUTH_OPEN_CHECKPOINTS). A running experiment is exported as of now and goes on here.',
        params: IdParams,
        response: {
          200: Type.Unsafe<Buffer>({
            description: `the bundle (content-disposition names it <id>${BUNDLE_EXTENSION}; x-slmlab-bundle-version gives its version)`,
            content: { [BUNDLE_TYPE]: { schema: Binary } },
          }),
          400: ErrorResponse,
          404: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const bytes = await transfer.export(id);
      return reply
        .type(BUNDLE_TYPE)
        .header('content-disposition', `attachment; filename="${id}${BUNDLE_EXTENSION}"`)
        .header('x-slmlab-bundle-version', String(BUNDLE_VERSION))
        .send(bytes);
    },
  );

  app.post(
    '/experiments/import',
    {
      bodyLimit: opts.maxImportBytes,
      validatorCompiler: bytesBodyCompiler,
      // Before the body is read: a JSON or form body is refused without buffering it.
      preParsing: async (request) => refuseOtherMediaTypes(request),
      schema: {
        tags: ['experiments'],
        summary: 'import an experiment from a bundle file',
        description:
          'The body is a bundle from GET /v1/experiments/:id/export (content-type application/octet-stream, at most ' +
          'SLMLAB_MAX_IMPORT_BYTES). Every part is checked first (400 invalid_bundle, with the path of what is wrong). ' +
          'The experiment keeps its id (409 already_exists if it is here). A succeeded or failed one is stored as it ' +
          'ended; a queued or running one, or a cancelled one with a training state, is stored queued and enqueued, ' +
          "and a worker here resumes it from the bundle's latest training state, exactly where it stopped. An " +
          'experiment here with the same spec that counts as a run of it is 409 duplicate_spec unless ?force=true. ' +
          'All of it is stored in one transaction, or nothing (a queue that is down: 503, nothing stored).',
        querystring: ImportQuery,
        body: { content: { [BUNDLE_TYPE]: { schema: Binary } } },
        response: {
          201: ImportResult,
          400: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
          415: ErrorResponse,
          422: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const { row, bundle, plan } = await transfer.import(body, { force: request.query.force });
      const resumeFrom = plan.resumeFrom && { tag: plan.resumeFrom.tag, epoch: plan.resumeFrom.epoch, step: plan.resumeFrom.step };
      return reply
        .code(201)
        .header('location', `/v1/experiments/${row.id}`)
        .send({
          experiment: summaryView(row),
          source: bundle.source,
          resumes: plan.resumes,
          resumeFrom,
          stored: { metricPoints: bundle.curve.length, checkpoints: bundle.checkpoints.length },
        });
    },
  );
};

function refuseOtherMediaTypes(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === BUNDLE_TYPE) return;
  const got = type ? `content-type ${type}` : 'no content-type';
  throw new UnsupportedMediaTypeError(`the body is a bundle file (GET /v1/experiments/:id/export): send it as ${BUNDLE_TYPE}, not with ${got}`);
}
