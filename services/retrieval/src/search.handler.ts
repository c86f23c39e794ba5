import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseOrThrow, SearchEnvelope, type SearchReply, Subjects } from '@ragops/contracts';
import type { Searcher } from '@ragops/rag';
import { SEARCHER } from './retrieval.tokens.js';

@Controller()
export class SearchHandler {
  constructor(@Inject(SEARCHER) private readonly searcher: Searcher) {}

  @MessagePattern(Subjects.search)
  search(@Payload() raw: unknown): Promise<SearchReply> {
    const { ctx, data } = parseOrThrow(SearchEnvelope, raw, 'search request');
    return this.searcher.search(data, ctx);
  }
}
