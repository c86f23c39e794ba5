import { type RequestContext, SearchReply, type SearchRequest, Subjects } from '@ragops/contracts';
import type { Searcher } from '@ragops/rag';
import type { RpcClient } from './rpc.client.js';

/** Searcher port over the retrieval service (NATS, or the in-process bus in all-in-one mode). */
export class RemoteSearcher implements Searcher {
  private readonly subject: string;

  constructor(
    private readonly rpc: RpcClient,
    options: { subject?: string } = {},
  ) {
    this.subject = options.subject ?? Subjects.search;
  }

  search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply> {
    return this.rpc.request(this.subject, { ctx, data: request }, SearchReply);
  }
}
