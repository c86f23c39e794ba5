import type { GenerateReply, RequestContext } from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput } from '@ragops/rag';
import { isDeadlineExceeded, monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * The generation stage in the generation service: its duration, timeouts, and context truncation — one
 * `ragops_llm_truncations_total{kind="context"}` per answer whose prompt had to leave retrieved chunks out to fit the
 * token budget (incremented by 0 otherwise, so the series exists from the first answer). `model` is the configured
 * one (LLM_MODEL, or `extractive`).
 */
export class MeteredGenerator implements AnswerGenerator {
  constructor(
    private readonly inner: AnswerGenerator,
    private readonly metrics: Pick<ServiceMetrics, 'stageDuration' | 'timeouts' | 'llmTruncations'>,
    private readonly model: string,
    private readonly now: Now = monotonicNow,
  ) {}

  async generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply> {
    const started = this.now();
    try {
      const reply = await this.inner.generate(input, ctx);
      this.metrics.llmTruncations.inc({ model: this.model, variant: ctx.variant.id, kind: 'context' }, reply.droppedChunks > 0 ? 1 : 0);
      return reply;
    } catch (error) {
      if (isDeadlineExceeded(error)) this.metrics.timeouts.inc({ stage: 'generation' });
      throw error;
    } finally {
      this.metrics.stageDuration.observe({ stage: 'generation' }, (this.now() - started) / 1000);
    }
  }
}
