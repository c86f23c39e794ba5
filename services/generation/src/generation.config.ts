import { z } from 'zod';
import { loadConfig } from '@ragops/contracts';
import { intVar, LogLevelVar, NatsEnv } from '@ragops/platform';

export const GenerationEnv = NatsEnv.extend({
  /** `extractive`: answers by quoting retrieved sentences, no model needed. (OpenAI-compatible LLMs: issue 3.) */
  LLM_PROVIDER: z.enum(['extractive']).default('extractive'),
  EXTRACTIVE_MAX_SENTENCES: intVar(3, 1, 20),
  LOG_LEVEL: LogLevelVar,
});
export type GenerationConfig = ReturnType<typeof loadGenerationConfig>;

export const loadGenerationConfig = (env: Record<string, string | undefined>) => loadConfig(GenerationEnv, env, 'generation');
