import type { RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatDelta, ChatModel, ChatRequest } from '@ragops/rag';
import { errorCodeOf, isDeadlineExceeded, monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

type LlmMetrics = Pick<
  ServiceMetrics,
  'stageDuration' | 'timeouts' | 'llmRequests' | 'llmTokens' | 'llmCost' | 'llmContextUtilization' | 'llmTruncations' | 'llmTimeToFirstToken'
>;

export interface ChatMeterOptions {
  /** The model's context window in tokens (LLM_CONTEXT_WINDOW); without it context-window utilisation is not recorded. */
  contextWindow?: number;
  now?: Now;
}

type Outcome = 'success' | 'error' | 'timeout' | 'rate_limited' | 'circuit_open';

/**
 * Every model call as the LLM metrics: calls by outcome, prompt and completion tokens and cost per tenant, model and
 * variant, time to first token, prompt tokens over the context window, completions cut at max tokens, and the `llm`
 * stage's duration. `model` is the configured model (what is sent to the provider), not the dated snapshot a server
 * answers with, so the label stays one value per configured model.
 */
export class MeteredChatModel implements ChatModel {
  readonly stream?: (request: ChatRequest, ctx: RequestContext) => AsyncIterable<ChatDelta>;
  private readonly now: Now;

  constructor(
    private readonly inner: ChatModel,
    private readonly metrics: LlmMetrics,
    private readonly options: ChatMeterOptions = {},
  ) {
    this.now = options.now ?? monotonicNow;
    if (inner.stream) this.stream = (request, ctx) => this.meterStream(request, ctx);
  }

  get model(): string {
    return this.inner.model;
  }

  async complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion> {
    const started = this.now();
    try {
      const completion = await this.inner.complete(request, ctx);
      this.succeeded(completion, ctx, completion.timeToFirstTokenMs);
      return completion;
    } catch (error) {
      this.failed(error, ctx);
      throw error;
    } finally {
      this.metrics.stageDuration.observe({ stage: 'llm' }, (this.now() - started) / 1000);
    }
  }

  private async *meterStream(request: ChatRequest, ctx: RequestContext): AsyncIterable<ChatDelta> {
    const started = this.now();
    let firstTokenMs: number | undefined;
    let final: ChatCompletion | undefined;
    try {
      for await (const delta of this.inner.stream!(request, ctx)) {
        if (firstTokenMs === undefined && delta.text) firstTokenMs = this.now() - started;
        if (delta.final) final = delta.final;
        yield delta;
      }
      if (final) this.succeeded(final, ctx, final.timeToFirstTokenMs ?? firstTokenMs);
    } catch (error) {
      this.failed(error, ctx);
      throw error;
    } finally {
      // Also when the consumer stopped early (the call was cancelled): the time spent still counts.
      this.metrics.stageDuration.observe({ stage: 'llm' }, (this.now() - started) / 1000);
    }
  }

  private succeeded(c: ChatCompletion, ctx: RequestContext, firstTokenMs: number | undefined): void {
    const m = this.metrics;
    const labels = { model: this.inner.model, variant: ctx.variant.id };
    const billed = { ...labels, tenant: ctx.tenant };
    m.llmRequests.inc({ ...labels, outcome: 'success' });
    m.llmTokens.inc({ ...billed, token_type: 'prompt' }, c.usage.promptTokens);
    m.llmTokens.inc({ ...billed, token_type: 'completion' }, c.usage.completionTokens);
    // A model without a price has no cost series rather than a misleading 0.
    if (c.costUsd !== undefined) m.llmCost.inc(billed, c.costUsd);
    if (firstTokenMs !== undefined) m.llmTimeToFirstToken.observe(labels, firstTokenMs / 1000);
    const window = this.options.contextWindow;
    if (window !== undefined && window > 0) m.llmContextUtilization.observe(labels, c.usage.promptTokens / window);
    m.llmTruncations.inc({ ...labels, kind: 'completion' }, c.finishReason === 'length' ? 1 : 0);
  }

  private failed(error: unknown, ctx: RequestContext): void {
    if (isDeadlineExceeded(error)) this.metrics.timeouts.inc({ stage: 'llm' });
    this.metrics.llmRequests.inc({ model: this.inner.model, variant: ctx.variant.id, outcome: outcomeOf(error) });
  }
}

function outcomeOf(error: unknown): Outcome {
  switch (errorCodeOf(error)) {
    case 'DEADLINE_EXCEEDED':
      return 'timeout';
    case 'RATE_LIMITED':
      return 'rate_limited';
    case 'UNAVAILABLE':
      // The model's circuit breaker failing the call fast marks its error `circuit: 'open'` (libs/models DependencyBreaker).
      return (error as { details?: { circuit?: unknown } }).details?.circuit === 'open' ? 'circuit_open' : 'error';
    default:
      return 'error';
  }
}
