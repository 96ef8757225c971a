import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataError, type DatasetFile } from '@slmlab/core';
import { locateFile, sha256 } from './files.ts';
import { loadTinyShakespeare } from './tinyshakespeare.ts';

const dataDir = process.env.SLMLAB_DATA_DIR ?? path.resolve('../shared/data');

test("the real file splits as the study's 892,117 / 111,669 / 111,606 characters over 65 symbols", async () => {
  const c = await loadTinyShakespeare({ dataDir, allowDownload: false });
  assert.equal(c.vocab.length, 65);
  assert.deepEqual([c.train.length, c.valid.length, c.test.length], [892_117, 111_669, 111_606]);
  assert.equal(c.vocab.join('').slice(0, 3), '\n !');
  // The test split is the file's tail: its last character is the file's final newline.
  assert.equal(c.vocab[c.test.at(-1)!], '\n');
});

async function fixture(content: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-data-'));
  const bytes = Buffer.from(content);
  const { createHash } = await import('node:crypto');
  const file: DatasetFile = {
    path: 'toy/input.txt',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    url: '',
  };
  return { dir, file, bytes };
}

test('a file whose checksum differs is refused with both checksums', async () => {
  const { dir, file } = await fixture('hello');
  await mkdir(path.join(dir, 'toy'));
  await writeFile(path.join(dir, file.path), 'hellO');
  await assert.rejects(locateFile(file, { dataDir: dir, allowDownload: false }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, new RegExp(`expected sha256 ${file.sha256}`));
    return true;
  });
});

test('a missing file with downloads off names the variable to set', async () => {
  const { dir, file } = await fixture('hello');
  await assert.rejects(locateFile(file, { dataDir: dir, allowDownload: false }), /SLMLAB_DATA_DIR/);
});

test('a missing file is downloaded into the data directory and verified (local server, no internet)', async () => {
  const { dir, file, bytes } = await fixture('to be or not to be\n');
  let served = 0;
  const server = createServer((req, res) => {
    served++;
    if (req.url === '/good') res.end(bytes);
    else res.end('tampered');
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  try {
    const bad = { ...file, path: 'toy/bad.txt', url: `http://127.0.0.1:${port}/bad` };
    await assert.rejects(locateFile(bad, { dataDir: dir, allowDownload: true }), /expected/);
    const good = { ...file, url: `http://127.0.0.1:${port}/good` };
    const where = await locateFile(good, { dataDir: dir, allowDownload: true });
    assert.equal(await readFile(where, 'utf8'), 'to be or not to be\n');
    assert.equal(await sha256(where), file.sha256);
    await locateFile(good, { dataDir: dir, allowDownload: true });
    assert.equal(served, 2, 'the second call finds the file and does not download again');
  } finally {
    server.close();
  }
});
