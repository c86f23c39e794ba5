import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC_CATALOGUE as M } from '@ragops/telemetry';
import { RAG_ALERT_THRESHOLDS } from '../prometheus.rules.js';
import { buildDashboard, statPanel, timeseriesPanel } from './panel.helpers.js';
import { quantile, RATE, share, sumRate } from './promql.helpers.js';

const TMV = 'tenant=~"$tenant", model=~"$model", variant=~"$variant"';
const MV = 'model=~"$model", variant=~"$variant"';
const COST = M.llmCost.name;
const TOKENS = M.llmTokens.name;
const CALLS = M.llmRequests.name;

/** `sum by (<by>) (rate(cost)) * 3600`: spend in USD per hour. */
const spendPerHour = (by: string) => `${sumRate(COST, TMV, by)} * 3600`;

/** Model spend and token use per tenant, model and variant, plus the model calls behind them. */
export function costTokensDashboard(): Dashboard {
  return buildDashboard({
    uid: 'ragops-cost',
    title: 'ragops / Cost and tokens',
    description: 'LLM spend and tokens per tenant, model and variant; model call outcomes and time to first token.',
    variables: [
      { name: 'tenant', label: 'Tenant', metric: TOKENS },
      { name: 'model', label: 'Model', metric: TOKENS },
      { name: 'variant', label: 'Variant', metric: TOKENS },
    ],
    rows: [
      {
        title: 'Spend',
        panels: [
          statPanel({
            title: 'Spend in range',
            description: 'USD spent on model calls in the selected time range.',
            unit: 'currencyUSD',
            queries: [{ expr: `sum(increase(${COST}{${TMV}}[$__range]))` }],
          }),
          statPanel({
            title: 'Tokens in range',
            description: 'Prompt and completion tokens in the selected time range.',
            unit: 'short',
            queries: [{ expr: `sum by (token_type) (increase(${TOKENS}{${TMV}}[$__range]))`, legend: '{{token_type}}' }],
          }),
          statPanel({
            title: 'Spend per 1k queries',
            description: 'USD per thousand /v1/query operations, all selected variants.',
            unit: 'currencyUSD',
            queries: [
              {
                expr: `sum(rate(${COST}{${TMV}}[${RATE}])) / sum(rate(${M.requestDuration.name}_count{variant=~"$variant", operation="query"}[${RATE}])) * 1000`,
              },
            ],
          }),
          statPanel({
            title: 'Model calls failing',
            description: `Share of model calls not succeeding; alert above ${RAG_ALERT_THRESHOLDS.llmErrorRatio * 100}% per model.`,
            unit: 'percentunit',
            thresholds: [
              [0, 'green'],
              [RAG_ALERT_THRESHOLDS.llmErrorRatio, 'red'],
            ],
            queries: [
              { expr: share(`sum(rate(${CALLS}{${MV}, outcome!="success"}[${RATE}]))`, `sum(rate(${CALLS}{${MV}}[${RATE}]))`) },
            ],
          }),
          timeseriesPanel({
            title: 'Spend by tenant',
            description: 'USD per hour at the current rate, per tenant.',
            unit: 'currencyUSD',
            span: 8,
            stack: true,
            queries: [{ expr: spendPerHour('tenant'), legend: '{{tenant}}' }],
          }),
          timeseriesPanel({
            title: 'Spend by model',
            description: 'USD per hour at the current rate, per model.',
            unit: 'currencyUSD',
            span: 8,
            stack: true,
            queries: [{ expr: spendPerHour('model'), legend: '{{model}}' }],
          }),
          timeseriesPanel({
            title: 'Spend by variant',
            description: 'USD per hour at the current rate, per variant.',
            unit: 'currencyUSD',
            span: 8,
            stack: true,
            queries: [{ expr: spendPerHour('variant'), legend: '{{variant}}' }],
          }),
        ],
      },
      {
        title: 'Tokens',
        panels: [
          timeseriesPanel({
            title: 'Tokens by model and type',
            description: 'Tokens per second sent (prompt) and generated (completion).',
            unit: 'short',
            queries: [{ expr: sumRate(TOKENS, TMV, 'model, token_type'), legend: '{{model}} {{token_type}}' }],
          }),
          timeseriesPanel({
            title: 'Tokens by tenant',
            description: 'Tokens per second per tenant, both types.',
            unit: 'short',
            stack: true,
            queries: [{ expr: sumRate(TOKENS, TMV, 'tenant'), legend: '{{tenant}}' }],
          }),
          timeseriesPanel({
            title: 'Tokens per successful call',
            description: 'Mean prompt and completion tokens per successful model call.',
            unit: 'short',
            queries: [
              {
                expr: `${sumRate(TOKENS, TMV, 'model, token_type')} / ignoring (token_type) group_left ${sumRate(CALLS, `${MV}, outcome="success"`, 'model')}`,
                legend: '{{model}} {{token_type}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Tokens by variant',
            description: 'Tokens per second per variant, both types.',
            unit: 'short',
            stack: true,
            queries: [{ expr: sumRate(TOKENS, TMV, 'variant'), legend: '{{variant}}' }],
          }),
        ],
      },
      {
        title: 'Model calls',
        panels: [
          timeseriesPanel({
            title: 'Calls by outcome',
            description: 'Model calls per second by model and outcome.',
            unit: 'reqps',
            stack: true,
            queries: [{ expr: sumRate(CALLS, MV, 'model, outcome'), legend: '{{model}} {{outcome}}' }],
          }),
          timeseriesPanel({
            title: 'Failing share by model',
            description: 'Share of calls not succeeding, per model (the alert reads the same ratio over 5m).',
            unit: 'percentunit',
            thresholds: [
              [0, 'green'],
              [RAG_ALERT_THRESHOLDS.llmErrorRatio, 'red'],
            ],
            queries: [
              {
                expr: share(sumRate(CALLS, `${MV}, outcome!="success"`, 'model'), sumRate(CALLS, MV, 'model')),
                legend: '{{model}}',
              },
            ],
          }),
          timeseriesPanel({
            title: 'Time to first token',
            description: 'Median and 95th percentile time to the first streamed token.',
            unit: 's',
            queries: [
              { expr: quantile(0.5, M.llmTimeToFirstToken.name, MV, 'model'), legend: 'p50 {{model}}' },
              { expr: quantile(0.95, M.llmTimeToFirstToken.name, MV, 'model'), legend: 'p95 {{model}}' },
            ],
          }),
          timeseriesPanel({
            title: 'LLM stage latency p95',
            description: '95th percentile duration of one model call inside generation.',
            unit: 's',
            queries: [{ expr: quantile(0.95, M.stageDuration.name, 'stage="llm"', 'service'), legend: '{{service}}' }],
          }),
        ],
      },
    ],
  });
}
