import { z } from 'zod';
import { loadConfig } from '@ragops/contracts';
import { CacheEnv, EmbeddingProviderEnv, EmbeddingProviderRules, IndexingEnv, IndexingRules, intVar, LlmEnv, LlmRules, RerankEnv, RerankRules } from '@ragops/platform';

/** Settings of the all-in-one process beyond the gateway's own (GatewayEnv) and the indexing keys (IndexingEnv). */
export const AllInOneEnv = IndexingEnv.extend(EmbeddingProviderEnv.shape)
  .extend(LlmEnv.shape)
  .extend(CacheEnv.shape)
  .extend(RerankEnv.shape)
  .extend({
  /** Where the index snapshot lives; `none` keeps the index in memory only. */
  RAGOPS_DATA_DIR: z.string().default('.ragops-data'),
  /** Documents ingested on first start (no snapshot yet). `none` disables it. */
  RAGOPS_SAMPLE_CORPUS: z.string().optional(),
  /** How often a changed index is saved to the snapshot. */
  SNAPSHOT_INTERVAL_MS: intVar(30_000, 1_000, 86_400_000),
  INGEST_CONCURRENCY: intVar(2, 1, 64),
  INGEST_MAX_ATTEMPTS: intVar(5, 1, 100),
  INGEST_BATCH_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
});
export type AllInOneConfig = z.infer<typeof AllInOneEnv>;

export const loadAllInOneConfig = (env: Record<string, string | undefined>) => loadConfig(AllInOneEnv, env, 'all-in-one', [...IndexingRules, ...EmbeddingProviderRules, ...LlmRules, ...RerankRules]);
