import { loadConfig } from '@ragops/contracts';
import { IndexingEnv, IndexingRules, intVar, LogLevelVar, MetricsEnv, NatsEnv, StoreEnv, StoreRules } from '@ragops/platform';

export const IngestEnv = NatsEnv.extend(IndexingEnv.shape)
  .extend(StoreEnv.shape)
  .extend(MetricsEnv.shape)
  .extend({
    /** Deadline for indexing one batch (its embedding calls share it). */
    INGEST_BATCH_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
    /** Deliveries before a failing batch is recorded as failed and acked. */
    INGEST_MAX_ATTEMPTS: intVar(5, 1, 100),
    /** Batches processed at once per replica. */
    INGEST_CONCURRENCY: intVar(4, 1, 64),
    /** A batch not acked within this is redelivered (the consumer heartbeats long batches). */
    INGEST_ACK_WAIT_MS: intVar(30_000, 1_000, 3_600_000),
    LOG_LEVEL: LogLevelVar,
  });
export type IngestConfig = ReturnType<typeof loadIngestConfig>;

export const loadIngestConfig = (env: Record<string, string | undefined>) => loadConfig(IngestEnv, env, 'ingest', [...IndexingRules, ...StoreRules]);
