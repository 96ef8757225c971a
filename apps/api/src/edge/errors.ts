// The one place where errors become HTTP answers, all of the shape { error: { code, message, issues? } }.
// Typed errors map to their statuses; anything unexpected is logged and answered 500 without details.
import {
  ConflictError,
  InvalidBundleError,
  InvalidSpecError,
  isUnreachableError,
  LimitExceededError,
  NotFoundError,
  schemaIssues,
  type Issue,
  type LimitBreach,
} from '@slmlab/core';
import {
  IdempotencyKeyReusedError,
  InvalidJsonError,
  InvalidRequestError,
  TooManyStreamsError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from './http-errors.ts';
import { InvalidSweepError, type CellFailure } from '../sweeps/errors.ts';
import { AlreadyExistsError, DuplicateSpecError } from '../transfer/errors.ts';
import fp from 'fastify-plugin';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    issues?: Issue[];
    /** conflict: the state the resource is in. */
    status?: string;
    /** limit_exceeded: each exceeded limit with the estimate that broke it. */
    limits?: Record<string, LimitBreach>;
    /** invalid_sweep: each failing cell with its axis values and issues. */
    cells?: CellFailure[];
    /** already_exists, duplicate_spec: the experiment in the way. */
    experimentId?: string;
  };
}

export const errorsPlugin = fp(async (app) => {
  app.setErrorHandler((err, request, reply) => {
    const [status, body] = errorResponse(err);
    if (err instanceof TooManyStreamsError) void reply.header('retry-after', '5');
    if (status === 503) request.log.warn({ err }, 'dependency unavailable');
    else if (status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}, { name: 'errors' });

/** Fastify's own client errors (body parsing, sizes, media types), under codes of ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
};

export function errorResponse(err: unknown): [number, ErrorBody] {
  if (err instanceof InvalidSpecError || err instanceof InvalidRequestError || err instanceof InvalidBundleError) {
    return [400, errorBody(err.code, err.message, err.issues)];
  }
  if (err instanceof InvalidJsonError) return [400, errorBody(err.code, err.message)];
  if (err instanceof NotFoundError) return [404, errorBody(err.code, err.message)];
  if (err instanceof ConflictError) return [409, { error: { code: err.code, message: err.message, status: err.status } }];
  if (err instanceof AlreadyExistsError) return [409, { error: { code: err.code, message: err.message, experimentId: err.experimentId } }];
  if (err instanceof DuplicateSpecError) {
    return [409, { error: { code: err.code, message: err.message, status: err.status, experimentId: err.experimentId } }];
  }
  if (err instanceof UnsupportedMediaTypeError) return [415, errorBody(err.code, err.message)];
  if (err instanceof LimitExceededError) {
    return [422, { error: { code: err.code, message: err.message, issues: err.issues, limits: err.limits } }];
  }
  if (err instanceof IdempotencyKeyReusedError) return [422, errorBody(err.code, err.message)];
  if (err instanceof InvalidSweepError) {
    return [422, { error: { code: err.code, message: err.message, issues: err.issues, cells: err.cells } }];
  }
  if (err instanceof UnavailableError || err instanceof TooManyStreamsError) return [503, errorBody(err.code, err.message)];
  if (isUnreachableError(err)) {
    return [503, errorBody('unavailable', 'a backing service (database or queue) is unreachable; retry later')];
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; validation?: unknown };
  if (Array.isArray(e.validation)) {
    return [400, errorBody('invalid_request', String(e.message), schemaIssues(e.validation))];
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return [415, errorBody('unsupported_media_type', `${String(e.message)}; send the body as JSON, with content-type: application/json`)];
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return [e.statusCode, errorBody(FASTIFY_CODES[String(e.code)] ?? 'bad_request', String(e.message))];
  }
  return [500, errorBody('internal', 'internal server error')];
}

function errorBody(code: string, message: string, issues?: Issue[]): ErrorBody {
  return { error: issues ? { code, message, issues } : { code, message } };
}

