import { resolve } from 'node:path';
import { AppError, systemClock, type Clock } from '@ragops/contracts';
import { FlexibleRateLimiter, MemoryCache, RedisCache, type RateLimitPolicy, type RedisConnectionOptions } from '@ragops/cache';
import { LlmAnswerGenerator } from '@ragops/answer';
import { CachedEmbedder, type AnswerGenerator, type Cache, type ChatModel, type Embedder, type Reranker, type SparseEncoder, type VectorStore } from '@ragops/rag';
import {
  type BreakerState,
  DependencyBreaker,
  ExtractiveGenerator,
  LocalEmbedder,
  Model2VecEmbedder,
  loadModel2VecFromHub,
  OpenAIChatModel,
  OpenAICompatibleReranker,
  OpenAIEmbedder,
  PriceTable,
} from '@ragops/models';
import { createBm25Encoder } from '@ragops/search';
import { cacheLookupCounter, MeteredChatModel, MeteredEmbedder, MeteredGenerator, type ServiceMetrics, TracedChatModel, TracedEmbedder, TracedGenerator, TracedReranker, whenTracing } from '@ragops/telemetry';
import { cl100kCounter, createAnalyzer, createChunker, type Analyzer, type Chunker } from '@ragops/text';
import { createQdrantStore, MemoryVectorStore, ReplicatedVectorStore } from '@ragops/vector-store';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BreakerConfig, CacheConfig, EmbeddingProviderConfig, IndexingConfig, LlmConfig, RerankConfig, StoreConfig } from './env.schema.js';

/** What every process must agree on about the embedding model: an index is searchable only with the model that built it. */
export interface EmbedderIdentity {
  model: string;
  dimensions: number;
}

/**
 * Adapter selection by configuration: each port gets the implementation the config names. Services and the
 * all-in-one process call these, so both build identical pipelines from identical settings.
 */
export function createIndexingParts(config: IndexingConfig, analyzer: Analyzer = createAnalyzer()) {
  return {
    analyzer,
    embedder: embedderIdentity(config),
    sparse: createSparseEncoder(config, analyzer),
    chunker: createTextChunker(config),
  };
}

/** The model name and size from configuration alone, for processes that reach the embedder over NATS. */
export function embedderIdentity(config: IndexingConfig): EmbedderIdentity {
  switch (config.EMBEDDINGS) {
    case 'local':
      return { model: LocalEmbedder.modelName(config.EMBEDDING_DIMENSIONS), dimensions: config.EMBEDDING_DIMENSIONS };
    case 'model2vec':
    case 'openai':
      // The env rules require EMBEDDING_MODEL for both; the check here keeps the type honest.
      if (!config.EMBEDDING_MODEL) throw new AppError('VALIDATION_FAILED', `EMBEDDINGS=${config.EMBEDDINGS} needs EMBEDDING_MODEL`);
      return { model: config.EMBEDDING_MODEL, dimensions: config.EMBEDDING_DIMENSIONS };
  }
}

export interface EmbedderDeps {
  analyzer?: Analyzer;
  clock?: Clock;
  /** Wraps a remote embedder's query embeddings in this cache unless EMBEDDING_CACHE_TTL_SECONDS is 0. */
  cache?: Cache;
  onCacheLookup?: (outcome: 'hit' | 'miss', count: number) => void;
  onCacheError?: (error: AppError) => void;
  /** The embedding service's registry: model calls as the `embedding` stage, cache lookups by result. */
  metrics?: ServiceMetrics;
}

