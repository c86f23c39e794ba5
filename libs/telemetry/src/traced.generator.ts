import { SpanKind } from '@opentelemetry/api';
import type { GenerateReply, RequestContext } from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput } from '@ragops/rag';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_RAGOPS_COST_USD,
  ATTR_RAGOPS_GENERATION_CHUNKS,
  ATTR_RAGOPS_GENERATION_CITATIONS,
  ATTR_RAGOPS_GENERATION_DROPPED_CHUNKS,
  ATTR_RAGOPS_PROMPT,
} from './tracing.attributes.js';
import { inStage, tracingRecording } from './tracing.spans.js';

/**
 * The generation stage: the variant's prompt version and model, the model that actually answered (differs after a
 * fallback), tokens, cost, finish reason, chunks offered and dropped by the token budget — on the generation service's
 * SERVER span, or a `generate {prompt}` span of its own outside one (inStage). The LLM call itself, when there is one,
 * is a child `chat {model}` CLIENT span (TracedChatModel). Never the texts.
 */
export class TracedGenerator implements AnswerGenerator {
  constructor(private readonly inner: AnswerGenerator) {}

  generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply> {
    if (!tracingRecording()) return this.inner.generate(input, ctx);
    const attributes = {
      [ATTR_RAGOPS_PROMPT]: ctx.variant.prompt,
      [ATTR_GEN_AI_REQUEST_MODEL]: ctx.variant.model,
      [ATTR_RAGOPS_GENERATION_CHUNKS]: input.chunks.length,
    };
    return inStage(`generate ${ctx.variant.prompt}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      const reply = await this.inner.generate(input, ctx);
      span.setAttributes({
        [ATTR_GEN_AI_RESPONSE_MODEL]: reply.model,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: reply.usage.promptTokens,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: reply.usage.completionTokens,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [reply.finishReason],
        [ATTR_RAGOPS_GENERATION_DROPPED_CHUNKS]: reply.droppedChunks,
        [ATTR_RAGOPS_GENERATION_CITATIONS]: reply.citations.length,
      });
      if (reply.costUsd !== undefined) span.setAttribute(ATTR_RAGOPS_COST_USD, reply.costUsd);
      return reply;
    });
  }
}
