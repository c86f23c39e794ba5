import { describe, expect, it } from '@jest/globals';
import { parseGatePolicy } from './gate.policy.js';
import { markdownText as md, renderMarkdownSummary, SUMMARY_MARKER } from './markdown.renderer.js';
import { compareRuns } from './run.compare.js';
import { runFromValues } from './run.fixture.js';
import { gateRun } from './run.gate.js';

const values = (shift: number) => Object.fromEntries([0.9, 0.8, 0.7, 0.6].map((v, i) => [`q${i}`, { 'ndcg@10': v + shift, 'recall@100': 1 + shift / 2, 'mrr@10': v }]));
const baseline = runFromValues(values(0), { id: 'base', revision: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
const policy = parseGatePolicy({ version: 1, checks: [{ metric: 'ndcg@10', min: 0.5, maxRegression: 0.02 }, { metric: 'recall@100', maxRegression: 0.01 }] });

describe('renderMarkdownSummary', () => {
  it('a passing gate: marker, verdict, one row per gated metric with baseline, run, Δ, interval', () => {
    const report = gateRun(baseline, baseline, policy);
    const text = renderMarkdownSummary(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe(SUMMARY_MARKER);
    expect(lines[1]).toBe('## ✅ Evaluation gate passed');
    expect(text).toContain('Run `base` (variant `default`, revision `aaaaaaaaaaaa`) against baseline `base`');
    expect(text).toContain('| metric | baseline | run | Δ | 95% CI | verdict |');
    expect(lines).toContain('| ndcg@10 | 0.7500 | 0.7500 | +0.0000 | [+0.0000, +0.0000] | ✅ pass |');
    expect(lines).toContain('| recall@100 | 1.0000 | 1.0000 | +0.0000 | [+0.0000, +0.0000] | ✅ pass |');
    expect(text).not.toContain('<details>');
  });

  it('a failing gate: the failed checks with reasons, and the other metrics folded away', () => {
    const worse = runFromValues(values(-0.1), { id: 'cand' });
    const report = gateRun(worse, baseline, policy);
    const text = renderMarkdownSummary(report, { all: compareRuns(baseline, worse, { bootstrap: policy.bootstrap }) });
    expect(text).toContain('## ❌ Evaluation gate failed (2 of 3 checks)');
    expect(text).toContain('| ndcg@10 | 0.7500 | 0.6500 | −0.1000 | [−0.1000, −0.1000] | ❌ fail |');
    expect(text).toContain('- ✅ **ndcg@10 ≥ 0.5000**: ndcg@10 = 0.6500 (n = 4) ≥ 0.5000');
    expect(text).toMatch(/- ❌ \*\*ndcg@10 regression ≤ 0\.0200\*\*: ndcg@10 regressed: Δ −0\.1000/);
    expect(text).toContain('<details><summary>All other metrics (not gated)</summary>');
    expect(text).toContain('| mrr@10 | 0.7500 | 0.7500 | +0.0000 | [+0.0000, +0.0000] | no significant change |');
  });

  it('without a baseline the table shows the run values alone', () => {
    const text = renderMarkdownSummary(gateRun(baseline, null, parseGatePolicy({ version: 1, checks: [{ metric: 'ndcg@10', min: 0.9 }] })));
    expect(text).toContain('(no baseline)');
    expect(text).toContain('| ndcg@10 | — | 0.7500 | — | — | ❌ fail |');
  });

  it('escapes text that could break the table or inject markup', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(md('line\nbreak')).toBe('line break');
    expect(md('**bold** _it_ `code` [link](u) & #1')).toBe('\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\[link\\](u) &amp; \\#1');
    const nasty = 'm|x<b>\n`y`';
    const run = runFromValues({ q1: { [nasty]: 1 } }, { variant: 'v`1` | <x>' });
    const text = renderMarkdownSummary(gateRun(run, null, parseGatePolicy({ version: 1, checks: [{ metric: nasty, min: 0 }] })));
    const row = text.split('\n').find((l) => l.startsWith('| m'))!;
    // Exactly the table's 7 unescaped pipes: the metric's own pipe is escaped.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
    expect(text).not.toContain('<b>');
    expect(text).toContain('variant `` v`1` | <x> ``');
  });
});
