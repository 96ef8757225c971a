// The data sets slmlab knows: where their files come from, their checksums and vocabulary sizes.
// The vocabulary size is needed before any data is read (parameter counts, FLOPs estimates at submission).

export interface DatasetFile {
  /** Path relative to the data directory, e.g. "tinyshakespeare/input.txt". */
  path: string;
  sha256: string;
  bytes: number;
  /** Where a missing file is downloaded from (only when downloads are allowed). */
  url: string;
}

export interface DatasetInfo {
  name: string;
  level: 'char' | 'word';
  /** Vocabulary size under the study's rules (chars of the whole file; words of the full train split). */
  vocabSize: number;
  files: Record<'train' | 'valid' | 'test', DatasetFile> | Record<'all', DatasetFile>;
  description: string;
}

const KARPATHY = 'https://raw.githubusercontent.com/karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e';

export const DATASETS = {
  tinyshakespeare: {
    name: 'tinyshakespeare',
    level: 'char',
    vocabSize: 65,
    description: 'Tiny Shakespeare (1,115,394 characters), character level, the study\'s 80/10/10 contiguous split',
    files: {
      all: {
        path: 'tinyshakespeare/input.txt',
        sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
        bytes: 1_115_394,
        url: `${KARPATHY}/data/tinyshakespeare/input.txt`,
      },
    },
  },
} as const satisfies Record<string, DatasetInfo>;

export type DatasetName = keyof typeof DATASETS;
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];
