/** Input limits shared by the gateway (validation) and the services (defence in depth). */
export const Limits = {
  maxDocumentsPerRequest: 1000,
  maxDocumentChars: 500_000,
  maxDocumentIdLength: 256,
  maxTitleChars: 1000,
  maxMetadataKeys: 32,
  maxQueryChars: 4000,
  maxTopK: 200,
  maxEmbedBatch: 2048,
  /** Documents per JetStream message: small enough for NATS' default 1 MiB payload, large enough to batch embeds. */
  ingestBatchSize: 32,
  /**
   * Serialized bytes of one ingest message's documents. NATS refuses messages over max_payload (1 MiB by
   * default); the rest is headroom for the envelope. A single document above it is refused with 413.
   */
  maxBatchBytes: 768 * 1024,
} as const;