/** The embedder itself, for the processes that run it (embedding service, all-in-one). Loads or downloads models. */
export async function createEmbedder(config: IndexingConfig & EmbeddingProviderConfig, deps: EmbedderDeps = {}): Promise<Embedder> {
  // Traced inside the cache, so a span means a model call was made (GenAI `embeddings`).
  const traced = whenTracing(await createBaseEmbedder(config, deps), (e) => new TracedEmbedder(e, embeddingProvider(config.EMBEDDINGS)));
  // Metered inside the cache too: the `embedding` stage is the model's time, a cache hit is not in it.
  const embedder = deps.metrics ? new MeteredEmbedder(traced, deps.metrics) : traced;
  const identity = embedderIdentity(config);
  if (embedder.dimensions !== identity.dimensions) {
    throw new AppError(
      'VALIDATION_FAILED',
      `EMBEDDING_DIMENSIONS=${identity.dimensions} but ${embedder.model} produces ${embedder.dimensions}-dimensional vectors: set EMBEDDING_DIMENSIONS=${embedder.dimensions}`,
    );
  }
  // Only remote models are cached: the local and model2vec embedders compute a vector faster than a cache lookup.
  if (!deps.cache || config.EMBEDDING_CACHE_TTL_SECONDS === 0 || config.EMBEDDINGS !== 'openai') return embedder;
  const counted = deps.metrics ? cacheLookupCounter(deps.metrics, 'embedding') : undefined;
  const onLookup = both(deps.onCacheLookup, counted?.onLookup);
  const onCacheError = both(deps.onCacheError, counted?.onCacheError);
  return new CachedEmbedder(embedder, deps.cache, {
    ttlMs: config.EMBEDDING_CACHE_TTL_SECONDS * 1000,
    ...(onLookup ? { onLookup } : {}),
    ...(onCacheError ? { onCacheError } : {}),
  });
}

/** Both hooks when both are given, else the one that is. */
function both<A extends unknown[]>(a?: (...args: A) => void, b?: (...args: A) => void): ((...args: A) => void) | undefined {
  if (a && b)
    return (...args: A) => {
      a(...args);
      b(...args);
    };
  return a ?? b;
}

/** `gen_ai.provider.name` of each EMBEDDINGS choice (`openai` covers every OpenAI-compatible server). */
function embeddingProvider(kind: IndexingConfig['EMBEDDINGS']): { provider: string; remote: boolean } {
  return kind === 'openai' ? { provider: 'openai', remote: true } : { provider: kind === 'local' ? 'ragops.local' : 'model2vec', remote: false };
}

async function createBaseEmbedder(config: IndexingConfig & EmbeddingProviderConfig, deps: EmbedderDeps): Promise<Embedder> {
  const identity = embedderIdentity(config);
  switch (config.EMBEDDINGS) {
    case 'local':
      return new LocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS, analyzer: deps.analyzer ?? createAnalyzer() });
    case 'model2vec':
      if (config.MODEL2VEC_PATH) return Model2VecEmbedder.load(config.MODEL2VEC_PATH, { modelName: identity.model, ...clockOf(deps) });
      return loadModel2VecFromHub({
        repo: identity.model,
        revision: config.MODEL2VEC_REVISION,
        cacheDir: resolve(config.MODEL_CACHE_DIR),
        hubUrl: config.HF_ENDPOINT,
        ...(config.HF_TOKEN ? { accessToken: config.HF_TOKEN } : {}),
        ...clockOf(deps),
      });
    case 'openai':
      return new OpenAIEmbedder({
        baseURL: config.EMBEDDING_BASE_URL,
        apiKey: config.EMBEDDING_API_KEY ?? '',
        model: identity.model,
        dimensions: identity.dimensions,
        sendDimensions: config.EMBEDDING_SEND_DIMENSIONS,
        batchSize: config.EMBEDDING_BATCH_SIZE,
        ...(config.EMBEDDING_ORGANIZATION ? { organization: config.EMBEDDING_ORGANIZATION } : {}),
        ...(deps.metrics ? { onRetry: retryCounter(deps.metrics, 'embeddings') } : {}),
        ...breakerOf(config, 'embeddings', deps.metrics),
        ...clockOf(deps),
      });
  }
}

const clockOf = (deps: { clock?: Clock }) => ({ clock: deps.clock ?? systemClock });

