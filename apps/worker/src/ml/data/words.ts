// Word-level corpora (PTB, WikiText-2) as the study reads them: whitespace split with newlines dropped (no
// <eos>), the vocabulary built from the full train split (sorted, for a stable id order). Both sets have a
// closed vocabulary: every valid/test word occurs in train; a word that does not maps to <unk>.
import { readFile } from 'node:fs/promises';
import { DATASETS, DataError } from '@slmlab/core';
import type { Corpus } from './corpus.ts';
import { locateFile, type DataLocation } from './files.ts';

export type WordDataset = 'ptb' | 'wikitext2';

export async function loadWordCorpus(name: WordDataset, where: DataLocation): Promise<Corpus> {
  const info = DATASETS[name];
  const read = async (split: 'train' | 'valid' | 'test') => readFile(await locateFile(info.files[split], where), 'utf8');
  const [train, valid, test] = await Promise.all([read('train'), read('valid'), read('test')]);
  const corpus = tokenizeWords(name, train, valid, test);
  if (corpus.vocab.length !== info.vocabSize) {
    throw new DataError(`${name} has ${corpus.vocab.length} distinct train words, expected ${info.vocabSize}`);
  }
  return corpus;
}

export function tokenizeWords(name: string, train: string, valid: string, test: string): Corpus {
  const trainWords = words(train);
  const vocab = [...new Set(trainWords)].sort();
  const index = new Map(vocab.map((w, i) => [w, i]));
  const unk = index.get('<unk>');
  const encode = (ws: string[], split: string) =>
    Int32Array.from(ws, (w) => {
      const id = index.get(w) ?? unk;
      if (id === undefined) throw new DataError(`${name} ${split}: word "${w}" is not in the train vocabulary and there is no <unk>`);
      return id;
    });
  return {
    name,
    vocab,
    train: encode(trainWords, 'train'),
    valid: encode(words(valid), 'valid'),
    test: encode(words(test), 'test'),
  };
}

/**
 * Python's str.split() whitespace, not JavaScript's \s: they differ on U+FEFF (JS: space; Python: a character),
 * and WikiText-2's train split holds a lone U+FEFF "word" that the study's 33,277-word vocabulary counts.
 */
const PY_WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function words(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((w) => w.length > 0);
}
