import type { GateReport, HistoryRow, RunComparison, RunRecord } from '@ragops/evaluation';

/** Plain-text tables and lines for the terminal (the Markdown and JUnit renderers live in @ragops/evaluation). */

/** Columns aligned by `align` ('l' or 'r' per column; default: the first left, the rest right). */
export function textTable(header: string[], rows: string[][], align = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l';
  const line = (cells: string[]) => cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const f4 = (x: number | null) => (x === null ? '—' : x.toFixed(4));
const s4 = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`);

/** The headline of a finished run. */
export function describeRun(run: RunRecord, headline: readonly string[]): string {
  const t = run.timing;
  const lines = [
    `run ${run.id}: ${run.dataset.name} ${run.dataset.split} (${run.dataset.queries} queries), variant ${run.variant}, ${run.config.mode}, top-k ${run.config.topK}, revision ${run.git.revision.slice(0, 12)}${run.git.dirty ? ' (dirty)' : ''}`,
  ];
  const keys = headline.filter((k) => run.aggregates[k]);
  const pct = Math.round(run.bootstrap.confidence * 100);
  lines.push(
    textTable(
      ['metric', 'mean', `${pct}% CI low`, 'high', 'n'],
      keys.map((k) => {
        const a = run.aggregates[k];
        return [k, f4(a.mean), f4(a.low), f4(a.high), String(a.n)];
      }),
    ),
  );
  const unjudged = run.queries.filter((q) => !q.judged).length;
  if (unjudged) lines.push(`note: ${unjudged} of ${run.queries.length} queries have no relevant documents: retrieval means are over the other ${run.queries.length - unjudged}, answer metrics still score them`);
  lines.push(
    `wall ${(t.wallMs / 1000).toFixed(1)} s (ingest ${t.ingestMs === null ? '—' : `${(t.ingestMs / 1000).toFixed(1)} s`}, queries ${(t.queryMs / 1000).toFixed(1)} s, ${t.queriesPerSecond.toFixed(1)} queries/s; latency p50 ${t.latencyMs.p50.toFixed(1)} ms, p95 ${t.latencyMs.p95.toFixed(1)} ms)`,
  );
  return lines.join('\n');
}

export function describeComparison(c: RunComparison): string {
  const pct = Math.round(c.bootstrap.confidence * 100);
  const head = [
    `baseline ${c.baseline.id} (${c.baseline.variant}, ${c.baseline.revision.slice(0, 12)})`,
    `candidate ${c.candidate.id} (${c.candidate.variant}, ${c.candidate.revision.slice(0, 12)})`,
    c.sameDataset ? `dataset ${c.candidate.dataset} ${c.candidate.datasetVersion.slice(0, 19)}…` : `DATASETS DIFFER: ${c.baseline.dataset} ${c.baseline.datasetVersion.slice(0, 19)}… vs ${c.candidate.dataset} ${c.candidate.datasetVersion.slice(0, 19)}… (shared queries only)`,
    `${pct}% paired bootstrap, ${c.bootstrap.samples} resamples, seed ${c.bootstrap.seed}`,
  ];
  const rows = c.metrics.map((m) => [m.metric, String(m.n), f4(m.baseline), f4(m.candidate), s4(m.delta), m.low === null ? '—' : `[${s4(m.low)}, ${s4(m.high)}]`, m.comparable ? (m.significant ? 'yes' : 'no') : '—', m.comparable ? m.change : `not comparable: ${m.reason}`]);
  return [...head, '', textTable(['metric', 'n', 'baseline', 'candidate', 'Δ', `${pct}% CI`, 'significant', 'verdict'], rows, 'lrrrrlll')].join('\n');
}

export function describeHistory(metric: string, rows: readonly HistoryRow[]): string {
  if (!rows.length) return `no stored run has ${metric}`;
  return textTable(
    ['created', 'run', 'variant', 'revision', 'dataset', 'n', metric, 'CI', 'change'],
    rows.map((r) => [r.createdAt.replace(/\.\d+Z$/, 'Z'), r.id, r.variant, r.revision.slice(0, 12), `${r.dataset}@${r.datasetVersion.replace(/^sha256:/, '').slice(0, 8)}`, String(r.n), f4(r.mean), `[${f4(r.low)}, ${f4(r.high)}]`, s4(r.change)]),
    'lllllrrlr',
  );
}

export function describeGate(report: GateReport): string {
  const lines = report.checks.map((c) => `${c.passed ? 'PASS' : 'FAIL'}  ${c.name}: ${c.message}`);
  if (report.datasetChanged) lines.unshift('note: the dataset changed since the baseline; shared queries compared');
  lines.push(report.passed ? `gate passed (${report.checks.length} checks)` : `gate FAILED (${report.checks.filter((c) => !c.passed).length} of ${report.checks.length} checks)`);
  return lines.join('\n');
}
