import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GenerateEnvelope, type GenerateReply, parseOrThrow, Subjects } from '@ragops/contracts';
import type { AnswerGenerator } from '@ragops/rag';
import { GENERATOR } from './generation.tokens.js';

@Controller()
export class GenerateHandler {
  constructor(@Inject(GENERATOR) private readonly generator: AnswerGenerator) {}

  @MessagePattern(Subjects.generate)
  generate(@Payload() raw: unknown): Promise<GenerateReply> {
    const { ctx, data } = parseOrThrow(GenerateEnvelope, raw, 'generate request');
    return this.generator.generate(data, ctx);
  }
}
