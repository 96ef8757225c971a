// A private redis-server for tests that stop and restart Redis (the shared one on 6379 is left alone).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { spawnProc, stop, waitFor, type Proc } from './stack.ts';

export interface PrivateRedis {
  port: number;
  url: string;
  /** The running server (replaced by restart). */
  proc: Proc;
  /** Kills the server (SIGKILL: a crash) and starts a new one on the same port. With no persistence, empty. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory; safe to call more than once, and after a failure. */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` (from PATH) on `port`, 127.0.0.1 only, in a temporary directory. The default is the
 * worst case for a restart: no RDB snapshots and no AOF, so a restart loses every key.
 */
export async function startPrivateRedis(port: number, extraArgs: string[] = ['--save', '', '--appendonly', 'no']): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slmlab-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--maxmemory-policy', 'noeviction', ...extraArgs];
  const start = async () => {
    const proc = spawnProc(`redis-server:${port}`, 'redis-server', args);
    try {
      await waitFor(`redis-server on port ${port} to answer`, () => ping(port, proc), 30_000, [proc]);
    } catch (err) {
      await stop(proc, 'SIGKILL'); // never leave a server behind
      throw err;
    }
    return proc;
  };
  const first = await start().catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc: first,
    async restart() {
      await stop(self.proc, 'SIGKILL');
      self.proc = await start();
    },
    async close() {
      await stop(self.proc, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** True once the server answers PING; throws (so waitFor keeps polling) otherwise. Fails if the process died. */
async function ping(port: number, proc: Proc): Promise<true | undefined> {
  if (proc.child.exitCode !== null) throw new Error(`redis-server exited with ${proc.child.exitCode}: ${proc.output()}`);
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG' ? true : undefined;
  } finally {
    client.disconnect();
  }
}
