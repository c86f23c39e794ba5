import { describe, expect, it } from '@jest/globals';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { encodingForModel, TokenEstimator } from './token.estimator.js';

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini-2025-04-16', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['llama3:8b', 'cl100k_base'],
    ['ollama', 'cl100k_base'],
    ['omni-model', 'cl100k_base'],
  ])('%s → %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('TokenEstimator', () => {
  const text = 'Grüße! A readiness probe gates traffic; <|endoftext|> is text here. 1234567 🙂';

  it('counts like js-tiktoken for the model encoding, with special-token strings as ordinary text', async () => {
    const o = await TokenEstimator.forModel('gpt-4o');
    const c = await TokenEstimator.forModel('gpt-4');
    expect(o.count(text)).toBe(new Tiktoken(o200k).encode(text, [], []).length);
    expect(c.count(text)).toBe(new Tiktoken(cl100k).encode(text, [], []).length);
    expect(o.count('')).toBe(0);
  });

  it('counts chat messages with the per-message framing', async () => {
    const e = await TokenEstimator.forModel('gpt-4o');
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: text },
    ];
    expect(e.countMessages(messages)).toBe(3 + messages.reduce((sum, m) => sum + 3 + e.count(m.role) + e.count(m.content), 0));
    expect(e.countMessages([])).toBe(3);
  });
});
