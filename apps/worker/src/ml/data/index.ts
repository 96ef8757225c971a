// Loads a data set by name. Word-level sets (PTB, WikiText-2) join here in the model-zoo issue.
import { DataError, type DatasetName } from '@slmlab/core';
import type { Corpus } from './corpus.ts';
import type { DataLocation } from './files.ts';
import { loadTinyShakespeare } from './tinyshakespeare.ts';

export type { Corpus, Split } from './corpus.ts';
export type { DataLocation } from './files.ts';

export async function loadCorpus(name: DatasetName, where: DataLocation): Promise<Corpus> {
  switch (name) {
    case 'tinyshakespeare':
      return loadTinyShakespeare(where);
    default:
      throw new DataError(`no loader for data set ${String(name)}`);
  }
}
