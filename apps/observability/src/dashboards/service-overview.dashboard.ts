import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC_CATALOGUE as M } from '@ragops/telemetry';
import { RAG_ALERT_THRESHOLDS } from '../prometheus.rules.js';
import { buildDashboard, heatmapPanel, statPanel, timeseriesPanel } from './panel.helpers.js';
import { quantile, RATE, share, sumRate } from './promql.helpers.js';

const S = 'service=~"$service"';
const HTTP = M.httpRequestDuration.name;
const API = `${S}, route=~"/v1/.+"`;

/** Rate, errors and duration per service, plus runtime health and the ingest pipeline. */
export function serviceOverviewDashboard(): Dashboard {
  return buildDashboard({
    uid: 'ragops-service-overview',
    title: 'ragops / Service overview',
    description: 'Request rate, errors and duration per service; stages, dependencies, runtime and ingest.',
    variables: [{ name: 'service', label: 'Service', metric: 'process_start_time_seconds' }],
    rows: [
      {
        title: 'HTTP edge (gateway)',
        panels: [
          statPanel({
            title: 'API requests',
            description: 'Requests per second to /v1/* routes.',
            unit: 'reqps',
            queries: [{ expr: `sum(rate(${HTTP}_count{${API}}[${RATE}]))` }],
          }),
          statPanel({
            title: 'API 5xx share',
            description: 'Share of /v1/* requests answered with a server error (the availability SLI, short window).',
            unit: 'percentunit',
            thresholds: [
              [0, 'green'],
              [0.001, 'orange'],
              [0.01, 'red'],
            ],
            queries: [
              {
                expr: share(
                  `sum(rate(${HTTP}_count{${API}, status_code=~"5.."}[${RATE}]))`,
                  `sum(rate(${HTTP}_count{${API}}[${RATE}]))`,
                ),
              },
            ],
          }),
          statPanel({
            title: '/v1/query p99',
            description: '99th percentile latency of /v1/query.',
            unit: 's',
            thresholds: [
              [0, 'green'],
              [1, 'orange'],
              [2.5, 'red'],
            ],
            queries: [{ expr: quantile(0.99, HTTP, `${S}, route="/v1/query"`, '') }],
          }),
          statPanel({
            title: 'In flight',
            description: 'Requests and messages being handled now, all services.',
            unit: 'short',
            queries: [{ expr: `sum(${M.inflightRequests.name}{${S}})` }],
          }),
          timeseriesPanel({
            title: 'Request rate by route',
            description: 'HTTP requests per second by route pattern.',
            unit: 'reqps',
            stack: true,
            queries: [{ expr: sumRate(`${HTTP}_count`, S, 'route'), legend: '{{route}}' }],
          }),
          timeseriesPanel({
            title: 'Responses by status code',
            description: 'HTTP responses per second by status code.',
            unit: 'reqps',
            stack: true,
            queries: [{ expr: sumRate(`${HTTP}_count`, S, 'status_code'), legend: '{{status_code}}' }],
          }),
          timeseriesPanel({
            title: '5xx share by route',
            description: 'Share of requests per route answered with a server error.',
            unit: 'percentunit',
            queries: [
              {
                expr: share(sumRate(`${HTTP}_count`, `${S}, status_code=~"5.."`, 'route'), sumRate(`${HTTP}_count`, S, 'route')),
                legend: '{{route}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'API latency',
            description: 'Quantiles of /v1/* request duration.',
            unit: 's',
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, HTTP, API, 'route'), legend: `p${q * 100} {{route}}` })),
          }),
        ],
      },
      {
        title: 'Services and stages',
        panels: [
          timeseriesPanel({
            title: 'Errors by service and code',
            description: 'Errors returned per second, by stable error code.',
            unit: 'short',
            stack: true,
            queries: [{ expr: sumRate(M.errors.name, S, 'service, code'), legend: '{{service}} {{code}}' }],
          }),
          timeseriesPanel({
            title: 'Stage latency p95',
            description: '95th percentile duration of each pipeline stage.',
            unit: 's',
            queries: [{ expr: quantile(0.95, M.stageDuration.name, S, 'service, stage'), legend: '{{service}} {{stage}}' }],
          }),
          timeseriesPanel({
            title: 'In-flight requests',
            description: 'Requests (HTTP) or messages (NATS, JetStream) being handled.',
            unit: 'short',
            queries: [{ expr: `sum by (service, transport) (${M.inflightRequests.name}{${S}})`, legend: '{{service}} {{transport}}' }],
          }),
          timeseriesPanel({
            title: 'Timeouts by stage',
            description: 'Stages abandoned because the request deadline ran out, per second.',
            unit: 'short',
            queries: [{ expr: sumRate(M.timeouts.name, S, 'service, stage'), legend: '{{service}} {{stage}}' }],
          }),
          timeseriesPanel({
            title: 'Retries by dependency',
            description: 'Retried outbound calls per second.',
            unit: 'short',
            queries: [{ expr: sumRate(M.retries.name, S, 'service, dependency'), legend: '{{service}} {{dependency}}' }],
          }),
          timeseriesPanel({
            title: 'Circuit breakers not closed',
            description: '1 while a breaker is open or half-open.',
            unit: 'short',
            min: 0,
            max: 1,
            queries: [
              {
                expr: `max by (service, dependency, state) (${M.circuitBreakerState.name}{${S}, state!="closed"})`,
                legend: '{{service}} {{dependency}} {{state}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Cache hit ratio',
            description: 'Hits over all lookups, per cache.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              {
                expr: share(
                  sumRate(M.cacheRequests.name, `${S}, result="hit"`, 'cache'),
                  sumRate(M.cacheRequests.name, S, 'cache'),
                ),
                legend: '{{cache}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Rate-limit rejections',
            description: 'Requests rejected with RATE_LIMITED per second, by limit.',
            unit: 'reqps',
            queries: [{ expr: sumRate(M.rateLimitRejections.name, S, 'limit'), legend: '{{limit}}' }],
          }),
        ],
      },
      {
        title: 'Runtime',
        panels: [
          timeseriesPanel({
            title: 'Event-loop lag p99',
            description: 'Node.js event-loop delay; sustained lag delays every request in the process.',
            unit: 's',
            span: 8,
            queries: [{ expr: `max by (service, instance) (nodejs_eventloop_lag_p99_seconds{${S}})`, legend: '{{service}} {{instance}}' }],
          }),
          timeseriesPanel({
            title: 'CPU',
            description: 'CPU seconds per second per process.',
            unit: 'percentunit',
            span: 8,
            queries: [{ expr: sumRate('process_cpu_seconds_total', S, 'service, instance'), legend: '{{service}} {{instance}}' }],
          }),
          timeseriesPanel({
            title: 'Resident memory',
            description: 'Resident set size per process.',
            unit: 'bytes',
            span: 8,
            queries: [{ expr: `max by (service, instance) (process_resident_memory_bytes{${S}})`, legend: '{{service}} {{instance}}' }],
          }),
          timeseriesPanel({
            title: 'Cardinality guard',
            description: 'Label values replaced by other/invalid per second; anything here means a label is fed unbounded values.',
            unit: 'short',
            span: 24,
            queries: [{ expr: sumRate(M.labelOverflow.name, S, 'service, metric, label'), legend: '{{service}} {{metric}} {{label}}' }],
          }),
        ],
      },
      {
        title: 'Ingest',
        panels: [
          timeseriesPanel({
            title: 'Queue depth',
            description: 'Ingest batches not yet acknowledged.',
            unit: 'short',
            queries: [{ expr: `max by (stream) (${M.ingestQueueDepth.name}{${S}})`, legend: '{{stream}}' }],
          }),
          timeseriesPanel({
            title: 'Consumer lag',
            description: `Age of the oldest unacknowledged batch; alert at ${RAG_ALERT_THRESHOLDS.ingestLagSeconds}s.`,
            unit: 's',
            thresholds: [
              [0, 'green'],
              [RAG_ALERT_THRESHOLDS.ingestLagSeconds, 'red'],
            ],
            queries: [{ expr: `max by (stream) (${M.ingestConsumerLag.name}{${S}})`, legend: '{{stream}}' }],
          }),
          timeseriesPanel({
            title: 'Documents by outcome',
            description: 'Documents processed per second: indexed, unchanged (same content hash) or failed.',
            unit: 'short',
            stack: true,
            queries: [{ expr: sumRate(M.ingestDocuments.name, S, 'outcome'), legend: '{{outcome}}' }],
          }),
          timeseriesPanel({
            title: 'Chunks indexed',
            description: 'Chunks upserted per second, per index version.',
            unit: 'short',
            queries: [{ expr: sumRate(M.ingestChunks.name, S, 'index'), legend: '{{index}}' }],
          }),
          timeseriesPanel({
            title: 'Ingest failures by code',
            description: 'Failed ingest attempts per second; retries count again.',
            unit: 'short',
            queries: [{ expr: sumRate(M.ingestFailures.name, S, 'code'), legend: '{{code}}' }],
          }),
          heatmapPanel({
            title: 'Chunk size',
            description: 'Distribution of chunk sizes written to the index, in tokens.',
            unit: 'short',
            queries: [{ expr: `sum by (le) (increase(${M.chunkSize.name}_bucket{${S}}[${RATE}]))` }],
          }),
        ],
      },
    ],
  });
}
