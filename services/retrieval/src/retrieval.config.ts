import { loadConfig } from '@ragops/contracts';
import { IndexingEnv, LogLevelVar, NatsEnv, StoreEnv } from '@ragops/platform';

export const RetrievalEnv = NatsEnv.extend(IndexingEnv.shape).extend(StoreEnv.shape).extend({ LOG_LEVEL: LogLevelVar });
export type RetrievalConfig = ReturnType<typeof loadRetrievalConfig>;

export const loadRetrievalConfig = (env: Record<string, string | undefined>) => loadConfig(RetrievalEnv, env, 'retrieval');
