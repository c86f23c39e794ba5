import { AppError, systemClock, type Clock, type GenerateReply, type RequestContext } from '@ragops/contracts';
import { extractiveAnswer, type ExtractiveOptions, promptHash } from '@ragops/answer';
import type { AnswerGenerator, GenerateInput } from '@ragops/rag';
import { cl100kCounter, createAnalyzer, type Analyzer, type TokenCounter } from '@ragops/text';

export interface ExtractiveGeneratorOptions extends ExtractiveOptions {
  /** Default createAnalyzer(): the terms BM25 indexes, so "supported by the text" means the same thing to both. */
  analyzer?: Analyzer;
  /** Default cl100kCounter(), for usage figures comparable with an LLM's. */
  counter?: TokenCounter;
  clock?: Clock;
}

/**
 * The AnswerGenerator that needs no LLM: quotes the best-supported retrieved sentences with citations (see
 * extractiveAnswer in @ragops/answer). Used in all-in-one mode and as the last fallback when every LLM fails.
 */
export class ExtractiveGenerator implements AnswerGenerator {
  private readonly analyzer: Analyzer;
  private readonly counter: TokenCounter;
  private readonly clock: Clock;
  private readonly options: ExtractiveOptions;

  constructor(options: ExtractiveGeneratorOptions = {}) {
    const { analyzer, counter, clock, ...extractive } = options;
    this.analyzer = analyzer ?? createAnalyzer();
    this.counter = counter ?? cl100kCounter();
    this.clock = clock ?? systemClock;
    this.options = extractive;
  }

  async generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply> {
    const now = this.clock.now();
    if (now >= ctx.deadline) {
      throw new AppError('DEADLINE_EXCEEDED', `deadline passed ${now - ctx.deadline} ms before answer generation started`, {
        deadline: ctx.deadline,
        now,
      });
    }
    const reply = extractiveAnswer(input, { analyzer: this.analyzer, counter: this.counter }, this.options);
    // There is no prompt: the hash stands for what the answer was selected from, the query and the passages in rank order.
    return { ...reply, promptHash: promptHash([{ role: 'user', content: input.query }, ...input.chunks.map((c) => ({ role: 'context', content: c.text }))]) };
  }
}
