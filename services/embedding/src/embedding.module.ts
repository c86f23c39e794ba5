import { type DynamicModule, Module } from '@nestjs/common';
import type { Embedder } from '@ragops/rag';
import { healthHandler } from '@ragops/messaging';
import { EmbedHandler } from './embed.handler.js';
import { EMBEDDER } from './embedding.tokens.js';

export interface EmbeddingDeps {
  embedder: Embedder;
}

/** Batch embedding behind `ragops.v1.embedding.embed`; the provider is chosen by configuration. */
@Module({})
export class EmbeddingModule {
  static register(deps: EmbeddingDeps): DynamicModule {
    return {
      module: EmbeddingModule,
      controllers: [EmbedHandler, healthHandler('embedding', async () => ({ model: deps.embedder.model }))],
      providers: [{ provide: EMBEDDER, useValue: deps.embedder }],
    };
  }
}
