import { AppError, isErrorCode } from '@ragops/contracts';
import { tailInteractions } from '@ragops/messaging';
import { connectNats } from '@ragops/platform';

export interface TailRequest {
  /** The all-in-one gateway (GET /v1/interactions/tail). */
  url?: string;
  /** A NATS server holding the RAGOPS_INTERACTIONS stream; wins over `url`. */
  nats?: string;
  tenant?: string;
  since?: number;
  /** Stop after this many records. */
  limit?: number;
  signal?: AbortSignal;
}

/**
 * Interaction records as they are published: from the JetStream stream with an ordered consumer (`nats`), or from
 * the all-in-one gateway's NDJSON endpoint (`url`).
 */
export async function* tailRecords(req: TailRequest): AsyncGenerator<unknown> {
  let count = 0;
  const source = req.nats ? fromNats(req) : fromHttp(req);
  for await (const record of source) {
    yield record;
    if (req.limit !== undefined && ++count >= req.limit) return;
  }
}

async function* fromNats(req: TailRequest): AsyncGenerator<unknown> {
  let nc;
  try {
    nc = await connectNats(req.nats as string, 'ragops-cli-tail');
  } catch (cause) {
    throw new AppError('UNAVAILABLE', `cannot reach NATS at ${req.nats}`, undefined, { cause });
  }
  try {
    yield* tailInteractions(nc, { ...(req.tenant ? { tenant: req.tenant } : {}), ...(req.since !== undefined ? { since: req.since } : {}), ...(req.signal ? { signal: req.signal } : {}) });
  } finally {
    await nc.close();
  }
}

async function* fromHttp(req: TailRequest): AsyncGenerator<unknown> {
  const url = new URL('/v1/interactions/tail', req.url);
  if (req.tenant) url.searchParams.set('tenant', req.tenant);
  if (req.since !== undefined) url.searchParams.set('since', String(req.since));
  if (req.limit !== undefined) url.searchParams.set('limit', String(req.limit));
  let res: Response;
  try {
    res = await fetch(url, { signal: req.signal ?? null });
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') return;
    throw new AppError('UNAVAILABLE', `no ragops gateway answers at ${req.url}`, undefined, { cause });
  }
  if (!res.ok || !res.body) {
    const payload = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: string } } | undefined;
    if (res.status === 404) {
      throw new AppError('NOT_FOUND', `${req.url} serves no interaction records over HTTP (only the all-in-one process does, with INTERACTIONS=on); tail a distributed deployment's stream with --nats`);
    }
    const code = isErrorCode(payload?.error?.code) ? payload.error.code : 'UPSTREAM_FAILED';
    throw new AppError(code, payload?.error?.message ?? `gateway answered ${res.status}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield parseLine(line);
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    throw err;
  }
  if (buffered.trim()) yield parseLine(buffered.trim());
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return { invalid: line };
  }
}
