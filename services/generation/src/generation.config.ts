import { loadConfig } from '@ragops/contracts';
import { LlmEnv, LlmRules, LogLevelVar, MetricsEnv, NatsEnv } from '@ragops/platform';

export const GenerationEnv = NatsEnv.extend(LlmEnv.shape).extend(MetricsEnv.shape).extend({ LOG_LEVEL: LogLevelVar });
export type GenerationConfig = ReturnType<typeof loadGenerationConfig>;

export const loadGenerationConfig = (env: Record<string, string | undefined>) => loadConfig(GenerationEnv, env, 'generation', LlmRules);
