import { z } from 'zod';
import { type ConfigRule, loadConfig } from '@ragops/contracts';
import { ONLINE_METRIC_NAMES, type OnlineMetricName } from '@ragops/evaluation';
import { durationVar, RecordStreamsEnv } from '@ragops/messaging';
import { intVar, LogLevelVar, MetricsEnv, NatsEnv, numberVar, urlVar } from '@ragops/platform';

const metricList = z
  .string()
  .default(ONLINE_METRIC_NAMES.join(','))
  .transform((raw, ctx) => {
    const names = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
    const unknown = names.filter((n) => !(ONLINE_METRIC_NAMES as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${ONLINE_METRIC_NAMES.join(', ')} (reference-free metrics)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` });
      return z.NEVER;
    }
    return names as OnlineMetricName[];
  });

/**
 * The evaluation service's environment: where NATS is, the record streams' limits (used only to create a missing
 * stream — the gateway owns them), sampling, the scorers (deterministic unless JUDGE_MODEL names a judge model), and
 * the HTTP listener for /metrics (METRICS_PORT, METRICS_HOST, as every service).
 */
export const EvaluationEnv = NatsEnv.extend(RecordStreamsEnv.shape).extend(MetricsEnv.shape).extend({
  LOG_LEVEL: LogLevelVar,
  /** Share of interactions scored, 0..1, decided by a hash of the request id (replicas agree; 0 = none, 1 = all). */
  EVAL_SAMPLE_RATE: numberVar(0.1, 0, 1),
  /** Which reference-free metrics to score. */
  EVAL_METRICS: metricList,
  /** Interactions scored at once per replica. */
  EVAL_CONCURRENCY: intVar(4, 1, 256),
  /** Bound on scoring one interaction (judge calls included). */
  EVAL_TIMEOUT_MS: intVar(60_000, 100, 600_000),
  /** Deliveries of a feedback record whose interaction is not known yet, before it counts as variant `unknown`. */
  EVAL_FEEDBACK_JOIN_ATTEMPTS: intVar(5, 1, 50),
  /** Requests remembered for joining feedback to variants. */
  EVAL_JOIN_CAPACITY: intVar(100_000, 100, 10_000_000),
  /** How far back the interaction index is read at start: feedback on older answers counts as variant `unknown`. */
  EVAL_JOIN_WINDOW: durationVar('24h', 1000, 3650 * 86_400_000),
  /** Set to score with an LLM judge (OpenAI-compatible) instead of the deterministic implementations. */
  JUDGE_MODEL: z.string().min(1).max(256).optional(),
  JUDGE_API_KEY: z.string().min(1).optional(),
  JUDGE_BASE_URL: urlVar().default('https://api.openai.com/v1'),
  /** Judgments averaged per metric and interaction. */
  JUDGE_SAMPLES: intVar(1, 1, 20),
});
export type EvaluationConfig = z.infer<typeof EvaluationEnv>;

/** Validates the environment once at start, naming every bad key. */
export function loadEvaluationConfig(env: Record<string, string | undefined>): EvaluationConfig {
  // A judge model needs its key; the rule is keyed on the model actually given so it reports with the other issues.
  const rules: ConfigRule[] = env.JUDGE_MODEL ? [{ when: { key: 'JUDGE_MODEL', equals: env.JUDGE_MODEL }, require: ['JUDGE_API_KEY'], why: 'any non-empty value for servers without auth' }] : [];
  return loadConfig(EvaluationEnv, env, 'evaluation', rules);
}
