import { loadConfig } from '@ragops/contracts';
import { IndexingEnv, IndexingRules, LogLevelVar, MetricsEnv, NatsEnv, RerankEnv, RerankRules, StoreEnv, StoreRules } from '@ragops/platform';

export const RetrievalEnv = NatsEnv.extend(IndexingEnv.shape).extend(StoreEnv.shape).extend(RerankEnv.shape).extend(MetricsEnv.shape).extend({ LOG_LEVEL: LogLevelVar });
export type RetrievalConfig = ReturnType<typeof loadRetrievalConfig>;

export const loadRetrievalConfig = (env: Record<string, string | undefined>) => loadConfig(RetrievalEnv, env, 'retrieval', [...IndexingRules, ...StoreRules, ...RerankRules]);
