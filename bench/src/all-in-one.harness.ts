import { loadPlatform, type AllInOnePlatform } from './cli.loader.js';

export interface InProcessPlatform {
  platform: AllInOnePlatform;
  close(): Promise<void>;
}

/**
 * A fresh all-in-one platform in this process, with nothing carried over from another run.
 *
 * RAGOPS_DATA_DIR=none keeps the index in memory only: no snapshot is loaded (a snapshot left in `.ragops-data` by
 * `npm start` would make its documents count as "unchanged" and skip indexing) and none is written. An empty value
 * would not do: the config loader treats it as unset, i.e. the default `.ragops-data`.
 */
export async function startInProcess(env: Record<string, string>): Promise<InProcessPlatform> {
  const { startAllInOne } = await loadPlatform();
  const platform = await startAllInOne({
    env: { LOG_LEVEL: 'silent', RAGOPS_SAMPLE_CORPUS: 'none', SNAPSHOT_INTERVAL_MS: '86400000', ...env, RAGOPS_DATA_DIR: 'none' },
    port: 0,
    host: '127.0.0.1',
  });
  if (!platform.firstStart) throw new Error('RAGOPS_DATA_DIR=none started from an existing snapshot');
  return { platform, close: () => platform.close() };
}
