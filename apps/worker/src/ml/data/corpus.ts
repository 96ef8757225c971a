// A tokenised corpus: the three splits as token ids and the vocabulary that produced them.

export interface Corpus {
  name: string;
  vocab: string[];
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export type Split = 'train' | 'valid' | 'test';
