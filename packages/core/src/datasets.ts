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
// Byte-identical copies (same git blob ids) in pytorch/examples; see ../shared/data/README.md for provenance.
const PTB = 'https://raw.githubusercontent.com/pytorch/examples/c456de8acf3f8b0bc2178b1e55ebabee22ab1801/word_language_model/data/penn';
const WIKI2 = 'https://raw.githubusercontent.com/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/word_language_model/data/wikitext-2';

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
  ptb: {
    name: 'ptb',
    level: 'word',
    vocabSize: 9_999,
    description: "Penn Treebank (Mikolov's version), word level, the given splits; newlines dropped, no <eos>",
    files: {
      train: { path: 'ptb/ptb.train.txt', sha256: 'fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf', bytes: 5_101_618, url: `${PTB}/train.txt` },
      valid: { path: 'ptb/ptb.valid.txt', sha256: 'c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2', bytes: 399_782, url: `${PTB}/valid.txt` },
      test: { path: 'ptb/ptb.test.txt', sha256: 'dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0', bytes: 449_945, url: `${PTB}/test.txt` },
    },
  },
  wikitext2: {
    name: 'wikitext2',
    level: 'word',
    vocabSize: 33_277,
    description: 'WikiText-2 (v1, tokenized), word level, the given splits; newlines dropped, no <eos>',
    files: {
      train: { path: 'wikitext-2/wiki.train.tokens', sha256: '9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f', bytes: 10_797_148, url: `${WIKI2}/train.txt` },
      valid: { path: 'wikitext-2/wiki.valid.tokens', sha256: 'f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8', bytes: 1_121_681, url: `${WIKI2}/valid.txt` },
      test: { path: 'wikitext-2/wiki.test.tokens', sha256: 'd790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0', bytes: 1_256_449, url: `${WIKI2}/test.txt` },
    },
  },
} as const satisfies Record<string, DatasetInfo>;

export type DatasetName = keyof typeof DATASETS;
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];
