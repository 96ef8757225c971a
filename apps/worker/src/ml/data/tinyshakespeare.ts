// Tiny Shakespeare at character level with the study's split (../shared/docs/paper.md): train = the first
// 892,117 characters, valid = the next 111,669, test = the last 111,606. Those three figures leave two
// characters (offsets 1,003,786–1,003,787, a paragraph break "\n\n") in no split; we keep the study's figures.
// Vocabulary: the 65 distinct characters of the whole file, sorted.
import { readFile } from 'node:fs/promises';
import { DATASETS, DataError } from '@slmlab/core';
import type { Corpus } from './corpus.ts';
import { locateFile, type DataLocation } from './files.ts';

export const SHAKESPEARE_SPLIT = { train: 892_117, valid: 111_669, test: 111_606 } as const;

export async function loadTinyShakespeare(where: DataLocation): Promise<Corpus> {
  const info = DATASETS.tinyshakespeare;
  const corpus = tokenizeShakespeare(await readFile(await locateFile(info.files.all, where), 'utf8'));
  if (corpus.vocab.length !== info.vocabSize) {
    throw new DataError(`Tiny Shakespeare has ${corpus.vocab.length} distinct characters, expected ${info.vocabSize}`);
  }
  return corpus;
}

/** Splits and encodes the text; exported for tests on small fixtures. */
export function tokenizeShakespeare(text: string, split: { train: number; valid: number; test: number } = SHAKESPEARE_SPLIT): Corpus {
  if (split.train + split.valid + split.test > text.length) {
    throw new DataError(`text has ${text.length} characters, fewer than the split needs`);
  }
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((ch, i) => [ch, i]));
  const encode = (s: string) => Int32Array.from(s, (ch) => index.get(ch)!);
  return {
    name: 'tinyshakespeare',
    vocab,
    train: encode(text.slice(0, split.train)),
    valid: encode(text.slice(split.train, split.train + split.valid)),
    test: encode(text.slice(text.length - split.test)),
  };
}
