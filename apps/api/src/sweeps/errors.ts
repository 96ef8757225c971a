// The sweep's own 422: some cells do not make a valid, affordable experiment. Raised before anything is stored;
// sweeps/routes.ts answers it (the app's error handler does not know it).
import { SlmlabError, type Issue } from '@slmlab/core';

/** One cell that cannot be submitted: its axis values and what is wrong with its spec. */
export interface CellFailure {
  index: number;
  /** The cell's axis values, seed included (as training.seed). */
  axes: Record<string, unknown>;
  /** Paths are JSON pointers into the cell's spec; code says which check failed. */
  issues: (Issue & { code: 'invalid_spec' | 'limit_exceeded' | 'duplicate_cell' })[];
}

/** At most this many failing cells are listed: a bad base fails every cell the same way. */
export const LISTED_CELLS = 50;

export class InvalidSweepError extends SlmlabError {
  /** Flattened for the common error shape: paths point into the request body (/base/… or /axes/<path>/<i>/…). */
  readonly issues: Issue[];
  readonly cells: CellFailure[];
  constructor(failures: CellFailure[], total: number, issues: Issue[]) {
    const listed = failures.length > LISTED_CELLS ? ` (the first ${LISTED_CELLS} are listed)` : '';
    super('invalid_sweep', `${failures.length} of ${total} sweep cells cannot be submitted${listed}; nothing was submitted`);
    this.cells = failures.slice(0, LISTED_CELLS);
    this.issues = issues;
  }
}
