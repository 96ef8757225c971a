// Errors that only the HTTP layer raises. Domain errors (InvalidSpecError, NotFoundError, ...) live in
// @slmlab/core; these complete the set that edge/errors.ts maps to statuses.
import { SlmlabError, formatIssues, type Issue } from '@slmlab/core';

/** Params, querystring or a body that is not a spec broke its schema (or a rule a schema cannot say). */
export class InvalidRequestError extends SlmlabError {
  readonly issues: Issue[];
  constructor(part: string, issues: Issue[]) {
    super('invalid_request', `invalid ${part}: ${formatIssues(issues)}`);
    this.issues = issues;
  }
}

/** A body that is not JSON, is empty, or nests deeper than edge/input-rules.ts allows. */
export class InvalidJsonError extends SlmlabError {
  constructor(message: string) {
    super('invalid_json', message);
  }
}

/** A dependency (PostgreSQL, Redis) could not do its part: the same request may succeed later. */
export class UnavailableError extends SlmlabError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('unavailable', message, { retryable: true, ...opts });
  }
}

/** Every event stream this API process may hold is open (SLMLAB_MAX_EVENT_STREAMS). */
export class TooManyStreamsError extends SlmlabError {
  constructor(readonly limit: number) {
    super('too_many_streams', `${limit} event streams are open, the most this server holds (SLMLAB_MAX_EVENT_STREAMS); retry later`, { retryable: true });
  }
}

/** An Idempotency-Key came back with a different request than the one that first used it. */
export class IdempotencyKeyReusedError extends SlmlabError {
  constructor(key: string, experimentId: string) {
    super(
      'idempotency_key_reused',
      `Idempotency-Key ${JSON.stringify(key)} was used for experiment ${experimentId} with a different spec; use a new key`,
    );
  }
}

/** A body of a media type the route does not take (the JSON routes' 415 comes from Fastify's own parser). */
export class UnsupportedMediaTypeError extends SlmlabError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}
