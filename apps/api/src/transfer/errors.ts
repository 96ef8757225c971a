// The import's own 409s. Both name the experiment in the way (`error.experimentId`), so that a client can look at
// it; edge/errors.ts answers them.
import { SlmlabError } from '@slmlab/core';

/** The bundle's experiment id is already taken here: each deployment holds an experiment once. */
export class AlreadyExistsError extends SlmlabError {
  constructor(readonly experimentId: string) {
    super(
      'already_exists',
      `experiment ${experimentId} already exists here (GET /v1/experiments/${experimentId}); nothing was imported. A bundle keeps ` +
        'its experiment id: it was imported before, or exported from this deployment. To bring in a newer export of it, ' +
        'remove the copy here first (docs/api.md, "Export and import")',
    );
  }
}

/**
 * Another experiment here has the same resolved spec and counts as a run of it (queued, running or succeeded):
 * the import takes part in deduplication as a submission does, unless ?force=true.
 */
export class DuplicateSpecError extends SlmlabError {
  constructor(readonly experimentId: string, readonly status: string) {
    const live = status === 'queued' || status === 'running';
    super(
      'duplicate_spec',
      `experiment ${experimentId} here has the same spec and is ${status}; nothing was imported. Use that one` +
        `${live ? `, cancel it (POST /v1/experiments/${experimentId}/cancel)` : ''}, or import with ?force=true to keep both`,
    );
  }
}
