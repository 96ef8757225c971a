// The sweep routes' one setting, read from the environment like the API's others (config.ts is shared; this
// keeps the sweep feature's setting with it).
import Type, { type Static } from 'typebox';
import { parseEnv } from '@slmlab/core';

export const SweepEnv = Type.Object({
  /** A sweep with more cells (axis combinations × seeds) is refused with 422 limit_exceeded. */
  SLMLAB_MAX_SWEEP_CELLS: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
});

export type SweepConfig = Static<typeof SweepEnv>;

export function loadSweepConfig(env: NodeJS.ProcessEnv = process.env): SweepConfig {
  return parseEnv(SweepEnv, env);
}
