import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EmbedEnvelope, type EmbedReply, parseOrThrow, Subjects } from '@ragops/contracts';
import type { Embedder } from '@ragops/rag';
import { EMBEDDER } from './embedding.tokens.js';

@Controller()
export class EmbedHandler {
  constructor(@Inject(EMBEDDER) private readonly embedder: Embedder) {}

  @MessagePattern(Subjects.embed)
  async embed(@Payload() raw: unknown): Promise<EmbedReply> {
    const { ctx, data } = parseOrThrow(EmbedEnvelope, raw, 'embed request');
    const vectors = await this.embedder.embed(data.texts, data.kind, ctx);
    return { model: this.embedder.model, dimensions: this.embedder.dimensions, vectors };
  }
}