export function createSparseEncoder(config: IndexingConfig, analyzer: Analyzer): SparseEncoder {
  return createBm25Encoder({ analyzer, k1: config.BM25_K1, b: config.BM25_B, avgDocLength: config.BM25_AVG_DOC_LENGTH });
}

export function createTextChunker(config: IndexingConfig): Chunker {
  return createChunker({ maxTokens: config.CHUNK_MAX_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS, counter: cl100kCounter() });
}

export async function createVectorStore(config: StoreConfig, nc?: NatsConnection): Promise<VectorStore> {
  switch (config.VECTOR_STORE) {
    case 'memory':
      return new MemoryVectorStore();
    case 'replicated':
      if (!nc) throw new AppError('VALIDATION_FAILED', 'VECTOR_STORE=replicated needs a NATS connection (NATS_URL)');
      return ReplicatedVectorStore.open({ nc, stream: config.INDEX_STREAM, subjectPrefix: `ragops.index.${config.INDEX_STREAM}` });
    case 'qdrant':
      // The env rules require QDRANT_URL with VECTOR_STORE=qdrant.
      return createQdrantStore({
        url: config.QDRANT_URL ?? '',
        timeoutMs: config.QDRANT_TIMEOUT_MS,
        collectionPrefix: config.QDRANT_COLLECTION_PREFIX,
        ...(config.QDRANT_API_KEY ? { apiKey: config.QDRANT_API_KEY } : {}),
      });
  }
}

/** The cache for the query path: in-process, or Redis shared by every replica. Redis must answer at start. */
export async function createCache(config: CacheConfig, deps: { clock?: Clock; onError?: (error: Error) => void } = {}): Promise<Cache & { close?: () => Promise<void> }> {
  switch (config.CACHE) {
    case 'memory':
      return new MemoryCache(clockOf(deps));
    case 'redis':
      return RedisCache.connect({
        url: config.REDIS_URL,
        keyPrefix: config.REDIS_PREFIX,
        commandTimeoutMs: config.CACHE_TIMEOUT_MS,
        ...(deps.onError ? { onError: deps.onError } : {}),
      });
  }
}

/**
 * A per-key rate limiter: counted in this process (`memory`), or in Redis and shared by every replica (`redis`; Redis
 * must answer at start, a later outage surfaces as UNAVAILABLE from `consume` for the caller to fail open or closed).
 */
export async function createRateLimiter(store: 'memory' | 'redis', policy: RateLimitPolicy, redis: RedisConnectionOptions): Promise<FlexibleRateLimiter> {
  switch (store) {
    case 'memory':
      return FlexibleRateLimiter.memory(policy);
    case 'redis':
      return FlexibleRateLimiter.redis(policy, redis);
  }
}

/** The answer generator LLM_PROVIDER names: quoting retrieved sentences, or a chat model behind the versioned prompt. */
export function createAnswerGenerator(config: LlmConfig, deps: { clock?: Clock; metrics?: ServiceMetrics } = {}): AnswerGenerator {
  // The generation stage (recorded on the service's SERVER span); an LLM call inside it is its own GenAI `chat` span.
  const generator = whenTracing(createBaseAnswerGenerator(config, deps), (g) => new TracedGenerator(g));
  // With a registry: the stage and its context truncations here, each model call's tokens, cost, TTFT… in the chat model.
  return deps.metrics ? new MeteredGenerator(generator, deps.metrics, config.LLM_PROVIDER === 'openai' ? (config.LLM_MODEL ?? '') : 'extractive') : generator;
}

