// Reading the worker registry that the workers write (packages/core workers.ts): every key under this deployment's
// prefix, found with SCAN (KEYS would block Redis while it walks the keyspace), read on the queue's own connection.
import Value from 'typebox/value';
import type { FastifyBaseLogger } from 'fastify';
import { WorkerEntry, workerKeyPattern, workerMetricsKeyPattern } from '@slmlab/core';
import type { ExperimentQueue } from '../plugins/queue.ts';

/** Keys Redis looks at per SCAN step: a hint that bounds each step's work, not the answer's size. */
const SCAN_COUNT = 500;

type Client = Awaited<ReturnType<ExperimentQueue['getBackend']>['client']>;

/** The live workers' entries, by host then id. An entry that expires while it is read is left out. */
export async function readRegistry(queue: ExperimentQueue, prefix: string, log: FastifyBaseLogger): Promise<WorkerEntry[]> {
  const client = await queue.getBackend().client;
  const keys = await scanKeys(client, workerKeyPattern(prefix));
  const values = await Promise.all(keys.map((key) => client.get(key)));
  return values.flatMap((value, i) => parseEntry(keys[i]!, value, log)).sort(byHostThenId);
}

/** The live workers' metric snapshots (prom-client JSON, services/metrics.ts of the worker), unparsed, by key. */
export async function readWorkerMetrics(queue: ExperimentQueue, prefix: string): Promise<string[]> {
  const client = await queue.getBackend().client;
  const keys = (await scanKeys(client, workerMetricsKeyPattern(prefix))).sort();
  const values = await Promise.all(keys.map((key) => client.get(key)));
  return values.filter((v): v is string => v !== null); // expired between SCAN and GET
}

async function scanKeys(client: Client, pattern: string): Promise<string[]> {
  const keys = new Set<string>(); // SCAN may return a key more than once
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, { MATCH: pattern, COUNT: SCAN_COUNT });
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

/** An entry that is not what the workers write (another version, a stray key) is skipped, and said so. */
function parseEntry(key: string, value: string | null, log: FastifyBaseLogger): WorkerEntry[] {
  if (value === null) return []; // expired between SCAN and GET
  try {
    const entry: unknown = JSON.parse(value);
    if (Value.Check(WorkerEntry, entry)) return [entry];
  } catch {
    // not JSON: skipped below
  }
  log.warn({ key }, 'worker registry: an entry that is not a worker entry; skipped');
  return [];
}

function byHostThenId(a: WorkerEntry, b: WorkerEntry): number {
  return compare(a.host, b.host) || compare(a.id, b.id);
}

/** By code point, the same everywhere (localeCompare would depend on the server's locale). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
