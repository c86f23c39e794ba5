import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { createAccessor, type AccessorOf } from './metric.accessors.js';
import { METRIC_CATALOGUE, METRIC_DEFS, type Catalogue, type MetricKey } from './metric.catalogue.js';
import { CombinedRegistry } from './metrics.exposition.js';

export type HttpLabel = 'method' | 'route' | 'status_code';

/** Catalogue metrics handed out as raw prom-client histograms (the gateway's HTTP hook and stage timings). */
type RawKey = 'httpRequestDuration' | 'stageDuration';

/** One typed, cardinality-guarded accessor per catalogue metric (see metric.catalogue.ts for each one's meaning). */
export type CatalogueAccessors = { readonly [K in Exclude<MetricKey, RawKey>]: AccessorOf<Catalogue[K]> };

export interface ServiceMetrics extends CatalogueAccessors {
  /** Serve `registry.metrics()` with `registry.contentType` on GET /metrics. */
  registry: Registry;
  /**
   * `http_server_request_duration_seconds{method, route, status_code}`. `route` is the route pattern
   * (`/v1/jobs/:id`), never the raw URL, so label cardinality stays bounded; unmatched requests share one value.
   */
  httpRequestDuration: Histogram<HttpLabel>;
  /** `ragops_stage_duration_seconds{stage}`: one pipeline step (see `STAGES`). */
  stageDuration: Histogram<'stage'>;
}

/**
 * prom-client gauges whose names end in `_total`, which `promtool check metrics` rejects ("non-counter metrics
 * should not have _total suffix"). Their values are the sums of `nodejs_active_{handles,requests,resources}`.
 */
const NON_CONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface CreateMetricsOptions {
  /** Registries whose metrics this registry's exposition also serves (the all-in-one process: one /metrics for all). */
  include?: readonly Registry[];
}

/**
 * A registry per service instance (never prom-client's global one), so tests and the all-in-one process can
 * hold several without metric-name clashes. Holds default process metrics (CPU, memory, event-loop lag, GC)
 * and every metric of the catalogue. Counters and gauges with only enumerated labels that the catalogue says
 * this service records start at 0 for every label combination; other labelled series appear once recorded.
 */
export function createMetrics(service: string, options: CreateMetricsOptions = {}): ServiceMetrics {
  const registry = options.include?.length ? new CombinedRegistry(options.include) : new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of NON_CONFORMING_DEFAULTS) registry.removeSingleMetric(name);

  const http = METRIC_CATALOGUE.httpRequestDuration;
  const httpRequestDuration = new Histogram<HttpLabel>({
    name: http.name,
    help: http.help,
    labelNames: ['method', 'route', 'status_code'],
    buckets: [...http.buckets],
    registers: [registry],
  });
  const stage = METRIC_CATALOGUE.stageDuration;
  const stageDuration = new Histogram<'stage'>({
    name: stage.name,
    help: stage.help,
    labelNames: ['stage'],
    buckets: [...stage.buckets],
    registers: [registry],
  });

  // The guard's own counter is recorded unguarded: its label values come from the catalogue, not from requests.
  const overflowDef = METRIC_CATALOGUE.labelOverflow;
  const overflowCounter = new Counter({
    name: overflowDef.name,
    help: overflowDef.help,
    labelNames: Object.keys(overflowDef.labels),
    registers: [registry],
  });
  const overflow = (metric: string, label: string, replacement: string) =>
    overflowCounter.inc({ metric, label, replacement });
  // Each bounded label this service records starts at 0 replacements of either kind, so the guard's panel reads 0
  // (nothing mapped) rather than no data; an enum can only be mapped by a bug, which the types already prevent.
  for (const def of METRIC_DEFS) {
    if (def.key === 'httpRequestDuration' || def.key === 'labelOverflow' || !(def.emittedBy as readonly string[]).includes(service)) continue;
    for (const [label, spec] of Object.entries(def.labels)) {
      if (spec.kind !== 'bounded') continue;
      for (const replacement of ['other', 'invalid']) overflowCounter.inc({ metric: def.name, label, replacement }, 0);
    }
  }

  const accessors: Record<string, unknown> = {};
  for (const def of METRIC_DEFS) {
    if (def.key === 'httpRequestDuration' || def.key === 'stageDuration') continue;
    if (def.key === 'labelOverflow') {
      accessors[def.key] = { inc: (l: Record<string, string>, v = 1) => overflowCounter.inc(l, v) };
      continue;
    }
    const recordsIt = (def.emittedBy as readonly string[]).includes(service);
    accessors[def.key] = createAccessor(def, registry, overflow, recordsIt);
  }
  return { ...(accessors as unknown as CatalogueAccessors), registry, httpRequestDuration, stageDuration };
}
