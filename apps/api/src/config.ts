// The API's settings, read once at start from the environment (docs/operations.md lists them).
import Type, { type Static } from 'typebox';
import { CommonEnv, DEFAULT_MAX_TRAINING_MEMORY_BYTES, parseEnv } from '@slmlab/core';

export const ApiEnv = Type.Object({
  ...CommonEnv,
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** 0 lets the OS pick a free port. */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  /** Larger request bodies are refused with 413 before they are parsed. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1, maximum: 100 * 1024 * 1024, default: 1024 * 1024 }),
  /**
   * A request (headers and body) not received in full within this many seconds is answered 408 and its
   * connection closed: a client trickling a body must not hold a connection and a parser forever.
   */
  REQUEST_TIMEOUT_S: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 30 }),
  /** A sweep with more cells (axis combinations × seeds) is refused with 422 limit_exceeded. */
  SLMLAB_MAX_SWEEP_CELLS: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  /** Server-sent event streams open at once (each polls PostgreSQL); one more is answered 503 with Retry-After. */
  SLMLAB_MAX_EVENT_STREAMS: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
  // Submissions whose estimated cost (packages/core/src/cost.ts) exceeds one of these are refused with 422.
  SLMLAB_MAX_PARAMS: Type.Integer({ minimum: 1, default: 50_000_000 }),
  SLMLAB_MAX_TRAIN_FLOPS: Type.Number({ exclusiveMinimum: 0, default: 1e17 }),
  /** What one worker can train: wasm's heap stops at 4 GiB (raise it for GPU workers; docs/api.md). */
  SLMLAB_MAX_EST_MEMORY_BYTES: Type.Number({ exclusiveMinimum: 0, default: DEFAULT_MAX_TRAINING_MEMORY_BYTES }),
  /**
   * Seconds between passes of the queue reconciler (reconcile/reconcile.ts), which re-enqueues queued or running
   * experiments whose BullMQ job is gone (a Redis restart without persistence, a flush). It also runs once at
   * start. 0 turns it off.
   */
  SLMLAB_RECONCILE_INTERVAL_S: Type.Integer({ minimum: 0, maximum: 86_400, default: 30 }),
  /**
   * `on`: requests need `Authorization: Bearer <token>` (auth/plugin.ts; tokens from `npm run token`). `off` by
   * default, so that the one-command demo and local use need no token; the API then logs a warning at start.
   */
  SLMLAB_AUTH: Type.Enum(['off', 'on'], { default: 'off' }),
  /** With auth on: GET (and HEAD) requests need no token. Writes always need one with the `write` scope. */
  SLMLAB_AUTH_OPEN_READS: Type.Boolean({ default: true }),
  /**
   * With auth on and open reads: downloading a checkpoint's bytes (model weights) needs no token either. Off by
   * default: open reads show results, not the weights.
   */
  SLMLAB_AUTH_OPEN_CHECKPOINTS: Type.Boolean({ default: false }),
  /**
   * The largest experiment bundle `POST /v1/experiments/import` accepts (a bundle holds the experiment's
   * checkpoints: tens of MB for a large model). Only that route: every other body keeps BODY_LIMIT_BYTES.
   * The body is held in memory while it is checked and stored. Bigger is 413.
   */
  SLMLAB_MAX_IMPORT_BYTES: Type.Integer({ minimum: 1, maximum: 2 * 1024 ** 3 - 1, default: 256 * 1024 * 1024 }),
  /**
   * This deployment's name in the bundles it exports (`source.deploymentId`), so that an imported experiment says
   * where it came from. Empty: `<host name>:<database name>:<SLMLAB_QUEUE_PREFIX>`.
   */
  SLMLAB_DEPLOYMENT_ID: Type.String({ maxLength: 200, default: '' }),
  /** The built dashboard served under /ui (ui/plugin.ts); empty: apps/web/dist of this checkout. */
  SLMLAB_UI_DIR: Type.String({ default: '' }),
});

export type ApiConfig = Static<typeof ApiEnv>;

/** Throws ConfigError naming every bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(ApiEnv, env);
}
