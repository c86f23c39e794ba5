// Test doubles for the gateway's ports. Every port method fails loudly unless a test scripted it, and every
// call is recorded, so "rejected input reaches no port" is one assertion: `ports.calls` is empty.
import { Writable } from 'node:stream';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type BatchResult,
  type GenerateReply,
  type IngestBatch,
  ManualClock,
  type RequestContext,
  type SearchReply,
  type SearchRequest,
} from '@ragops/contracts';
import type { AnswerGenerator, GenerateInput, JobQueue, JobRecord, JobStore, Searcher } from '@ragops/rag';
import { createLogger, createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import { createGatewayApp } from '../src/create-gateway.app.js';
import { loadGatewayConfig } from '../src/gateway.config.js';
import type { ReadinessReport } from '../src/readiness.js';

export type Call =
  | { port: 'search'; req: SearchRequest; ctx: RequestContext }
  | { port: 'generate'; input: GenerateInput; ctx: RequestContext }
  | { port: 'enqueue'; batches: IngestBatch[] }
  | { port: 'createJob'; job: JobRecord }
  | { port: 'getJob'; jobId: string };

export const T0 = 1_700_000_000_000;

export class FakePorts {
  readonly calls: Call[] = [];
  readonly jobs = new Map<string, { job: JobRecord; started: number[]; results: BatchResult[] }>();
  onSearch?: (req: SearchRequest, ctx: RequestContext) => Promise<SearchReply>;
  onGenerate?: (input: GenerateInput, ctx: RequestContext) => Promise<GenerateReply>;
  /** enqueue succeeds unless this is set; then it rejects with it. */
  enqueueError?: unknown;

  readonly searcher: Searcher = {
    search: async (req, ctx) => {
      this.calls.push({ port: 'search', req, ctx });
      if (!this.onSearch) throw new Error('unexpected call: Searcher.search');
      return this.onSearch(req, ctx);
    },
  };

  readonly generator: AnswerGenerator = {
    generate: async (input, ctx) => {
      this.calls.push({ port: 'generate', input, ctx });
      if (!this.onGenerate) throw new Error('unexpected call: AnswerGenerator.generate');
      return this.onGenerate(input, ctx);
    },
  };

  readonly queue: JobQueue = {
    enqueue: async (batches) => {
      this.calls.push({ port: 'enqueue', batches });
      if (this.enqueueError !== undefined) throw this.enqueueError;
    },
    consume: () => Promise.reject(new Error('unexpected call: JobQueue.consume')),
    pending: () => Promise.reject(new Error('unexpected call: JobQueue.pending')),
  };

  readonly store: JobStore = {
    create: async (job) => {
      this.calls.push({ port: 'createJob', job });
      this.jobs.set(job.jobId, { job, started: [], results: [] });
    },
    markStarted: () => Promise.reject(new Error('unexpected call: JobStore.markStarted')),
    recordBatch: () => Promise.reject(new Error('unexpected call: JobStore.recordBatch')),
    get: async (jobId) => {
      this.calls.push({ port: 'getJob', jobId });
      return this.jobs.get(jobId);
    },
  };

  private ids = 0;
  /** Job ids job-1, job-2… in submission order. */
  readonly newId = () => `job-${++this.ids}`;

  /** Back to a fresh state, so one app can serve many tests. */
  reset(): void {
    this.calls.length = 0;
    this.jobs.clear();
    this.onSearch = undefined;
    this.onGenerate = undefined;
    this.enqueueError = undefined;
    this.ids = 0;
  }

  portsCalled(): string[] {
    return this.calls.map((c) => c.port);
  }
}

export interface TestGateway {
  app: NestFastifyApplication;
  ports: FakePorts;
  clock: ManualClock;
  metrics: ServiceMetrics;
  /** Parsed JSON log lines the gateway wrote (level debug and up). */
  logs: Record<string, unknown>[];
  readiness: { next: () => Promise<ReadinessReport> };
}

const readyReport = async (): Promise<ReadinessReport> => ({ ready: true, dependencies: { retrieval: { ready: true } } });

export async function startGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const ports = new FakePorts();
  const clock = new ManualClock(T0);
  const metrics = createMetrics('gateway');
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const readiness = { next: readyReport };
  const app = await createGatewayApp(
    {
      searcher: ports.searcher,
      generator: ports.generator,
      queue: ports.queue,
      jobs: ports.store,
      clock,
      newId: ports.newId,
      readiness: () => readiness.next(),
      metrics,
      logger: createLogger({ service: 'gateway', level: 'debug', destination }),
    },
    loadGatewayConfig({ REQUEST_TIMEOUT_MS: '5000', ...env }),
  );
  return { app, ports, clock, metrics, logs, readiness };
}

/** Resets the fakes, clock, captured logs and readiness of a gateway shared by several tests. */
export function resetGateway(gw: TestGateway): void {
  gw.ports.reset();
  gw.clock.set(T0);
  gw.logs.length = 0;
  gw.readiness.next = readyReport;
  gw.metrics.registry.resetMetrics();
}

/** JSON POST through Fastify's injection (no socket). */
export function postJson(app: NestFastifyApplication, url: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

/** A raw POST: exact bytes and headers, for malformed bodies and content types. */
export function postRaw(app: NestFastifyApplication, url: string, payload: string | Buffer, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url, payload, headers });
}

/** A gateway with its own configuration, closed after `test`. */
export async function withGateway(env: Record<string, string>, test: (own: TestGateway) => Promise<void>): Promise<void> {
  const own = await startGateway(env);
  try {
    await test(own);
  } finally {
    await own.app.close();
  }
}
