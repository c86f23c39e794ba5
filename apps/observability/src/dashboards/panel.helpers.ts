import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and variable queries the Prometheus chosen in the `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Query {
  readonly expr: string;
  /** Grafana legend template, e.g. `{{service}} {{route}}`. */
  readonly legend?: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid columns out of 24 (default 12). */
  readonly span?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Value → colour steps for stat panels, ascending; the first step's value is ignored (base colour). */
  readonly thresholds?: readonly (readonly [number, string])[];
  readonly stack?: boolean;
}

export type AnyPanel = timeseries.PanelBuilder | stat.PanelBuilder | heatmap.PanelBuilder;

const refId = (i: number) => String.fromCharCode(65 + i);

function targets(queries: readonly Query[], format?: prometheus.PromQueryFormat): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const t = new prometheus.DataqueryBuilder().refId(refId(i)).expr(q.expr).range().datasource(DATASOURCE);
    if (q.legend) t.legendFormat(q.legend);
    if (format) t.format(format);
    return t;
  });
}

function thresholdSteps(steps: readonly (readonly [number, string])[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color], i) => ({ value: i === 0 ? null : value, color })));
}

export function timeseriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.span ?? 12)
    .height(spec.height ?? 8)
    .fillOpacity(spec.stack ? 30 : 10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (spec.stack) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  if (spec.thresholds) {
    p.thresholds(thresholdSteps(spec.thresholds));
    p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  }
  for (const t of targets(spec.queries)) p.withTarget(t);
  return p;
}

export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.span ?? 6)
    .height(spec.height ?? 5)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (spec.decimals !== undefined) p.decimals(spec.decimals);
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  if (spec.thresholds) p.thresholds(thresholdSteps(spec.thresholds));
  for (const t of targets(spec.queries)) p.withTarget(t);
  return p;
}

/** Bucket heatmap of a Prometheus histogram: the query must be `sum by (le) (rate(x_bucket[...]))`. */
export function heatmapPanel(spec: PanelSpec): heatmap.PanelBuilder {
  const p = new heatmap.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .span(spec.span ?? 12)
    .height(spec.height ?? 8)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').steps(64));
  const withLegend = spec.queries.map((q) => ({ ...q, legend: q.legend ?? '{{le}}' }));
  for (const t of targets(withLegend, prometheus.PromQueryFormat.Heatmap)) p.withTarget(t);
  return p;
}

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

export interface LabelVariable {
  readonly name: string;
  readonly label: string;
  /** The metric whose label values populate the variable. */
  readonly metric: string;
}

/** `label_values(metric, name)`, multi-select with All = `.*`, so panels use `name=~"$name"`. */
export function labelVariable(v: LabelVariable): dashboard.QueryVariableBuilder {
  const query = `label_values(${v.metric}, ${v.name})`;
  return new dashboard.QueryVariableBuilder(v.name)
    .label(v.label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly LabelVariable[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly AnyPanel[] }[];
}

/** Assembles a dashboard; panel ids are assigned in order so the JSON is stable across runs. */
export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['ragops', 'generated'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('ragops')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['ragops'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .withVariable(datasourceVariable());
  for (const v of spec.variables) d.withVariable(labelVariable(v));
  let id = 1;
  for (const row of spec.rows) {
    d.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const panel of row.panels) d.withPanel(panel.id(id++));
  }
  return d.build();
}
