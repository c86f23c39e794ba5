import type { z } from 'zod';
import { AppError } from './app.error.js';

export interface FieldIssue {
  path: string;
  message: string;
}

/** Flattens zod issues into `path: message` pairs a client can act on. */
export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : '(root)',
    message: i.message,
  }));
}

/** Parses or throws VALIDATION_FAILED naming every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  const summary = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new AppError('VALIDATION_FAILED', `invalid ${what}: ${summary}${issues.length > 5 ? ` (+${issues.length - 5} more)` : ''}`, { issues });
}
