// Waiting on PostgreSQL and Redis: retrying work that failed because one was briefly unreachable (exponential
// backoff), and bounding how long a call may take. The one copy of each, for both apps and packages/db.
import { isUnreachableError } from './unreachable.ts';

export interface RetryOptions {
  /** Tries in all (the first included). */
  attempts?: number;
  /** Delay before the second try; doubles each time. */
  baseDelayMs?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Which errors are worth another try (default: unreachable services only). */
  retryable?: (err: unknown) => boolean;
}

export async function retryTransient<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const { attempts = 7, baseDelayMs = 500, onRetry, retryable = isUnreachableError } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      const delayMs = baseDelayMs * 2 ** (attempt - 1);
      onRetry?.(err, attempt, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** The same object with every method retried on transient errors (for repositories). */
export function withRetries<T extends object>(target: T, opts: RetryOptions = {}): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    wrapped[name] = typeof value === 'function' ? (...args: unknown[]) => retryTransient(() => value.apply(target, args), opts) : value;
  }
  return wrapped as T;
}

/** Rejects with `message` when `p` has not settled within `ms`; `p` itself is left to settle on its own. */
export function withTimeout<T>(p: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
