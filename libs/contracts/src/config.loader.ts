import type { z } from 'zod';
import { AppError } from './app.error.js';
import { describeIssues } from './validate.js';

/**
 * Validates a service's environment against its schema once, at start. A bad start names every offending key,
 * not just the first, so one restart fixes them all.
 */
export function loadConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>, service: string): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = describeIssues(result.error).map((i) => `  ${i.path}: ${i.message}`);
  throw new AppError('VALIDATION_FAILED', `invalid ${service} configuration:\n${lines.join('\n')}`, {
    issues: describeIssues(result.error),
  });
}
