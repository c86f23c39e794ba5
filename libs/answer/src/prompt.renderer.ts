import { AppError, type ChunkHit } from '@ragops/contracts';
import type { TokenCounter } from '@ragops/text';
import type { PromptTemplate } from './prompt.registry.js';

export type ChatRole = 'system' | 'user';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface PromptBudget {
  /** The model's context window in tokens (prompt + answer). */
  contextWindow: number;
  /** Tokens kept free for the answer (the request's max_tokens). */
  reservedForAnswer: number;
}

export interface RenderPromptInput {
  template: PromptTemplate;
  question: string;
  /** Retrieved chunks, best first. */
  chunks: readonly ChunkHit[];
  counter: TokenCounter;
  budget: PromptBudget;
}

export interface RenderedPrompt {
  messages: ChatMessage[];
  /** Chunks in the context, in rank order; `included[i]` is cited as `[i + 1]`. */
  included: ChunkHit[];
  /** Chunks left out because they did not fit the budget. */
  dropped: number;
  /** countMessageTokens(messages): never more than contextWindow − reservedForAnswer. */
  promptTokens: number;
}

/**
 * Chat framing overhead, as in OpenAI's cookbook "How to count tokens with tiktoken" (num_tokens_from_messages,
 * gpt-4 / gpt-3.5-turbo-0613 family): every message costs 3 tokens plus its role and content, and every reply is
 * primed with 3 more (`<|start|>assistant<|message|>`). Other servers frame differently; the reserve for the answer
 * absorbs the difference.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_REPLY_PRIMING = 3;

/** Σ over messages of (TOKENS_PER_MESSAGE + count(role) + count(content)), plus TOKENS_REPLY_PRIMING. */
export function countMessageTokens(messages: readonly ChatMessage[], counter: TokenCounter): number {
  let total = TOKENS_REPLY_PRIMING;
  for (const m of messages) total += TOKENS_PER_MESSAGE + counter.count(m.role) + counter.count(m.content);
  return total;
}

/** What `{{context}}` becomes when no chunk is included, so the model sees that retrieval found nothing usable. */
export const EMPTY_CONTEXT = '(no passages)';
const ENTRY_SEPARATOR = '\n\n';
const PLACEHOLDER = /\{\{(question|context)\}\}/g;

/** One context entry: `[n] (title) text`, or `[n] text` for an untitled chunk. */
export function formatContextEntry(n: number, chunk: Pick<ChunkHit, 'title' | 'text'>): string {
  const title = chunk.title?.replace(/\s+/g, ' ').trim();
  const text = chunk.text.trim();
  return title ? `[${n}] (${title}) ${text}` : `[${n}] ${text}`;
}

/**
 * Renders a template with as many retrieved chunks as the token budget allows.
 *
 * Chunks are considered best first and numbered in the order they are included. A chunk that does not fit is
 * dropped and the next ones are still tried: a smaller, lower-ranked chunk may fit where a long one did not, and
 * for a grounded answer some evidence beats none. The numbering stays dense ([1]..[n] in rank order among the
 * included), so citations never point at a dropped chunk.
 *
 * Counting is exact: each entry is counted once on its own to decide, then the finished messages are counted
 * whole (BPE counts are not quite additive across the joints between pieces). If that exact count is over the
 * budget — a joint costing a token more than estimated — the last included chunk is removed until it fits.
 *
 * Placeholders are substituted in one pass, so a question or chunk containing `{{context}}` stays literal text.
 * Throws VALIDATION_FAILED for a nonsensical budget, or when the template and question alone exceed it.
 */
export function renderPrompt(input: RenderPromptInput): RenderedPrompt {
  const { template, counter, budget } = input;
  const limit = promptLimit(budget);
  // How often the context appears: a template quoting it twice pays for every entry twice.
  const contextCopies = countContextPlaceholders(template);
  if (contextCopies === 0) {
    throw new AppError('VALIDATION_FAILED', `prompt '${template.id}' has no {{context}} placeholder to put chunks in`, {
      prompt: template.id,
    });
  }
  const question = input.question.trim();
  const render = (context: string): ChatMessage[] => [
    { role: 'system', content: substitute(template.system, question, context) },
    { role: 'user', content: substitute(template.user, question, context) },
  ];

  const bare = render(EMPTY_CONTEXT);
  const bareTokens = countMessageTokens(bare, counter);
  if (bareTokens > limit) {
    throw new AppError(
      'VALIDATION_FAILED',
      `the question and prompt '${template.id}' need ${bareTokens} tokens but the budget allows ${limit} ` +
        `(contextWindow ${budget.contextWindow} − reservedForAnswer ${budget.reservedForAnswer}); ` +
        'shorten the question or use a model with a larger context window',
      { promptTokens: bareTokens, limit },
    );
  }

  const separatorTokens = counter.count(ENTRY_SEPARATOR);
  let estimate = bareTokens - contextCopies * counter.count(EMPTY_CONTEXT);
  const included: ChunkHit[] = [];
  const entries: string[] = [];
  for (const chunk of input.chunks) {
    const entry = formatContextEntry(entries.length + 1, chunk);
    const cost = contextCopies * (counter.count(entry) + (entries.length > 0 ? separatorTokens : 0));
    if (estimate + cost > limit) continue;
    estimate += cost;
    included.push(chunk);
    entries.push(entry);
  }

  let messages = bare;
  let promptTokens = bareTokens;
  if (entries.length > 0) {
    messages = render(entries.join(ENTRY_SEPARATOR));
    promptTokens = countMessageTokens(messages, counter);
    while (promptTokens > limit && entries.length > 0) {
      entries.pop();
      included.pop();
      messages = entries.length > 0 ? render(entries.join(ENTRY_SEPARATOR)) : bare;
      promptTokens = entries.length > 0 ? countMessageTokens(messages, counter) : bareTokens;
    }
  }
  return { messages, included, dropped: input.chunks.length - included.length, promptTokens };
}

function promptLimit(budget: PromptBudget): number {
  const { contextWindow, reservedForAnswer } = budget;
  if (!Number.isSafeInteger(contextWindow) || !Number.isSafeInteger(reservedForAnswer) || reservedForAnswer < 0) {
    throw new AppError('VALIDATION_FAILED', 'prompt budget needs non-negative integer contextWindow and reservedForAnswer', {
      budget,
    });
  }
  if (reservedForAnswer >= contextWindow) {
    throw new AppError(
      'VALIDATION_FAILED',
      `reservedForAnswer (${reservedForAnswer}) must be smaller than contextWindow (${contextWindow})`,
      { budget },
    );
  }
  return contextWindow - reservedForAnswer;
}

function substitute(text: string, question: string, context: string): string {
  return text.replace(PLACEHOLDER, (_, name: string) => (name === 'question' ? question : context));
}

function countContextPlaceholders(template: PromptTemplate): number {
  const count = (s: string) => s.split('{{context}}').length - 1;
  return count(template.system) + count(template.user);
}
