import { AppError, EmbedReply, Limits, type RequestContext, Subjects } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import type { RpcClient } from './rpc.client.js';

export interface RemoteEmbedderOptions {
  /** The model the embedding service must answer with: an index is only searchable with the model that built it. */
  model: string;
  dimensions: number;
  /** Default Subjects.embed; a versioned subject during a contract rollout. */
  subject?: string;
  /**
   * Texts per request. Default: as many as keep the reply's JSON vectors (≈ 24 bytes per number) within
   * 768 KiB, under NATS' default 1 MiB max_payload — a larger reply cannot be published and the call would
   * only time out. Capped at Limits.maxEmbedBatch.
   */
  maxTextsPerRequest?: number;
}

const REPLY_BUDGET_BYTES = 768 * 1024;
const JSON_BYTES_PER_NUMBER = 24;

/**
 * Embedder port over the embedding service. Model and dimensions are given to the constructor (from config),
 * or learnt once with {@link RemoteEmbedder.discover}; every reply is checked against them, so a service that
 * switched models fails loudly (UPSTREAM_FAILED) instead of filling an index with incomparable vectors.
 */
export class RemoteEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly subject: string;
  private readonly perRequest: number;

  constructor(
    private readonly rpc: RpcClient,
    options: RemoteEmbedderOptions,
  ) {
    if (!Number.isInteger(options.dimensions) || options.dimensions <= 0) {
      throw new AppError('VALIDATION_FAILED', `embedding dimensions must be a positive integer, got ${options.dimensions}`);
    }
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.subject = options.subject ?? Subjects.embed;
    const fit = Math.floor(REPLY_BUDGET_BYTES / (options.dimensions * JSON_BYTES_PER_NUMBER));
    this.perRequest = Math.max(1, Math.min(options.maxTextsPerRequest ?? fit, Limits.maxEmbedBatch));
  }

  /** Asks the service which model it runs by embedding one short probe text. */
  static async discover(rpc: RpcClient, ctx: RequestContext, options: Omit<RemoteEmbedderOptions, 'model' | 'dimensions'> = {}): Promise<RemoteEmbedder> {
    const subject = options.subject ?? Subjects.embed;
    const reply = await rpc.request(subject, { ctx, data: { texts: ['dimension probe'], kind: 'query' } }, EmbedReply);
    return new RemoteEmbedder(rpc, { ...options, model: reply.model, dimensions: reply.dimensions });
  }

  async embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    if (texts.length === 0) return [];
    const slices: string[][] = [];
    for (let i = 0; i < texts.length; i += this.perRequest) slices.push(texts.slice(i, i + this.perRequest));
    const replies = await Promise.all(
      slices.map((slice) => this.rpc.request(this.subject, { ctx, data: { texts: slice, kind } }, EmbedReply)),
    );
    const vectors: number[][] = [];
    replies.forEach((reply, i) => {
      this.check(reply, slices[i]!.length);
      for (const v of reply.vectors) vectors.push(v);
    });
    return vectors;
  }

  private check(reply: EmbedReply, expected: number): void {
    const bad =
      reply.model !== this.model
        ? `model ${reply.model}, expected ${this.model}`
        : reply.dimensions !== this.dimensions
          ? `${reply.dimensions} dimensions, expected ${this.dimensions}`
          : reply.vectors.length !== expected
            ? `${reply.vectors.length} vectors for ${expected} texts`
            : reply.vectors.some((v) => v.length !== this.dimensions)
              ? `a vector whose length is not ${this.dimensions}`
              : undefined;
    if (bad) throw new AppError('UPSTREAM_FAILED', `${this.subject} answered with ${bad}`, { subject: this.subject });
  }
}
