import { describe, expect, it } from '@jest/globals';
import { AppError, defaultVariant } from '@ragops/contracts';
import { defaultPromptId, getPrompt, knownPromptIds } from './prompt.registry.js';

describe('prompt registry', () => {
  it('ships rag-answer@1 and rag-answer-concise@1', () => {
    expect(knownPromptIds()).toEqual(['rag-answer-concise@1', 'rag-answer@1']);
    expect(getPrompt('rag-answer@1').id).toBe('rag-answer@1');
    expect(getPrompt('rag-answer-concise@1').id).toBe('rag-answer-concise@1');
  });

  it('serves the prompt the default variant names', () => {
    expect(defaultPromptId).toBe(defaultVariant.prompt);
    expect(getPrompt(defaultVariant.prompt).id).toBe(defaultVariant.prompt);
  });

  it.each(knownPromptIds())('%s is versioned, asks for [n] citations and uses each placeholder', (id) => {
    const t = getPrompt(id);
    expect(t.id).toMatch(/^[a-z0-9-]+@\d+$/);
    const all = t.system + '\n' + t.user;
    expect(all.split('{{question}}')).toHaveLength(2);
    expect(all.split('{{context}}')).toHaveLength(2);
    expect(all).toMatch(/\[n\]|\[1\]/);
    expect(all).toMatch(/do not know/);
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('rejects an unknown version and lists the known ones', () => {
    let caught: unknown;
    try {
      getPrompt('rag-answer@9');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toBe("unknown prompt version 'rag-answer@9', known: rag-answer-concise@1, rag-answer@1");
  });
});
