import { AppError, isErrorCode, type JobView, type SourceDocument } from '@ragops/contracts';

/** A thin HTTP client for the gateway, used by the CLI commands (and handy in scripts). */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tenant?: string,
    /** Bound on each HTTP call (none by default: the gateway's own request timeout applies). */
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  submit(documents: SourceDocument[]): Promise<{ jobId: string; documents: number; batches: number }> {
    return this.call('POST', '/v1/documents', { documents });
  }
  job(jobId: string): Promise<JobView> {
    return this.call('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
  }
  search(query: string, topK?: number): Promise<{ hits: { chunkId: string; docId: string; score: number; text: string; title?: string }[] }> {
    return this.call('POST', '/v1/search', { query, topK });
  }
  query(query: string, topK?: number): Promise<QueryAnswer> {
    return this.call('POST', '/v1/query', { query, topK });
  }

  /** Polls a job until it is done or failed. */
  async waitForJob(jobId: string, timeoutMs = 600_000, pollMs = 100): Promise<JobView> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.job(jobId);
      if (view.status === 'done' || view.status === 'failed') return view;
      if (Date.now() > until) throw new AppError('DEADLINE_EXCEEDED', `job ${jobId} still ${view.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.tenant) headers['x-ragops-tenant'] = this.tenant;
    let res: Response;
    const signal = this.options.timeoutMs ? AbortSignal.timeout(this.options.timeoutMs) : undefined;
    try {
      res = await fetch(new URL(path, this.baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (cause) {
      if ((cause as Error).name === 'TimeoutError') throw new AppError('DEADLINE_EXCEEDED', `${method} ${path}: no answer from ${this.baseUrl} within ${this.options.timeoutMs} ms`, undefined, { cause });
      throw new AppError('UNAVAILABLE', `no ragops gateway answers at ${this.baseUrl} (start one with \`ragops start\`)`, undefined, { cause });
    }
    const payload = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: string } } | undefined;
    if (!res.ok) {
      const code = isErrorCode(payload?.error?.code) ? payload.error.code : 'UPSTREAM_FAILED';
      throw new AppError(code, payload?.error?.message ?? `gateway answered ${res.status}`);
    }
    return payload as T;
  }
}

export interface QueryAnswer {
  answer: string;
  citations: { n: number; docId: string; chunkId: string }[];
  variant: { id: string; prompt: string; model: string; index: string };
  timings: Record<string, number>;
  requestId?: string;
}
