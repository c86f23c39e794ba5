import { Registry } from 'prom-client';

interface Family {
  help: string;
  type?: string;
  samples: string[];
}

/**
 * Several Prometheus text expositions as one: each metric family once (its first HELP and TYPE) with the samples of
 * every input. The inputs must not share a series, which registries with different `service` default labels never
 * do; concatenating them instead would repeat HELP/TYPE lines, which Prometheus and promtool reject.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const loose: string[] = [];
  for (const text of texts) {
    let current: Family | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        const [, kind, name] = meta;
        current = families.get(name!);
        if (!current) families.set(name!, (current = { help: '', samples: [] }));
        if (kind === 'HELP' && !current.help) current.help = line;
        if (kind === 'TYPE' && current.type === undefined) current.type = line;
        continue;
      }
      if (line.startsWith('#')) continue; // other comments carry nothing a scraper reads
      (current ? current.samples : loose).push(line);
    }
  }
  const out: string[] = [...loose];
  for (const f of families.values()) {
    if (f.help) out.push(f.help);
    if (f.type) out.push(f.type);
    out.push(...f.samples);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * A registry whose exposition also holds other registries' metrics: the all-in-one process serves the metrics of every
 * service it runs on the gateway's one /metrics, each series with its own service's label.
 */
export class CombinedRegistry extends Registry {
  constructor(private readonly included: readonly Registry[]) {
    super();
  }

  override async metrics(): Promise<string> {
    const texts = await Promise.all([super.metrics(), ...this.included.map((r) => r.metrics())]);
    return mergeExpositions(texts);
  }
}
