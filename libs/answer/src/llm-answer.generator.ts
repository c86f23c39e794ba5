import { createHash } from 'node:crypto';
import { AppError, systemClock, type ChunkHit, type Citation, type Clock, type GenerateReply, type RequestContext } from '@ragops/contracts';
import type { AnswerGenerator, ChatModel, GenerateInput } from '@ragops/rag';
import type { TokenCounter } from '@ragops/text';
import { NO_ANSWER_TEXT } from './extractive.generator.js';
import { getPrompt } from './prompt.registry.js';
import { renderPrompt, type PromptBudget } from './prompt.renderer.js';

export interface LlmAnswerGeneratorOptions {
  chat: ChatModel;
  /** Counts prompt tokens for the budget; cl100kCounter() is a fair proxy for most models. */
  counter: TokenCounter;
  /** Upper bound on answer tokens (the request's max tokens); also kept free in the context window. */
  maxAnswerTokens: number;
  /** Tokens the retrieved passages may take in the prompt, on top of the instructions and the question. */
  maxContextTokens: number;
  /** The model's context window; when set, the prompt is also cut so that prompt + maxAnswerTokens fit in it. */
  contextWindow?: number;
  /** Default 0: answers grounded in the passages, reproducible for evaluation. */
  temperature?: number;
  /** Prompt version; default the request variant's `prompt`. */
  promptId?: string;
  clock?: Clock;
}

/** `[3]`, `[1, 2]` or `[1,2,4]`: the markers the prompts ask for, and the comma lists models often write instead. */
const MARKER = /\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]/g;

/**
 * The AnswerGenerator backed by a chat model: renders the variant's versioned prompt with as many retrieved chunks
 * as the token budget allows (numbered [1]..[n] in rank order), asks the model, and turns the `[n]` markers in its
 * answer into citations of the included chunks.
 *
 * - No chunks, or none fitting the budget: a `no_context` reply without calling the model (nothing to ground an
 *   answer in; usage and cost 0).
 * - Citations: each number in 1..n that appears, in order of first appearance, once. Numbers outside that range
 *   (a model inventing [7] for five passages, or echoing a reference marker from inside a passage) are not cited:
 *   they point at nothing the user can check. The answer text is left as the model wrote it.
 * - finishReason: `length` when the model was cut by maxAnswerTokens, else `stop` (a content filter that still
 *   produced text included — the contract has no separate reason for it). An empty answer is UPSTREAM_FAILED, so
 *   a fallback generator can take over.
 */
export class LlmAnswerGenerator implements AnswerGenerator {
  private readonly clock: Clock;

  constructor(private readonly options: LlmAnswerGeneratorOptions) {
    const { maxAnswerTokens, maxContextTokens, contextWindow, temperature } = options;
    if (!Number.isInteger(maxAnswerTokens) || maxAnswerTokens < 1) {
      throw new AppError('VALIDATION_FAILED', `maxAnswerTokens must be a positive integer, got ${maxAnswerTokens}`);
    }
    if (!Number.isInteger(maxContextTokens) || maxContextTokens < 1) {
      throw new AppError('VALIDATION_FAILED', `maxContextTokens must be a positive integer, got ${maxContextTokens}`);
    }
    if (contextWindow !== undefined && (!Number.isInteger(contextWindow) || contextWindow <= maxAnswerTokens)) {
      throw new AppError('VALIDATION_FAILED', `contextWindow must be an integer above maxAnswerTokens (${maxAnswerTokens}), got ${contextWindow}`);
    }
    if (temperature !== undefined && (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)) {
      throw new AppError('VALIDATION_FAILED', `temperature must be in 0..2, got ${temperature}`);
    }
    if (options.promptId !== undefined) getPrompt(options.promptId); // an unknown prompt fails at start, not per request
    this.clock = options.clock ?? systemClock;
  }

  async generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply> {
    const now = this.clock.now();
    if (now >= ctx.deadline) {
      throw new AppError('DEADLINE_EXCEEDED', `deadline passed ${now - ctx.deadline} ms before answer generation started`, {
        deadline: ctx.deadline,
        now,
      });
    }
    const { chat, counter, maxAnswerTokens, maxContextTokens, contextWindow } = this.options;
    const template = getPrompt(this.options.promptId ?? ctx.variant.prompt);
    if (input.chunks.length === 0) return this.noContext(0);

    // The passages get maxContextTokens on top of what the prompt needs without them, within the model's window.
    const window = contextWindow ?? Number.MAX_SAFE_INTEGER;
    const bare = renderPrompt({ template, question: input.query, chunks: [], counter, budget: { contextWindow: window, reservedForAnswer: maxAnswerTokens } });
    const budget: PromptBudget = {
      contextWindow: Math.min(window, bare.promptTokens + maxContextTokens + maxAnswerTokens),
      reservedForAnswer: maxAnswerTokens,
    };
    const rendered = renderPrompt({ template, question: input.query, chunks: input.chunks, counter, budget });
    if (rendered.included.length === 0) return this.noContext(rendered.dropped);

    const completion = await chat.complete(
      { messages: rendered.messages, maxTokens: maxAnswerTokens, temperature: this.options.temperature ?? 0 },
      ctx,
    );
    const answer = (completion.choices[0] ?? '').trim();
    if (answer.length === 0) {
      throw new AppError(
        'UPSTREAM_FAILED',
        `${completion.model} returned an empty answer (finish reason ${completion.finishReason})` +
          (completion.finishReason === 'length' ? `: maxAnswerTokens ${maxAnswerTokens} may be too small for this model` : ''),
        { finishReason: completion.finishReason },
      );
    }
    return {
      answer,
      citations: parseCitations(answer, rendered.included),
      model: completion.model,
      usage: { promptTokens: completion.usage.promptTokens, completionTokens: completion.usage.completionTokens },
      finishReason: completion.finishReason === 'length' ? 'length' : 'stop',
      droppedChunks: rendered.dropped,
      ...(completion.costUsd !== undefined ? { costUsd: completion.costUsd } : {}),
      promptHash: promptHash(rendered.messages),
      ...(input.includePrompt ? { prompt: rendered.messages.map((m) => ({ role: m.role, content: m.content })) } : {}),
    };
  }

  private noContext(droppedChunks: number): GenerateReply {
    return {
      answer: NO_ANSWER_TEXT,
      citations: [],
      model: this.options.chat.model,
      usage: { promptTokens: 0, completionTokens: 0 },
      finishReason: 'no_context',
      droppedChunks,
      costUsd: 0,
    };
  }
}

/**
 * `sha256:<hex>` of prompt messages: role and content of each, in order, framed so that no two different message
 * lists hash alike (JSON of [role, content] pairs). What an interaction record keeps instead of the prompt itself.
 */
export function promptHash(messages: readonly { role: string; content: string }[]): string {
  const canonical = JSON.stringify(messages.map((m) => [m.role, m.content]));
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** Citations for the `[n]` markers in `answer` that name one of `included` (1-based), in order of first appearance. */
export function parseCitations(answer: string, included: readonly Pick<ChunkHit, 'chunkId' | 'docId'>[]): Citation[] {
  const citations: Citation[] = [];
  const seen = new Set<number>();
  for (const match of answer.matchAll(MARKER)) {
    for (const part of match[1]!.split(',')) {
      const n = Number(part.trim());
      if (!Number.isInteger(n) || n < 1 || n > included.length || seen.has(n)) continue;
      seen.add(n);
      const chunk = included[n - 1]!;
      citations.push({ n, chunkId: chunk.chunkId, docId: chunk.docId });
    }
  }
  return citations;
}
