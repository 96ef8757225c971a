// Typed errors shared by the API and the worker. The API maps them to HTTP statuses in one place
// (apps/api/src/edge/errors.ts); the worker turns the non-retryable ones into BullMQ's UnrecoverableError.

/** One problem with an input: a JSON-pointer-like path and a reason a person can act on. */
export interface Issue {
  path: string;
  message: string;
}

export class SlmlabError extends Error {
  /** Stable machine-readable code, e.g. "invalid_spec". */
  readonly code: string;
  /** Whether retrying the same work could succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

/** The experiment spec broke a rule of the schema or of the model (never retried). */
export class InvalidSpecError extends SlmlabError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super('invalid_spec', formatIssues(issues));
    this.issues = issues;
  }
}

export class NotFoundError extends SlmlabError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} not found`);
  }
}

/** A data file is missing, unreadable or fails its checksum. Not retried: it will not fix itself. */
export class DataError extends SlmlabError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('data_error', message, opts);
  }
}

/** Configuration (environment) is invalid: the process must not start. */
export class ConfigError extends SlmlabError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super('config_error', `invalid configuration: ${formatIssues(issues)}`);
    this.issues = issues;
  }
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
}

/**
 * An experiment bundle (packages/core/src/bundle/) that cannot be imported: truncated, not a bundle, from a newer
 * slmlab, corrupt (a hash that does not match), or holding something this deployment cannot store or run (a bad
 * spec, a checkpoint of another spec). Each issue's path names what is wrong: `/magic`, `/version`,
 * `/headerLength`, `/headerSha256`, or a JSON pointer into the header (`/header/experiment/spec/model/heads`,
 * `/header/checkpoints/1/sha256`). Never retried: the same bytes fail the same way.
 */
export class InvalidBundleError extends SlmlabError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super('invalid_bundle', `not an importable experiment bundle: ${formatIssues(issues)}`);
    this.issues = issues;
  }
}

/** The request conflicts with the resource's current state (e.g. cancelling an experiment that has ended). */
export class ConflictError extends SlmlabError {
  /** The state that made the request impossible, for the client to act on (e.g. "succeeded"). */
  readonly status: string;
  constructor(message: string, status: string) {
    super('conflict', message);
    this.status = status;
  }
}

/** One server-side limit a spec's estimated cost exceeds. */
export interface LimitBreach {
  estimate: number;
  limit: number;
}

/** The spec is valid but its estimated cost is over a limit this deployment sets (not retried: it is the same spec). */
export class LimitExceededError extends SlmlabError {
  readonly issues: Issue[];
  readonly limits: Record<string, LimitBreach>;
  constructor(issues: Issue[], limits: Record<string, LimitBreach>) {
    super('limit_exceeded', formatIssues(issues));
    this.issues = issues;
    this.limits = limits;
  }
}

/**
 * Whether retrying the work that threw `err` could succeed: the error's own say (`retryable`: every SlmlabError,
 * and errors that crossed from a training sandbox), else yes — an error nobody classified is taken for transient.
 */
export function isRetryable(err: unknown): boolean {
  const flag = (err as { retryable?: unknown } | null)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}
