/** Input limits shared by the gateway (validation) and the services (defence in depth). */
export const Limits = {
  maxDocumentsPerRequest: 1000,
  maxDocumentChars: 1_000_000,
  maxDocumentIdLength: 256,
  maxTitleChars: 1000,
  maxMetadataKeys: 32,
  maxQueryChars: 4000,
  maxTopK: 200,
  maxEmbedBatch: 2048,
  /** Documents per JetStream message: small enough for NATS' default 1 MiB payload, large enough to batch embeds. */
  ingestBatchSize: 32,
} as const;
