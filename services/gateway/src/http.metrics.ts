import type { RequestContext, Variant } from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput, Searcher } from '@ragops/rag';
import { isDeadlineExceeded, type ServiceMetrics } from '@ragops/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Probes and scrapes are not API traffic; a scrape would otherwise always see itself in flight. */
const UNCOUNTED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
/** The API operations `ragops_request_duration_seconds` compares across variants, by route pattern. */
const OPERATIONS: Readonly<Record<string, 'query' | 'search'>> = { '/v1/query': 'query', '/v1/search': 'search' };

/**
 * The gateway's traffic metrics, as Fastify hooks: `ragops_inflight_requests{transport="http"}` while a request runs,
 * and for the RAG operations `ragops_request_duration_seconds{variant, operation, outcome}` — what a rollout compares
 * between variants. Also publishes the served variant as `ragops_variant_info` (prompt, model, index, mode to join on).
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: ServiceMetrics, variant: Variant): void {
  metrics.variantInfo.set([{ variant: variant.id, prompt: variant.prompt, model: variant.model, index: variant.index, retrieval_mode: variant.retrieval.mode }]);
  const inflight = new WeakSet<FastifyRequest>();
  const settle = (req: FastifyRequest) => {
    if (inflight.delete(req)) metrics.inflightRequests.dec({ transport: 'http' });
  };
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (!UNCOUNTED_ROUTES.has(req.routeOptions.url ?? '')) {
      inflight.add(req);
      metrics.inflightRequests.inc({ transport: 'http' });
    }
    done();
  });
  // A client that hangs up mid-request gets no response; the request is no longer in flight either way.
  fastify.addHook('onRequestAbort', (req, done) => {
    settle(req);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    settle(req);
    const operation = OPERATIONS[req.routeOptions.url ?? ''];
    if (operation) {
      const status = reply.statusCode;
      const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'success';
      metrics.requestDuration.observe({ variant: variant.id, operation, outcome }, reply.elapsedTime / 1000);
    }
    done();
  });
}

/**
 * The gateway's two outbound stages with `ragops_timeouts_total{stage}` counted when the request's deadline ran out
 * in them (their durations are recorded by the query controller from the use case's timings).
 */
export function withStageTimeouts(deps: { searcher: Searcher; generator: AnswerGenerator }, metrics: Pick<ServiceMetrics, 'timeouts'>): { searcher: Searcher; generator: AnswerGenerator } {
  const { searcher, generator } = deps;
  const counted = async <T>(stage: 'retrieval' | 'generation', run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isDeadlineExceeded(error)) metrics.timeouts.inc({ stage });
      throw error;
    }
  };
  return {
    searcher: { search: (request, ctx: RequestContext) => counted('retrieval', () => searcher.search(request, ctx)) },
    generator: { generate: (input: GenerateInput, ctx: RequestContext) => counted('generation', () => generator.generate(input, ctx)) },
  };
}
