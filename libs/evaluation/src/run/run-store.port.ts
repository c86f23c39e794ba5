import type { RunRecord } from './run.schema.js';

/**
 * Where runs are kept so history and comparisons can find them: a directory in a checkout (the file adapter in
 * apps/cli), an object store in distributed mode. Implementations validate what they read and never return a
 * record that fails the run schema.
 */
export interface RunStore {
  /** Stores the run under its id; storing the same id again replaces it. */
  save(run: RunRecord): Promise<void>;
  /** The run with this id, or undefined. */
  get(id: string): Promise<RunRecord | undefined>;
  /** Every stored run, in no particular order. */
  list(): Promise<RunRecord[]>;
}
