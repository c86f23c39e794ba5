import { loadConfig } from '@ragops/contracts';
import { CacheEnv, EmbeddingProviderEnv, EmbeddingProviderRules, IndexingEnv, IndexingRules, LogLevelVar, MetricsEnv, NatsEnv } from '@ragops/platform';

export const EmbeddingEnv = NatsEnv.extend(IndexingEnv.shape).extend(EmbeddingProviderEnv.shape).extend(CacheEnv.shape).extend(MetricsEnv.shape).extend({ LOG_LEVEL: LogLevelVar });
export type EmbeddingConfig = ReturnType<typeof loadEmbeddingConfig>;

export const loadEmbeddingConfig = (env: Record<string, string | undefined>) =>
  loadConfig(EmbeddingEnv, env, 'embedding', [...IndexingRules, ...EmbeddingProviderRules]);
