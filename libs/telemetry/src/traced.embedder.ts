import { SpanKind } from '@opentelemetry/api';
import type { RequestContext } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_RAGOPS_EMBED_KIND,
  ATTR_RAGOPS_EMBED_TEXTS,
  GEN_AI_OPERATION_EMBEDDINGS,
} from './tracing.attributes.js';
import { inSpan, inStage, tracingRecording } from './tracing.spans.js';

export interface ModelTraceOptions {
  /** `gen_ai.provider.name`: `openai` for OpenAI-compatible servers, else the local implementation's name. */
  provider: string;
  /** True when the model runs behind a network call (CLIENT span); false for in-process models (INTERNAL). */
  remote: boolean;
}

/**
 * The embedding model call with GenAI `embeddings` attributes (operation, provider, model, dimensions, number of
 * texts): a CLIENT span `embeddings {model}` for a remote model; for an in-process one, the embedding service's SERVER
 * span (inStage). Never the texts themselves.
 */
export class TracedEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    private readonly options: ModelTraceOptions,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    if (!tracingRecording()) return this.inner.embed(texts, kind, ctx);
    const attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EMBEDDINGS,
      [ATTR_GEN_AI_PROVIDER_NAME]: this.options.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: this.inner.model,
      [ATTR_RAGOPS_EMBED_TEXTS]: texts.length,
      [ATTR_RAGOPS_EMBED_KIND]: kind,
    };
    // A remote model is a network call of its own (CLIENT span); an in-process one is the embedding stage itself.
    const run = this.options.remote ? inSpan : inStage;
    const spanKind = this.options.remote ? SpanKind.CLIENT : SpanKind.INTERNAL;
    return run(`${GEN_AI_OPERATION_EMBEDDINGS} ${this.inner.model}`, { kind: spanKind, attributes }, async (span) => {
      const vectors = await this.inner.embed(texts, kind, ctx);
      span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, this.inner.model);
      span.setAttribute(ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, vectors[0]?.length ?? this.inner.dimensions);
      return vectors;
    });
  }
}
