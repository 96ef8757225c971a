// Loads a data set by name.
import { DataError, type DatasetName } from '@slmlab/core';
import type { Corpus } from './corpus.ts';
import type { DataLocation } from './files.ts';
import { loadTinyShakespeare } from './tinyshakespeare.ts';
import { loadWordCorpus } from './words.ts';

export type { Corpus, Split } from './corpus.ts';
export type { DataLocation } from './files.ts';

export async function loadCorpus(name: DatasetName, where: DataLocation): Promise<Corpus> {
  switch (name) {
    case 'tinyshakespeare':
      return loadTinyShakespeare(where);
    case 'ptb':
    case 'wikitext2':
      return loadWordCorpus(name, where);
    default:
      throw new DataError(`no loader for data set ${String(name)}`);
  }
}
