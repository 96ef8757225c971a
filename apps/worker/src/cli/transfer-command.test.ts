// `slmlab export` and `slmlab import` as a user runs them, against a real API (its own database and queue
// prefix): the file round trip, the API's refusals as exit 1 with its words, a damaged file named before any
// upload, and command-line mistakes as exit 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { decodeBundle, encodeBundle, parseSpec } from '@slmlab/core';
import { TEST_SPEC, testBundle } from '../../../../packages/core/src/bundle/testing.ts';
import { closeTestApp, closedPort, testApp } from '../../../api/src/testing.ts';
import { writeParts } from './bundle-parts.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
let app: FastifyInstance;
let api = '';
let dir = '';

before(async () => {
  app = await testApp('cli-transfer');
  await app.listen({ port: 0, host: '127.0.0.1' });
  api = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-cli-transfer-'));
});

after(async () => {
  await closeTestApp(app);
  await rm(dir, { recursive: true, force: true });
});

interface Ran { code: number; stdout: string; stderr: string }
function slmlab(args: string[]): Promise<Ran> {
  return promisify(execFile)(path.join(root, 'bin/slmlab'), args, { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test('import then export: the file comes back byte for byte what the API holds; ids and paths on stdout', async () => {
  const id = randomUUID();
  const file = path.join(dir, 'in.slmlab-bundle');
  await writeFile(file, encodeBundle(testBundle({ id, status: 'succeeded' })));
  const imported = await slmlab(['import', file, '--api', api]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout, `${id}\n`);
  assert.match(imported.stderr, /exported from laptop:slmlab:slmlab at 2026-12-01T11:00:00\.000Z/);
  assert.match(imported.stderr, new RegExp(`imported ${id} as succeeded, as it ended \\(read-only\\)`));

  const out = path.join(dir, 'out.bin');
  const exported = await slmlab(['export', id, '--out', out, `--api=${api}`]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout, `${out}\n`);
  assert.match(exported.stderr, new RegExp(`exported experiment ${id} "bundle test" \\(succeeded; 1 curve points; checkpoints: latest at step 14, best at step 14\\)`));
  const back = decodeBundle(await readFile(out));
  assert.deepEqual(back.experiment, testBundle({ id, status: 'succeeded' }).experiment);
  // Into the current directory under the name the API suggests.
  const here = await slmlab(['export', id, `--api=${api}`]);
  assert.equal(here.stdout, `${id}.slmlab-bundle\n`);
  assert.deepEqual(decodeBundle(await readFile(path.join(dir, `${id}.slmlab-bundle`))).experiment, back.experiment);
});

test("the API's refusals exit 1 with its words: an id it has, a spec it runs, an unknown experiment", async () => {
  const id = randomUUID();
  const spec = parseSpec({ ...TEST_SPEC, training: { ...TEST_SPEC.training, seed: 2 } }); // not the first test's
  const file = path.join(dir, 'live.slmlab-bundle');
  await writeFile(file, encodeBundle(testBundle({ id, status: 'cancelled', spec })));
  assert.equal((await slmlab(['import', file, `--api=${api}`])).code, 0);
  const again = await slmlab(['import', file, `--api=${api}`]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /409 already_exists experiment .* already exists here/);
  const twin = path.join(dir, 'twin.slmlab-bundle');
  await writeFile(twin, encodeBundle(testBundle({ id: randomUUID(), status: 'cancelled', spec })));
  const duplicate = await slmlab(['import', twin, `--api=${api}`]);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, new RegExp(`409 duplicate_spec experiment ${id} here has the same spec and is queued[\\s\\S]*slmlab import … --force`));
  const forced = await slmlab(['import', twin, `--api=${api}`, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /, queued: a worker there resumes it from step 14 \(epoch 1 done\)/);
  const unknown = await slmlab(['export', randomUUID(), `--api=${api}`]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /404 not_found experiment .* not found/);
});

test('a damaged file is named with the part that is wrong, before anything is sent (exit 1)', async () => {
  const bytes = encodeBundle(testBundle());
  const file = path.join(dir, 'cut.slmlab-bundle');
  await writeFile(file, bytes.subarray(0, bytes.length - 5));
  const r = await slmlab(['import', file, `--api=http://127.0.0.1:${await closedPort()}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cut\.slmlab-bundle is not an importable experiment bundle:\n {2}\/header\/checkpoints\/0\/bytes: truncated/);
  assert.doesNotMatch(r.stderr, /cannot reach/);
});

test('--split: parts of at most SIZE that import joins, named by their shared name or any part; a missing part is named', async () => {
  const id = randomUUID();
  const spec = parseSpec({ ...TEST_SPEC, training: { ...TEST_SPEC.training, seed: 3 } });
  const whole = encodeBundle(testBundle({ id, status: 'cancelled', spec }));
  const local = path.join(dir, 'carried.slmlab-bundle');
  assert.equal((await writeParts(local, whole, 1024)).length, Math.ceil(whole.length / 1024));
  const imported = await slmlab(['import', local, `--api=${api}`]); // only the parts exist under this name
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout, `${id}\n`);
  assert.match(imported.stderr, /, queued: a worker there resumes it from step 14/);

  const plain = path.join(dir, 'plain.slmlab-bundle');
  assert.equal((await slmlab(['export', id, `--out=${plain}`, `--api=${api}`])).code, 0);
  const split = await slmlab(['export', id, '--out', path.join(dir, 'split.slmlab-bundle'), '--split=1K', `--api=${api}`]);
  assert.equal(split.code, 0, split.stderr);
  const parts = split.stdout.trim().split('\n');
  const n = parts.length;
  assert.ok(n >= 2, `a ${whole.length}-byte bundle in 1K parts: ${n}`);
  assert.deepEqual(parts, Array.from({ length: n }, (_, i) => path.join(dir, `split.slmlab-bundle.part-${i + 1}-of-${n}`)));
  for (const p of parts) assert.ok((await stat(p)).size <= 1024, p);
  // Each export is stamped with its time, so the parts join into the plain export but for that stamp.
  const joined = decodeBundle(Buffer.concat(await Promise.all(parts.map((p) => readFile(p)))));
  const exported = decodeBundle(await readFile(plain));
  assert.deepEqual({ ...joined, source: { ...joined.source, exportedAt: '' } }, { ...exported, source: { ...exported.source, exportedAt: '' } });
  const joinedBytes = (await Promise.all(parts.map((p) => stat(p)))).reduce((sum, s) => sum + s.size, 0);
  assert.match(split.stderr, new RegExp(`: ${(joinedBytes / 1024).toFixed(1)} KB → ${n} parts of at most 1\\.0 KB, split\\.slmlab-bundle\\.part-1-of-${n}…`));

  // Named by its second part: all are read and decoded (the API then refuses the id it already holds).
  const again = await slmlab(['import', parts[1]!, `--api=${api}`]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /409 already_exists experiment .* already exists here/);
  await rm(parts[1]!);
  const missing = await slmlab(['import', path.join(dir, 'split.slmlab-bundle'), `--api=http://127.0.0.1:${await closedPort()}`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`part 2 of ${n} is missing: .*split\\.slmlab-bundle\\.part-2-of-${n}`));
  const none = await slmlab(['import', path.join(dir, 'nothing.slmlab-bundle'), `--api=${api}`]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /cannot read .*nothing\.slmlab-bundle: no such file/);
});

test('command-line mistakes exit 2 with what was meant', async () => {
  const cases: [string[], RegExp][] = [
    [['export'], /export takes one experiment id \(got 0\)/],
    [['export', 'a', 'b'], /export takes one experiment id \(got 2\)/],
    [['export', 'a', '--outt=x'], /unknown option --outt \(did you mean --out\?\)/],
    [['import'], /import takes one bundle file \(got 0\)/],
    [['import', 'f', '--forse'], /unknown option --forse \(did you mean --force\?\)/],
    [['export', 'a', '--split=12'], /--split needs a size of at least 1K, such as --split=4M \(got "12"\)/],
    [['export', 'a', '--split=lots'], /--split needs a size of at least 1K/],
    [['imprt'], /unknown command "imprt" \(did you mean import\?\)/],
  ];
  for (const [args, message] of cases) {
    const r = await slmlab(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});
