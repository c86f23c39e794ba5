import type { InteractionRecord } from '@ragops/contracts';

const MAX_TEXT = 80;

/** One line per record for a human watching: time, tenant, variant, request, latency, outcome, hits, model, texts. */
export function formatInteraction(value: unknown): string {
  const r = value as Partial<InteractionRecord>;
  if (!r || typeof r !== 'object' || typeof r.requestId !== 'string') return `(not an interaction record) ${clip(JSON.stringify(value) ?? String(value), 200)}`;
  const time = typeof r.timestamp === 'number' ? new Date(r.timestamp).toISOString() : '?';
  const parts = [time, r.tenant ?? '?', r.variant?.id ?? '?', r.requestId, `${Math.round(r.latencyMs?.total ?? 0)}ms`];
  parts.push(r.outcome === 'error' ? `error:${r.error?.code ?? '?'}@${r.error?.stage ?? '?'}` : 'ok');
  if (r.retrieval) parts.push(`hits=${r.retrieval.hits.length}${r.retrieval.rerankedIds ? ' reranked' : ''}`);
  if (r.generation) {
    parts.push(r.generation.model, r.generation.finishReason, `${r.generation.usage.promptTokens}+${r.generation.usage.completionTokens}tok`);
    if (r.generation.costUsd !== undefined) parts.push(`$${r.generation.costUsd.toFixed(6)}`);
  }
  const query = shown(r.query);
  const answer = r.generation ? shown(r.generation.answer) : undefined;
  return `${parts.join(' ')}  ${query}${answer !== undefined ? ` → ${answer}` : ''}`;
}

/** The stored text quoted and clipped, or its hash when the content setting kept none. */
function shown(text: { text?: string; hash: string } | undefined): string {
  if (!text) return '?';
  if (text.text === undefined) return text.hash.slice(0, 19);
  return JSON.stringify(clip(text.text.replace(/\s+/g, ' ').trim(), MAX_TEXT));
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `--since`: an ISO time, epoch milliseconds, or a duration back from now (`90s`, `10m`, `2h`, `1d`). */
export function parseSince(raw: string, now: number): number | undefined {
  const rel = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (rel) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Math.round(now - Number(rel[1]) * unit);
  }
  if (/^\d{10,}$/.test(raw.trim())) return Number(raw.trim());
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}
