import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadWordCorpus, tokenizeWords } from './words.ts';

const dataDir = process.env.SLMLAB_DATA_DIR ?? path.resolve('../shared/data');

test('words split on whitespace, newlines dropped, vocabulary from train only', () => {
  const c = tokenizeWords('toy', ' the cat \n sat <unk> \n', ' the dog \n', ' cat \n');
  assert.deepEqual(c.vocab, ['<unk>', 'cat', 'sat', 'the']);
  assert.deepEqual([...c.train], [3, 1, 2, 0]);
  assert.deepEqual([...c.valid], [3, 0], 'an unseen word maps to <unk>');
  assert.deepEqual([...c.test], [1]);
});

test("PTB and WikiText-2 have the study's vocabularies (9,999 and 33,277) and the published word counts", async () => {
  const ptb = await loadWordCorpus('ptb', { dataDir, allowDownload: false });
  assert.equal(ptb.vocab.length, 9_999);
  assert.deepEqual([ptb.train.length, ptb.valid.length, ptb.test.length], [887_521, 70_390, 78_669]);
  const wiki = await loadWordCorpus('wikitext2', { dataDir, allowDownload: false });
  assert.equal(wiki.vocab.length, 33_277);
  assert.deepEqual([wiki.train.length, wiki.valid.length, wiki.test.length], [2_051_910, 213_886, 241_211]);
});
