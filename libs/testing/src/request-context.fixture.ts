import { AppError, defaultVariant, type RequestContext, type Variant } from '@ragops/contracts';

/** A valid request context for tests: tenant `acme`, deadline far ahead of `now`, the default variant. */
export function testContext(overrides: Partial<RequestContext> & { now?: number; retrieval?: Partial<Variant['retrieval']> } = {}): RequestContext {
  const { now = 1_000_000, retrieval, ...rest } = overrides;
  return {
    requestId: 'req-1',
    tenant: 'acme',
    deadline: now + 10_000,
    variant: { ...defaultVariant, retrieval: { ...defaultVariant.retrieval, ...retrieval } },
    ...rest,
  };
}

/** A context whose deadline is `ms` from now on the real clock, for adapters whose waits (SDK, doubles) are real. */
export function contextWithin(ms: number, retrieval?: Partial<Variant['retrieval']>): RequestContext {
  const now = Date.now();
  return testContext({ now, deadline: now + ms, ...(retrieval ? { retrieval } : {}) });
}

/** The AppError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw new Error(`expected an AppError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection, but the promise resolved');
}
