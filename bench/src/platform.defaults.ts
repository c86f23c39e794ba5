import { GatewayEnv } from '@ragops/gateway';
import { IndexingEnv } from '@ragops/platform';

/**
 * The defaults a platform started with an empty environment uses, read from the services' own config schemas so
 * that labels like "(default)" and the raw pipeline's chunk size follow the code instead of a copy of it.
 */
const gateway = GatewayEnv.parse({});
const indexing = IndexingEnv.parse({});

export const platformDefaults = {
  retrievalMode: gateway.RETRIEVAL_MODE,
  topK: gateway.DEFAULT_TOPK,
  rrfK: gateway.RRF_K,
  candidates: gateway.RETRIEVAL_CANDIDATES,
  chunkMaxTokens: indexing.CHUNK_MAX_TOKENS,
  chunkOverlapTokens: indexing.CHUNK_OVERLAP_TOKENS,
  embeddingDimensions: indexing.EMBEDDING_DIMENSIONS,
  bm25: { k1: indexing.BM25_K1, b: indexing.BM25_B, avgDocLength: indexing.BM25_AVG_DOC_LENGTH },
} as const;
