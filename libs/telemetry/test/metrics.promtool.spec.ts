import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { Gauge, Registry } from 'prom-client';
import { createMetrics, METRIC_DEFS } from '@ragops/telemetry';
import { recordSampleOfEveryMetric } from './metric-samples.fixture.js';

// Debian's `prometheus` package; scripts/ensure-promtool.sh installs it. PROMTOOL overrides the path.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

function checkMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (run scripts/ensure-promtool.sh): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('promtool check metrics', () => {
  it('accepts the exposition of a registry holding a series of every catalogue metric', async () => {
    const m = createMetrics('gateway');
    recordSampleOfEveryMetric(m, 0, 0.3);
    recordSampleOfEveryMetric(m, 1, 12);
    recordSampleOfEveryMetric(m, 2, 0);
    const text = await m.registry.metrics();
    for (const def of METRIC_DEFS) expect(text).toContain(`# TYPE ${def.name} `);
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('accepts a fresh registry (default metrics only, labelled metrics not yet recorded)', async () => {
    expect(checkMetrics(await createMetrics('ingest').registry.metrics())).toEqual({ status: 0, output: '' });
  });

  it("accepts the all-in-one exposition: every service's registry merged into one", async () => {
    const services = ['embedding', 'retrieval', 'generation', 'ingest'].map((s) => createMetrics(s));
    services.forEach((m, i) => recordSampleOfEveryMetric(m, i, 0.5));
    const combined = createMetrics('gateway', { include: services.map((m) => m.registry) });
    recordSampleOfEveryMetric(combined, 4, 2);
    const text = await combined.registry.metrics();
    for (const service of ['gateway', 'embedding', 'retrieval', 'generation', 'ingest']) expect(text).toMatch(new RegExp(`^ragops_llm_cost_usd_total\\{[^}]*service="${service}"`, 'm'));
    expect(text.match(/^# TYPE ragops_llm_cost_usd_total /gm)).toHaveLength(1);
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('is a live check: it rejects what the catalogue tests forbid', async () => {
    const registry = new Registry();
    new Gauge({ name: 'ragops_widgets_total', help: 'A gauge wrongly named like a counter.', registers: [registry] }).set(1);
    const result = checkMetrics(await registry.metrics());
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('ragops_widgets_total');
  });
});
