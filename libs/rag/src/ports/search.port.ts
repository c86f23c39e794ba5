import type { RequestContext, SearchReply, SearchRequest } from '@ragops/contracts';

/** Port for hybrid search as the gateway sees it (the retrieval service, in process or over NATS). */
export interface Searcher {
  search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply>;
}
