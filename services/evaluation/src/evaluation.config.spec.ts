import { describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { loadEvaluationConfig } from './evaluation.config.js';
import { createOnlineMetrics } from './online-metrics.factory.js';

function errorOf(env: Record<string, string>): string {
  try {
    loadEvaluationConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadEvaluationConfig', () => {
  it('defaults: 10 % sampled, the three reference-free metrics, deterministic, /metrics on 9464', () => {
    const c = loadEvaluationConfig({});
    expect(c).toMatchObject({
      EVAL_SAMPLE_RATE: 0.1,
      EVAL_METRICS: ['faithfulness', 'answer_relevancy', 'context_precision'],
      EVAL_CONCURRENCY: 4,
      METRICS_PORT: 9464,
      METRICS_HOST: '0.0.0.0',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
    expect(c.JUDGE_MODEL).toBeUndefined();
    const metrics = createOnlineMetrics(c);
    expect(Object.values(metrics).map((m) => m.id)).toEqual(['faithfulness/deterministic@1', 'answer_relevancy/deterministic@1', 'context_precision/deterministic@1']);
  });

  it('a judge model switches to the LLM-judge implementations of the chosen metrics', () => {
    const c = loadEvaluationConfig({ JUDGE_MODEL: 'gpt-4o-mini', JUDGE_API_KEY: 'k', EVAL_METRICS: 'faithfulness, context_precision', EVAL_SAMPLE_RATE: '0.02' });
    const metrics = createOnlineMetrics(c);
    expect(Object.keys(metrics)).toEqual(['faithfulness', 'context_precision']);
    expect(Object.values(metrics).every((m) => m.implementation === 'llm-judge' && m.id.endsWith('/gpt-4o-mini'))).toBe(true);
    expect(c.EVAL_SAMPLE_RATE).toBe(0.02);
  });

  it('names every bad key in one error, a judge model without its key included', () => {
    const message = errorOf({
      EVAL_SAMPLE_RATE: '1.5',
      EVAL_METRICS: 'faithfulness,context_recall',
      EVAL_CONCURRENCY: '0',
      METRICS_PORT: 'http',
      JUDGE_MODEL: 'gpt-4o-mini',
      JUDGE_BASE_URL: 'ftp://judge',
      INTERACTIONS_MAX_AGE: 'forever',
    });
    for (const key of ['EVAL_SAMPLE_RATE=', 'EVAL_METRICS=', 'EVAL_CONCURRENCY=', 'METRICS_PORT=', 'JUDGE_API_KEY=', 'JUDGE_BASE_URL=', 'INTERACTIONS_MAX_AGE=']) expect(message).toContain(key);
    expect(message).toMatch(/context_recall/);
  });

  it('an empty metric list is refused', () => {
    expect(errorOf({ EVAL_METRICS: ' , ' })).toContain('EVAL_METRICS=');
  });
});
