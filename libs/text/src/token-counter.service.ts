import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/** Counts and splits model tokens. Chunking and prompt budgets are measured in these, not characters. */
export interface TokenCounter {
  readonly encoding: string;
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

let cached: TokenCounter | undefined;

/** cl100k_base (OpenAI's GPT-4-family tokenizer), a reasonable proxy for other BPE models' token counts. */
export function cl100kCounter(): TokenCounter {
  if (cached) return cached;
  const enc = new Tiktoken(cl100k);
  cached = {
    encoding: 'cl100k_base',
    // BPE tokens here are at least one UTF-8 byte, so short ASCII needs no encoding to be bounded; count exactly.
    count: (text) => enc.encode(text).length,
    encode: (text) => enc.encode(text),
    decode: (tokens) => enc.decode(tokens),
  };
  return cached;
}
