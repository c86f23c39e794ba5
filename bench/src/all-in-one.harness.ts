import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform, type AllInOnePlatform } from './cli.loader.js';

export interface InProcessPlatform {
  platform: AllInOnePlatform;
  close(): Promise<void>;
}

/**
 * A fresh all-in-one platform in this process, with nothing carried over from another run.
 *
 * RAGOPS_DATA_DIR gets a new temporary directory rather than '': the config loader treats an empty value as unset,
 * which means the default `.ragops-data` in the working directory — a snapshot left there by `npm start` would be
 * loaded (its documents then count as "unchanged" and skip indexing). Snapshots are not saved during the run
 * (longest interval); close() saves one into the temporary directory, which is then removed.
 */
export async function startInProcess(env: Record<string, string>): Promise<InProcessPlatform> {
  const { startAllInOne } = await loadPlatform();
  const dataDir = await mkdtemp(join(tmpdir(), 'ragops-bench-data-'));
  const platform = await startAllInOne({
    env: { LOG_LEVEL: 'silent', RAGOPS_SAMPLE_CORPUS: 'none', SNAPSHOT_INTERVAL_MS: '86400000', ...env, RAGOPS_DATA_DIR: dataDir },
    port: 0,
    host: '127.0.0.1',
  });
  if (!platform.firstStart) throw new Error(`a fresh data directory ${dataDir} already had a snapshot`);
  return {
    platform,
    async close() {
      await platform.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
