import type { z } from 'zod';
import { AppError } from './app.error.js';
import { describeIssues } from './validate.js';

/**
 * Validates a service's environment against its schema once, at start. Only the schema's own keys are read and
 * an empty value counts as unset (what compose files and Helm templates produce for "not configured"). A bad
 * start names every offending key with its value, not just the first, so one restart fixes them all.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, service: string): z.infer<S> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  const list = issues.map((i) => `${i.path}=${JSON.stringify(present[i.path] ?? '')}: ${i.message}`).join('; ');
  throw new AppError('VALIDATION_FAILED', `invalid ${service} configuration, fix these environment variables: ${list}`, { issues });
}
