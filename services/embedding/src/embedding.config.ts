import { loadConfig } from '@ragops/contracts';
import { IndexingEnv, LogLevelVar, NatsEnv } from '@ragops/platform';

export const EmbeddingEnv = NatsEnv.extend(IndexingEnv.shape).extend({ LOG_LEVEL: LogLevelVar });
export type EmbeddingConfig = ReturnType<typeof loadEmbeddingConfig>;

export const loadEmbeddingConfig = (env: Record<string, string | undefined>) => loadConfig(EmbeddingEnv, env, 'embedding');
