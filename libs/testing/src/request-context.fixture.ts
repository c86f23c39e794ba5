import { defaultVariant, type RequestContext, type Variant } from '@ragops/contracts';

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
