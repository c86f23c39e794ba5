import { describe, expect, it } from '@jest/globals';
import { dashboards } from './dashboards.js';

interface PanelJson {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
}

describe('generated dashboards', () => {
  const all = dashboards();

  it('are the four the issue asks for, with unique stable uids', () => {
    expect(all.map((d) => d.uid)).toEqual(['ragops-service-overview', 'ragops-rag-quality', 'ragops-cost', 'ragops-slo']);
    for (const d of all) expect(d.uid!.length).toBeLessThanOrEqual(40); // Grafana's uid limit
  });

  it.each(all.map((d) => [d.uid, d] as const))('%s: every panel queries the chosen Prometheus and fits the grid', (_uid, d) => {
    const panels = (d.panels ?? []) as PanelJson[];
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const variables = new Set((d.templating?.list ?? []).map((v) => v.name));
    expect(variables.has('datasource')).toBe(true);
    for (const p of panels) {
      const g = p.gridPos!;
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.title).toBeTruthy();
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets!.length).toBeGreaterThan(0);
      expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
      for (const t of p.targets!) {
        expect(t.datasource?.uid).toBe('${datasource}');
        // every template variable an expression uses is defined on this dashboard
        for (const [, name] of t.expr!.matchAll(/\$\{?([a-zA-Z_]\w*)\}?/g)) {
          if (!name.startsWith('__')) expect({ panel: p.title, variable: name, defined: variables.has(name) }).toMatchObject({ defined: true });
        }
      }
    }
  });

  it('panels do not overlap', () => {
    for (const d of all) {
      const cells = new Set<string>();
      for (const p of (d.panels ?? []) as PanelJson[]) {
        const g = p.gridPos!;
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            const key = `${x},${y}`;
            expect({ dashboard: d.uid, panel: p.title, cell: key, free: !cells.has(key) }).toMatchObject({ free: true });
            cells.add(key);
          }
        }
      }
    }
  });
});
