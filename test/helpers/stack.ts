// Starts the real API server and worker processes (tsx, as a user would) against the local PostgreSQL and
// Redis, on a free port and a queue prefix of their own, and stops them at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
}

/**
 * The API's queue reconciler is off unless `env` sets SLMLAB_RECONCILE_INTERVAL_S: a test's live rows are its own
 * to drive (each file has a database of its own, test/helpers/own-database.mjs), and a reconciler would re-enqueue
 * the ones a test left queued on purpose. test/redis-restart.test.ts turns it on.
 */
export function startProcess(name: string, script: string, env: NodeJS.ProcessEnv, opts: SpawnOptions = {}): Proc {
  return spawnProc(name, process.execPath, ['--import', 'tsx', path.join(repoRoot, script)], {
    ...process.env,
    SLMLAB_RECONCILE_INTERVAL_S: '0',
    ...env,
  }, opts);
}

export interface SpawnOptions {
  /** A process group of its own, so that a test can signal the group as a terminal's Ctrl-C does. */
  ownGroup?: boolean;
}

/** Any command as a child process whose output is kept (the tail) and whose exit can be awaited. */
export function spawnProc(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env, opts: SpawnOptions = {}): Proc {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownGroup ?? false,
  });
  if (child.pid !== undefined) watch(child.pid);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000); // the tail is what explains a failure
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
    child.once('error', (err) => {
      keep(Buffer.from(`could not start ${command}: ${err.message}\n`));
      resolve(127); // e.g. ENOENT: no 'exit' follows
    });
  });
  return { name, child, output: () => out, exited };
}

/** A watchdog stops `pid` once this test process is gone, however a test ends (helpers/watchdog.mjs). */
function watch(pid: number) {
  const watchdog = spawn(process.execPath, [path.join(repoRoot, 'test/helpers/watchdog.mjs'), String(process.pid), String(pid)], {
    stdio: 'ignore',
  });
  watchdog.unref();
}

/** Whether a process of this pid exists (signal 0 checks without sending). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, procs: Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = procs.map((p) => `--- ${p.name} output ---\n${p.output()}`).join('\n');
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last error: ${String(last)})\n${logs}`);
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill(signal);
  return p.exited;
}

/** A real API and one worker process on a queue prefix of their own, ready: the end-to-end suites' usual set-up. */
export interface Stack {
  api: Proc;
  worker: Proc;
  /** http://127.0.0.1:<port> of the API. */
  base: string;
  /** SIGTERM to both; resolves with their exit codes (0 and 0 when both stopped cleanly). */
  stop(): Promise<[number, number]>;
}

export async function startStack(prefix: string, env: NodeJS.ProcessEnv = {}, timeouts = { api: 90_000, worker: 120_000 }): Promise<Stack> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const all = { PORT: String(port), SLMLAB_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', ...env };
  const api = startProcess('api', 'apps/api/src/server.ts', all);
  const worker = startProcess('worker', 'apps/worker/src/main.ts', all);
  await waitFor('the API to be ready', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), timeouts.api, [api]);
  await waitFor('the worker to take jobs', async () => (worker.output().includes('waiting for jobs') ? true : undefined), timeouts.worker, [worker]);
  return { api, worker, base, stop: async () => [await stop(api), await stop(worker)] };
}
