import { GenerateReply, type RequestContext, Subjects } from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput } from '@ragops/rag';
import type { RpcClient } from './rpc.client.js';

/** AnswerGenerator port over the generation service (NATS, or the in-process bus in all-in-one mode). */
export class RemoteGenerator implements AnswerGenerator {
  private readonly subject: string;

  constructor(
    private readonly rpc: RpcClient,
    options: { subject?: string } = {},
  ) {
    this.subject = options.subject ?? Subjects.generate;
  }

  generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply> {
    const data = { query: input.query, chunks: input.chunks, ...(input.includePrompt ? { includePrompt: true } : {}) };
    return this.rpc.request(this.subject, { ctx, data }, GenerateReply);
  }
}