function createBaseAnswerGenerator(config: LlmConfig, deps: { clock?: Clock; metrics?: ServiceMetrics }): AnswerGenerator {
  const clock = deps.clock ?? systemClock;
  switch (config.LLM_PROVIDER) {
    case 'extractive':
      return new ExtractiveGenerator({ maxSentences: config.EXTRACTIVE_MAX_SENTENCES, clock });
    case 'openai': {
      const chat = new OpenAIChatModel({
        baseURL: config.LLM_BASE_URL,
        apiKey: config.LLM_API_KEY ?? '',
        model: config.LLM_MODEL ?? '',
        stream: config.LLM_STREAM,
        prices: priceTable(config.LLM_PRICES),
        ...(config.LLM_ORGANIZATION ? { organization: config.LLM_ORGANIZATION } : {}),
        ...(deps.metrics ? { onRetry: retryCounter(deps.metrics, 'llm') } : {}),
        ...breakerOf(config, 'llm', deps.metrics),
        clock,
      });
      const window = config.LLM_CONTEXT_WINDOW;
      if (window !== undefined && window <= config.LLM_MAX_TOKENS) {
        throw new AppError('VALIDATION_FAILED', `invalid generation configuration, fix LLM_CONTEXT_WINDOW: ${window} leaves no room for a prompt next to LLM_MAX_TOKENS=${config.LLM_MAX_TOKENS}`);
      }
      const traced = whenTracing<ChatModel>(chat, (c) => new TracedChatModel(c, 'openai'));
      return new LlmAnswerGenerator({
        chat: deps.metrics ? new MeteredChatModel(traced, deps.metrics, window !== undefined ? { contextWindow: window } : {}) : traced,
        counter: cl100kCounter(),
        maxAnswerTokens: config.LLM_MAX_TOKENS,
        maxContextTokens: config.LLM_CONTEXT_TOKENS,
        ...(window !== undefined ? { contextWindow: window } : {}),
        temperature: config.LLM_TEMPERATURE,
        clock,
      });
    }
  }
}

function priceTable(json: string | undefined): PriceTable {
  try {
    return PriceTable.parse(json);
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `invalid generation configuration, fix LLM_PRICES: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** The retrieval service's optional second stage; undefined when RERANK_PROVIDER=none. */
export function createReranker(config: RerankConfig, deps: { clock?: Clock; metrics?: Pick<ServiceMetrics, 'retries' | 'circuitBreakerState'> } = {}): Reranker | undefined {
  switch (config.RERANK_PROVIDER) {
    case 'none':
      return undefined;
    case 'openai': {
      const reranker = new OpenAICompatibleReranker({
        baseURL: config.RERANK_BASE_URL ?? '',
        flavor: config.RERANK_FLAVOR,
        ...(config.RERANK_MODEL ? { model: config.RERANK_MODEL } : {}),
        ...(config.RERANK_API_KEY ? { apiKey: config.RERANK_API_KEY } : {}),
        clock: deps.clock ?? systemClock,
        ...(deps.metrics ? { onRetry: retryCounter(deps.metrics, 'reranker') } : {}),
        ...breakerOf(config, 'reranker', deps.metrics),
      });
      return whenTracing<Reranker>(reranker, (r) => new TracedReranker(r, config.RERANK_FLAVOR));
    }
  }
}

/** `ragops_retries_total{dependency}` as an adapter's onRetry hook. */
function retryCounter(metrics: Pick<ServiceMetrics, 'retries'>, dependency: ModelDependency): () => void {
  return () => metrics.retries.inc({ dependency });
}

type ModelDependency = 'llm' | 'embeddings' | 'reranker';

/**
 * The model adapter's circuit breaker (none with BREAKER_THRESHOLD=0), its state kept in
 * `ragops_circuit_breaker_state{dependency}`. Each factory call builds its adapter once per process, so this is one
 * breaker per dependency per process.
 */
function breakerOf(config: BreakerConfig, dependency: ModelDependency, metrics?: Pick<ServiceMetrics, 'circuitBreakerState'>): { breaker?: DependencyBreaker } {
  if (config.BREAKER_THRESHOLD === 0) return {};
  const breaker = new DependencyBreaker({
    dependency,
    threshold: config.BREAKER_THRESHOLD,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
    ...(metrics ? { onStateChange: (state: BreakerState) => metrics.circuitBreakerState.set({ dependency }, state) } : {}),
  });
  return { breaker };
}
