import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { ERROR_BUDGET_RECORD, OBJECTIVE_RECORD, sliErrorRecord } from '../prometheus.rules.js';
import { BURN_RATE_TIERS, SLI_WINDOWS, SLO_PERIOD, SLOS, type Slo } from '../slo.definitions.js';
import { buildDashboard, statPanel, timeseriesPanel, type AnyPanel } from './panel.helpers.js';

const burnRate = (slo: Slo, window: string) =>
  `${sliErrorRecord(window)}{slo="${slo.name}"} / on (service, slo) ${ERROR_BUDGET_RECORD}{slo="${slo.name}"}`;

const budgetRemaining = (slo: Slo) => `1 - (${burnRate(slo, SLO_PERIOD)})`;

function sloPanels(slo: Slo): AnyPanel[] {
  const sel = `{slo="${slo.name}"}`;
  const objective = slo.objective;
  const page = BURN_RATE_TIERS.filter((t) => t.severity === 'page');
  return [
    statPanel({
      title: `${slo.title}: SLI (${SLO_PERIOD})`,
      description: `${slo.description}. Good events over all events in the last ${SLO_PERIOD}.`,
      unit: 'percentunit',
      decimals: 3,
      thresholds: [
        [0, 'red'],
        [objective, 'green'],
      ],
      queries: [{ expr: `1 - ${sliErrorRecord(SLO_PERIOD)}${sel}` }],
    }),
    statPanel({
      title: `${slo.title}: objective`,
      description: 'The target the error budget is derived from.',
      unit: 'percentunit',
      decimals: 1,
      queries: [{ expr: `${OBJECTIVE_RECORD}${sel}` }],
    }),
    statPanel({
      title: `${slo.title}: error budget left`,
      description: `Share of the ${SLO_PERIOD} error budget not yet spent; below 0 the SLO is missed.`,
      unit: 'percentunit',
      thresholds: [
        [0, 'red'],
        [0.25, 'orange'],
        [0.5, 'green'],
      ],
      queries: [{ expr: budgetRemaining(slo) }],
    }),
    statPanel({
      title: `${slo.title}: burn rate (1h)`,
      description: `How fast the budget burns over the last hour; 1 spends it exactly in ${SLO_PERIOD}, ${page[0].factor} pages.`,
      unit: 'short',
      thresholds: [
        [0, 'green'],
        [1, 'orange'],
        [page[0].factor, 'red'],
      ],
      queries: [{ expr: burnRate(slo, '1h') }],
    }),
    timeseriesPanel({
      title: `${slo.title}: burn rate by window`,
      description: `Burn rate over each alert window. Pages at ${page.map((t) => `${t.factor}x over ${t.longWindow} and ${t.shortWindow}`).join(', ')}; tickets at 1x over 3d and 6h.`,
      unit: 'short',
      min: 0,
      thresholds: [
        [0, 'green'],
        ...[...BURN_RATE_TIERS]
          .sort((a, b) => a.factor - b.factor)
          .map((t, i) => [t.factor, ['orange', 'red', 'dark-red'][i] ?? 'dark-red'] as const),
      ],
      queries: SLI_WINDOWS.filter((w) => w !== SLO_PERIOD).map((w) => ({ expr: burnRate(slo, w), legend: w })),
    }),
    timeseriesPanel({
      title: `${slo.title}: error budget left over time`,
      description: `Share of the ${SLO_PERIOD} budget not yet spent.`,
      unit: 'percentunit',
      max: 1,
      queries: [{ expr: budgetRemaining(slo), legend: 'budget left' }],
    }),
  ];
}

/** SLIs, error budgets and burn rates of the query API, read from the recording rules (ragops-slo.rules.yaml). */
export function sloDashboard(): Dashboard {
  return buildDashboard({
    uid: 'ragops-slo',
    title: 'ragops / SLOs',
    description: 'Availability and latency SLOs of the query API: SLIs, error budget left, burn rates, firing alerts.',
    variables: [],
    rows: [
      ...SLOS.map((slo) => ({ title: `${slo.title} (objective ${slo.objective * 100}%)`, panels: sloPanels(slo) })),
      {
        title: 'Alerts',
        panels: [
          timeseriesPanel({
            title: 'ragops alerts firing',
            description: 'Alerts from ragops rule groups that are firing (empty when all is well).',
            unit: 'short',
            span: 24,
            queries: [{ expr: 'sum by (alertname, severity) (ALERTS{alertname=~"Ragops.+", alertstate="firing"})', legend: '{{alertname}} ({{severity}})' }],
          }),
        ],
      },
    ],
  });
}
