import type { Registry } from 'prom-client';
import { type CounterAccessor, createAccessor, type MetricDef, oneOf, type ServiceMetrics } from '@ragops/telemetry';

/**
 * The interaction publisher's own metric. Not (yet) in libs/telemetry's METRIC_CATALOGUE, so it is defined here in the
 * catalogue's shape and registered on the service's registry with the same guarded accessors.
 */
export const INTERACTION_RECORDS_METRIC = {
  name: 'ragops_interaction_records_total',
  type: 'counter',
  group: 'quality',
  help: 'Interaction records by fate: published to the stream, dropped (publish queue full) or failed (stream unreachable or refused).',
  labels: { outcome: oneOf(['published', 'dropped', 'failed'] as const, 'what became of the record') },
  emittedBy: ['gateway'],
} as const satisfies MetricDef;

export type InteractionRecordsCounter = CounterAccessor<{ outcome: 'published' | 'dropped' | 'failed' }>;

const perRegistry = new WeakMap<Registry, InteractionRecordsCounter>();

/** The counter on `metrics`' registry (created once per registry). */
export function interactionRecordsCounter(metrics: Pick<ServiceMetrics, 'registry' | 'labelOverflow'>): InteractionRecordsCounter {
  let counter = perRegistry.get(metrics.registry);
  if (!counter) {
    counter = createAccessor(INTERACTION_RECORDS_METRIC, metrics.registry, (metric, label, replacement) =>
      metrics.labelOverflow.inc({ metric, label, replacement: replacement as 'other' | 'invalid' }),
    ) as InteractionRecordsCounter;
    perRegistry.set(metrics.registry, counter);
  }
  return counter;
}
