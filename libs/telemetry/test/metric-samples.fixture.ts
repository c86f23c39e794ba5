import { METRIC_DEFS, type MetricDef, type ServiceMetrics } from '@ragops/telemetry';

type Loose = Record<string, (...args: unknown[]) => unknown>;

/** A plausible label set for `def`: each enum label's `pick`-th value (wrapping), bounded labels `sample-<pick>`. */
export function sampleLabels(def: MetricDef, pick = 0): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(def.labels)) {
    out[name] = spec.kind === 'enum' ? spec.values[pick % spec.values.length] : `sample-${pick}`;
  }
  return out;
}

/**
 * Records one observation in every catalogue metric, so an exposition holds a series of each — what a service
 * that exercised every code path would expose. `value` varies the sample (histograms land in different buckets).
 */
export function recordSampleOfEveryMetric(metrics: ServiceMetrics, pick = 0, value = 0.3): void {
  for (const def of METRIC_DEFS) {
    const labels = sampleLabels(def, pick);
    if (def.key === 'httpRequestDuration') {
      metrics.httpRequestDuration.observe({ method: 'POST', route: '/v1/query', status_code: '200' }, value);
      continue;
    }
    if (def.key === 'stageDuration') {
      metrics.stageDuration.observe({ stage: labels.stage }, value);
      continue;
    }
    const accessor = (metrics as unknown as Record<string, Loose>)[def.key];
    switch (def.type) {
      case 'counter':
        accessor.inc(labels, value);
        break;
      case 'gauge':
        accessor.set(labels, value);
        break;
      case 'histogram':
        accessor.observe(labels, value);
        break;
      case 'stateset': {
        const { state, ...rest } = labels;
        accessor.set(rest, state);
        break;
      }
      case 'info':
        accessor.set([labels]);
        break;
    }
  }
}
