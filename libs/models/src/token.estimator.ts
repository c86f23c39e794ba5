import type { ChatMessage } from '@ragops/rag';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

export type TokenEncodingName = 'o200k_base' | 'cl100k_base';

/**
 * The tiktoken encoding for a model name: o200k_base for the GPT-4o / GPT-4.1 / GPT-4.5 / GPT-5 families and the
 * o-series reasoning models (o1, o3, o4-mini, …), which is what tiktoken's model table maps them to; cl100k_base
 * for everything else — GPT-4, GPT-3.5 and non-OpenAI models, where no OpenAI encoding is exact and cl100k is the
 * customary proxy. A provider prefix (`openai/gpt-4o`) is ignored.
 */
export function encodingForModel(model: string): TokenEncodingName {
  const name = model.toLowerCase().split('/').pop() ?? '';
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o\d)(\b|[-.:_]|$)/.test(name)) return 'o200k_base';
  return 'cl100k_base';
}

/**
 * Chat framing, as in OpenAI's cookbook "How to count tokens with tiktoken": 3 tokens per message plus its role
 * and content, and 3 to prime the reply. The same constants as @ragops/answer's prompt budget.
 */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;

const encoders = new Map<TokenEncodingName, Promise<Tiktoken>>();

/** The encoder for `encoding`, loading its rank table on first use (o200k's is megabytes; most processes never need it). */
function encoder(encoding: TokenEncodingName): Promise<Tiktoken> {
  let pending = encoders.get(encoding);
  if (!pending) {
    const ranks: Promise<{ default: TiktokenBPE }> =
      encoding === 'o200k_base' ? import('js-tiktoken/ranks/o200k_base') : import('js-tiktoken/ranks/cl100k_base');
    pending = ranks.then((module) => new Tiktoken(module.default));
    // A failed load is not cached, so the next call tries again.
    pending.catch(() => encoders.delete(encoding));
    encoders.set(encoding, pending);
  }
  return pending;
}

/** Counts tokens the way the model's tokenizer would, for servers that report no usage. */
export class TokenEstimator {
  private constructor(
    readonly encoding: TokenEncodingName,
    private readonly tiktoken: Tiktoken,
  ) {}

  static async forModel(model: string): Promise<TokenEstimator> {
    const encoding = encodingForModel(model);
    return new TokenEstimator(encoding, await encoder(encoding));
  }

  /** Tokens of plain text; special-token strings in it count as ordinary text, as the API treats user content. */
  count(text: string): number {
    return text.length === 0 ? 0 : this.tiktoken.encode(text, [], []).length;
  }

  /** Prompt tokens of a chat request: Σ (3 + role + content) + 3. */
  countMessages(messages: readonly ChatMessage[]): number {
    let total = TOKENS_REPLY_PRIMING;
    for (const m of messages) total += TOKENS_PER_MESSAGE + this.count(m.role) + this.count(m.content);
    return total;
  }
}
