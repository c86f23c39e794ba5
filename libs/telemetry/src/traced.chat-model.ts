import { type Attributes, context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatDelta, ChatModel, ChatRequest } from '@ragops/rag';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_RAGOPS_COST_USD,
  ATTR_RAGOPS_USAGE_ESTIMATED,
  GEN_AI_OPERATION_CHAT,
} from './tracing.attributes.js';
import { getTracer, inSpan, markSpanFailed, tracingRecording } from './tracing.spans.js';

/**
 * The LLM call as a GenAI `chat {model}` CLIENT span: request parameters, the responding model, token usage (and
 * whether the adapter estimated it), cost, finish reason and — when streamed — time to first chunk. Prompts and
 * completions are never recorded.
 */
export class TracedChatModel implements ChatModel {
  readonly stream?: (request: ChatRequest, ctx: RequestContext) => AsyncIterable<ChatDelta>;

  constructor(
    private readonly inner: ChatModel,
    private readonly provider: string,
  ) {
    if (inner.stream) this.stream = (request, ctx) => this.traceStream(request, ctx);
  }

  get model(): string {
    return this.inner.model;
  }

  complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion> {
    if (!tracingRecording()) return this.inner.complete(request, ctx);
    return inSpan(`${GEN_AI_OPERATION_CHAT} ${this.inner.model}`, { kind: SpanKind.CLIENT, attributes: this.requestAttributes(request, false) }, async (span) => {
      const completion = await this.inner.complete(request, ctx);
      recordCompletion(span, completion);
      return completion;
    });
  }

  private async *traceStream(request: ChatRequest, ctx: RequestContext): AsyncIterable<ChatDelta> {
    const inner = this.inner.stream!.bind(this.inner);
    if (!tracingRecording()) return yield* inner(request, ctx);
    const span = getTracer().startSpan(`${GEN_AI_OPERATION_CHAT} ${this.inner.model}`, { kind: SpanKind.CLIENT, attributes: this.requestAttributes(request, true) });
    const spanContext = trace.setSpan(context.active(), span);
    const started = performance.now();
    // The model call runs inside the span's context, so whatever it logs or calls is attributed to it.
    const iterator = context.with(spanContext, () => inner(request, ctx)[Symbol.asyncIterator]());
    let first = true;
    let done = false;
    try {
      for (;;) {
        const next = await context.with(spanContext, () => iterator.next());
        if (next.done) break;
        if (first && next.value.text) {
          first = false;
          span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, (performance.now() - started) / 1000);
        }
        if (next.value.final) recordCompletion(span, next.value.final);
        yield next.value;
      }
      done = true;
    } catch (err) {
      done = true;
      markSpanFailed(span, err);
      throw err;
    } finally {
      // A consumer that stops early cancels the call (the port's contract), and the span still ends.
      if (!done) await iterator.return?.();
      span.end();
    }
  }

  private requestAttributes(request: ChatRequest, stream: boolean): Attributes {
    return {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: this.inner.model,
      [ATTR_GEN_AI_REQUEST_STREAM]: stream,
      ...(request.maxTokens !== undefined ? { [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { [ATTR_GEN_AI_REQUEST_TEMPERATURE]: request.temperature } : {}),
      ...(request.n !== undefined && request.n !== 1 ? { [ATTR_GEN_AI_REQUEST_CHOICE_COUNT]: request.n } : {}),
    };
  }
}

function recordCompletion(span: Span, c: ChatCompletion): void {
  span.setAttributes({
    [ATTR_GEN_AI_RESPONSE_MODEL]: c.model,
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: c.usage.promptTokens,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: c.usage.completionTokens,
    [ATTR_RAGOPS_USAGE_ESTIMATED]: c.usage.estimated,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [c.finishReason],
  });
  if (c.costUsd !== undefined) span.setAttribute(ATTR_RAGOPS_COST_USD, c.costUsd);
  // The adapter measured it when it streamed internally (complete() over a stream); seconds per the convention.
  if (c.timeToFirstTokenMs !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, c.timeToFirstTokenMs / 1000);
}
