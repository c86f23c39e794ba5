import { type DynamicModule, Module } from '@nestjs/common';
import { healthHandler } from '@ragops/messaging';
import type { Searcher } from '@ragops/rag';
import { SEARCHER } from './retrieval.tokens.js';
import { SearchHandler } from './search.handler.js';

export interface RetrievalDeps {
  searcher: Searcher;
  /** Extra readiness detail (e.g. index stats). */
  health?: () => Promise<Record<string, unknown>>;
}

/** Hybrid search behind `ragops.v1.retrieval.search`; replicas share a queue group. */
@Module({})
export class RetrievalModule {
  static register(deps: RetrievalDeps): DynamicModule {
    return {
      module: RetrievalModule,
      controllers: [SearchHandler, healthHandler('retrieval', deps.health)],
      providers: [{ provide: SEARCHER, useValue: deps.searcher }],
    };
  }
}
