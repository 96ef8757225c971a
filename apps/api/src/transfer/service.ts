// The work behind transfer/routes.ts: an experiment out as a bundle (export.ts), a bundle in as an experiment
// (import.ts). Dependencies come in as arguments (deps.ts), built once in plugins/services.ts.
import type { TransferDeps } from './deps.ts';
import { exportBundle } from './export.ts';
import { importBundle, type ImportOptions } from './import.ts';

export type { TransferDeps } from './deps.ts';

export function transferService(deps: TransferDeps) {
  return {
    export: (id: string) => exportBundle(deps, id),
    import: (bytes: Uint8Array, opts: ImportOptions) => importBundle(deps, bytes, opts),
  };
}
