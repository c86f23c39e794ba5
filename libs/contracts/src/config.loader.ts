import type { z } from 'zod';
import { AppError } from './app.error.js';
import { describeIssues } from './validate.js';

/** A cross-key requirement: when `when.key` is set to `when.equals`, every key in `require` must be set too. */
export interface ConfigRule {
  when: { key: string; equals: string };
  require: readonly string[];
  why?: string;
}

/**
 * Validates a service's environment against its schema once, at start. Only the schema's own keys are read and
 * an empty value counts as unset (what compose files and Helm templates produce for "not configured"). A bad
 * start names every offending key with its value, not just the first, so one restart fixes them all.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  service: string,
  rules: readonly ConfigRule[] = [],
): z.infer<S> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = schema.safeParse(present);
  // Rules look at what was set, so they report alongside type errors instead of after them (zod skips object
  // refinements once a field has failed, which would cost the operator a second restart).
  const ruleIssues = rules.flatMap((rule) => {
    if (present[rule.when.key] !== rule.when.equals) return [];
    return rule.require
      .filter((key) => present[key] === undefined)
      .map((key) => ({ path: key, message: `is required when ${rule.when.key}=${rule.when.equals}${rule.why ? ` (${rule.why})` : ''}` }));
  });
  if (result.success && ruleIssues.length === 0) return result.data;
  const issues = [...(result.success ? [] : describeIssues(result.error)), ...ruleIssues];
  const list = issues.map((i) => `${i.path}=${JSON.stringify(present[i.path] ?? '')}: ${i.message}`).join('; ');
  throw new AppError('VALIDATION_FAILED', `invalid ${service} configuration, fix these environment variables: ${list}`, { issues });
}
