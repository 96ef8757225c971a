// Environment parsing shared by both apps: parsed once at start into a typed object, failing fast with every
// problem named by its variable (trigger.dev's way). Each app declares its own schema with the env names as keys.
import Type, { type Static, type TObject } from 'typebox';
import Value from 'typebox/value';
import { ConfigError } from './errors.ts';
import { schemaIssues } from './spec.ts';

/** Settings both the API and the worker read. */
export const CommonEnv = {
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgresql://postgres@127.0.0.1:5432/slmlab' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  /** BullMQ key prefix: separate deployments (or test runs) on one Redis use different prefixes. */
  SLMLAB_QUEUE_PREFIX: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$', default: 'slmlab' }),
  /**
   * A running experiment whose worker has not signed of life for this long is taken for dead: another worker
   * may claim it (and resume it from its checkpoint), the API's reconciler may re-enqueue it.
   */
  SLMLAB_HEARTBEAT_TIMEOUT_S: Type.Integer({ minimum: 2, maximum: 3600, default: 60 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
};

/**
 * Reads the variables named by `schema` from `env` (unknown variables are ignored: the environment is shared).
 * Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function parseEnv<S extends TObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const value = Value.Default(schema, keepFractionsOfIntegers(schema, raw, Value.Convert(schema, { ...raw })));
  if (Value.Check(schema, value)) return value as Static<S>;
  const issues = schemaIssues(Value.Errors(schema, value)).map((i) => ({
    path: i.path.replace(/^\//, ''),
    message: `${i.message} (got ${JSON.stringify(raw[i.path.replace(/^\//, '')])})`,
  }));
  throw new ConfigError(issues);
}

/**
 * typebox's Convert truncates "1.5" to 1 for an integer setting; a typo like WORKER_CONCURRENCY=1.5 should be an
 * error, not a silent 1, so such values go back to their text and fail the check.
 */
function keepFractionsOfIntegers(schema: TObject, raw: Record<string, unknown>, converted: unknown) {
  const out = { ...(converted as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(schema.properties)) {
    const text = raw[key];
    if ((prop as { type?: unknown }).type === 'integer' && typeof text === 'string' && !Number.isInteger(Number(text))) out[key] = text;
  }
  return out;
}

/** DATABASE_URL alone, parsed as the apps parse it (its one default is CommonEnv's): for the migrator and the CLIs. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return parseEnv(Type.Object({ DATABASE_URL: CommonEnv.DATABASE_URL }), env).DATABASE_URL;
}

/** Parses a redis:// URL into BullMQ connection options (options, not an ioredis instance: see docs/operations.md). */
export function redisOptions(url: string) {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: Number.isFinite(db) ? db : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ requires this for its blocking connections.
    maxRetriesPerRequest: null,
  };
}
