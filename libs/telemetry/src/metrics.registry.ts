import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type HttpLabel = 'method' | 'route' | 'status_code';

export interface ServiceMetrics {
  /** Serve `registry.metrics()` with `registry.contentType` on GET /metrics. */
  registry: Registry;
  /**
   * `http_server_request_duration_seconds{method, route, status_code}`. `route` is the route pattern
   * (`/v1/jobs/:id`), never the raw URL, so label cardinality stays bounded; unmatched requests share one value.
   */
  httpRequestDuration: Histogram<HttpLabel>;
  /** `ragops_stage_duration_seconds{stage}`: one pipeline step (retrieval, generation, embed…). */
  stageDuration: Histogram<'stage'>;
}

// The OpenTelemetry HTTP semantic conventions' advice for http.server.request.duration
// (https://opentelemetry.io/docs/specs/semconv/http/http-metrics/), so dashboards line up with OTel-based peers.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
// Stages run from sub-millisecond (in-process search) to seconds (LLM calls).
const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A registry per service instance (never prom-client's global one), so tests and the all-in-one process can
 * hold several without metric-name clashes. Default process metrics (CPU, memory, event-loop lag, GC) included.
 */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram<HttpLabel>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests, from arrival to response sent.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const stageDuration = new Histogram<'stage'>({
    name: 'ragops_stage_duration_seconds',
    help: 'Duration of one RAG pipeline stage (retrieval, generation, ...).',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers: [registry],
  });
  return { registry, httpRequestDuration, stageDuration };
}
