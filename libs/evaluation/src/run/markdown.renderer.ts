import type { RunComparison } from './run.compare.js';
import { fmt, signed } from './number.format.js';
import type { GateReport } from './run.gate.js';

/** First line of every summary: lets a workflow find and update its own PR comment instead of adding another. */
export const SUMMARY_MARKER = '<!-- ragops-eval-gate -->';

/**
 * The gate as GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY and PR comments: a verdict line, one table row
 * per gated metric (baseline, run, delta, interval, verdict), every check with its reason, and optionally the
 * comparison of all other metrics folded away. Text from runs and policies is escaped so it cannot break the table
 * or inject HTML.
 */
export function renderMarkdownSummary(report: GateReport, options: { all?: RunComparison } = {}): string {
  const failed = report.checks.filter((c) => !c.passed);
  const { run, baseline } = report;
  const pct = `${Math.round(report.policy.bootstrap.confidence * 100)}%`;
  const out = [
    SUMMARY_MARKER,
    `## ${report.passed ? '✅ Evaluation gate passed' : `❌ Evaluation gate failed (${failed.length} of ${report.checks.length} checks)`}`,
    '',
    `Run ${code(run.id)} (variant ${code(run.variant)}, revision ${code(short(run.revision))})` +
      (baseline ? ` against baseline ${code(baseline.id)} (revision ${code(short(baseline.revision))})` : ' (no baseline)') +
      ` on ${markdownText(run.dataset)} ${code(short(run.datasetVersion, 19))}.` +
      ` Intervals: ${pct} paired bootstrap, ${report.policy.bootstrap.samples} resamples, seed ${report.policy.bootstrap.seed}.`,
  ];
  if (report.datasetChanged && baseline) {
    out.push('', `> **Dataset changed**: the baseline was made on ${markdownText(baseline.dataset)} ${code(short(baseline.datasetVersion, 19))}; only shared queries are compared.`);
  }

  out.push('', `| metric | baseline | run | Δ | ${pct} CI | verdict |`, '| --- | ---: | ---: | ---: | --- | --- |');
  const metrics = [...new Set(report.checks.map((c) => c.metric))];
  for (const metric of metrics) {
    const row = report.comparison?.metrics.find((m) => m.metric === metric);
    const checks = report.checks.filter((c) => c.metric === metric);
    const ok = checks.every((c) => c.passed);
    const runValue = row?.comparable ? row.candidate : checks.find((c) => c.kind !== 'regression')?.value ?? null;
    out.push(
      `| ${markdownText(metric)} | ${num(row?.comparable ? row.baseline : null)} | ${num(runValue)} | ${row?.comparable && row.delta !== null ? signed(row.delta) : '—'} | ${interval(row?.comparable ? row.low : null, row?.comparable ? row.high : null)} | ${ok ? '✅ pass' : '❌ fail'} |`,
    );
  }

  out.push('', '### Checks', '');
  for (const c of report.checks) out.push(`- ${c.passed ? '✅' : '❌'} **${markdownText(c.name)}**: ${markdownText(c.message)}`);

  const gated = new Set(metrics);
  const rest = options.all?.metrics.filter((m) => !gated.has(m.metric)) ?? [];
  if (rest.length) {
    out.push('', '<details><summary>All other metrics (not gated)</summary>', '', `| metric | baseline | run | Δ | ${pct} CI | change |`, '| --- | ---: | ---: | ---: | --- | --- |');
    for (const m of rest) {
      out.push(`| ${markdownText(m.metric)} | ${num(m.baseline)} | ${num(m.candidate)} | ${m.delta === null ? '—' : signed(m.delta)} | ${interval(m.low, m.high)} | ${markdownText(m.comparable ? m.change : `not comparable: ${m.reason ?? ''}`)} |`);
    }
    out.push('', '</details>');
  }
  out.push('');
  return out.join('\n');
}

function num(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : fmt(x);
}

function interval(low: number | null, high: number | null): string {
  return low === null || high === null ? '—' : `[${signed(low)}, ${signed(high)}]`;
}

function short(s: string, n = 12): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** Inline text: HTML-escaped, Markdown punctuation backslash-escaped, one line (a newline would end a table row). */
export function markdownText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~!])/g, '\\$1');
}

/** An inline code span (used outside tables) that survives backticks in the value. */
function code(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ');
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}
