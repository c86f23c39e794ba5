import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineConditions {
  cpu: string;
  cores: number;
  loadAverage: [number, number, number];
  memoryGiB: number;
  node: string;
  platform: string;
  /** Commit measured, and how many files differed from it (other work in progress shows up here). */
  revision: string;
}

export function machineConditions(): MachineConditions {
  const list = cpus();
  const [a, b, c] = loadavg();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    loadAverage: [a, b, c],
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    revision: sourceRevision(),
  };
}

function sourceRevision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).length;
    return changed ? `${head} + ${changed} modified tracked file(s)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/**
 * The block every benchmark prints before its results: machine, load and settings, so a figure is never read
 * without the conditions it was measured under. A load average near or above the core count means the machine
 * was shared while measuring.
 */
export function formatConditions(title: string, settings: Record<string, unknown>, m: MachineConditions = machineConditions()): string {
  const load = m.loadAverage.map((x) => x.toFixed(2)).join(' / ');
  const busy = m.loadAverage[0] >= m.cores * 0.5 ? ` (shared: 1-min load ≥ half the ${m.cores} cores before starting)` : '';
  const lines = [
    `# ${title}`,
    `date        ${new Date().toISOString()}`,
    `cpu         ${m.cpu} × ${m.cores} cores, ${m.memoryGiB} GiB`,
    `load avg    ${load} (1/5/15 min)${busy}`,
    `node        ${m.node} ${m.platform}`,
    `revision    ${m.revision}`,
    ...Object.entries(settings).map(([k, v]) => `${k.padEnd(11)} ${typeof v === 'string' ? v : JSON.stringify(v)}`),
  ];
  return lines.join('\n');
}

/** A fixed-width text table (also valid Markdown), for results that go straight into docs/benchmarks.md. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}
