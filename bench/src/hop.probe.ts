import { Agent, request } from 'node:http';
import { connect } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { defaultVariant, EmbedReply, GenerateReply, HealthReply, type RequestContext, SearchReply, Subjects, systemClock, type Variant } from '@ragops/contracts';
import { createRpcClient } from '@ragops/platform';
import { quantile } from './stats.math.js';

export interface HopStats {
  hop: string;
  gapMs: number;
  p50: number;
  p90: number;
  p99: number;
}

/** GET or POST over one keep-alive connection, resolving when the whole response has arrived. */
function httpCall(agent: Agent, url: URL, method: 'GET' | 'POST', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The query path taken apart, one request at a time: the HTTP floor, one raw NATS round trip, each service call
 * the gateway makes (as the gateway makes it: RpcClient over a Nest NATS ClientProxy), and the whole query.
 * Each is timed back to back and with a pause between requests (`gapsMs`): at 200 req/s a service is idle ~5 ms
 * between requests, and waking an idle process costs time on a virtual machine. Search is probed in both the
 * default variant's mode and hybrid, which adds the retrieval → embedding hop (the query vector).
 */
export async function probeHops(
  natsUrl: string,
  gatewayUrl: string,
  question: string,
  options: { samples?: number; gapsMs?: number[]; /** The gateway's retrieval mode, for the whole-path label. */ gatewayMode?: string } = {},
): Promise<HopStats[]> {
  const samples = options.samples ?? 300;
  const gaps = options.gapsMs ?? [0, 5];
  // Nest's ClientNats logs connection status changes at `log` level; keep the benchmark's output to results.
  Logger.overrideLogger(['error', 'warn']);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const nc = await connect({ servers: natsUrl, name: 'ragops-bench-probe' });
  const { rpc, close } = await createRpcClient({ kind: 'nats', servers: natsUrl }, 'bench-probe', systemClock);
  const ctx = (variant: Variant = defaultVariant): RequestContext => ({ requestId: 'bench-probe', tenant: 'default', deadline: Date.now() + 5000, variant });
  const hybrid: Variant = { ...defaultVariant, retrieval: { ...defaultVariant.retrieval, mode: 'hybrid' } };
  const defaultMode = defaultVariant.retrieval.mode;
  const hits = (await rpc.request(Subjects.search, { ctx: ctx(), data: { query: question } }, SearchReply)).hits;
  const healthz = new URL('/healthz', gatewayUrl);
  const query = new URL('/v1/query', gatewayUrl);
  const queryBody = JSON.stringify({ query: question });
  const natsHealth = Subjects.health('embedding');
  // Nest's NATS serializer: { pattern, data, id }; the health handler answers any data.
  const natsPayload = JSON.stringify({ pattern: natsHealth, data: { ctx: ctx(), data: {} }, id: 'bench-probe' });

  const hops: [string, () => Promise<unknown>][] = [
    ['HTTP GET /healthz (floor)', () => httpCall(agent, healthz, 'GET')],
    ['NATS request/reply, raw nats.js → embedding health', () => nc.request(natsHealth, natsPayload, { timeout: 5000 })],
    ['RpcClient (Nest ClientNats) → embedding health', () => rpc.request(natsHealth, { ctx: ctx(), data: {} }, HealthReply)],
    ['RpcClient → embedding: embed 1 query', () => rpc.request(Subjects.embed, { ctx: ctx(), data: { texts: [question], kind: 'query' } }, EmbedReply)],
    [
      `RpcClient → retrieval: search, ${defaultMode} (default variant)${defaultMode === 'sparse' ? '' : ' (+ retrieval → embedding)'}`,
      () => rpc.request(Subjects.search, { ctx: ctx(), data: { query: question } }, SearchReply),
    ],
    ...(defaultMode === 'hybrid'
      ? []
      : [['RpcClient → retrieval: search, hybrid (+ retrieval → embedding)', () => rpc.request(Subjects.search, { ctx: ctx(hybrid), data: { query: question } }, SearchReply)] as [string, () => Promise<unknown>]]),
    [`RpcClient → generation: generate (${hits.length} hits)`, () => rpc.request(Subjects.generate, { ctx: ctx(), data: { query: question, chunks: hits } }, GenerateReply)],
    [`HTTP POST /v1/query (whole path${options.gatewayMode ? `, ${options.gatewayMode}` : ''})`, () => httpCall(agent, query, 'POST', queryBody)],
  ];
  const out: HopStats[] = [];
  try {
    for (const gapMs of gaps) {
      for (const [hop, call] of hops) {
        for (let i = 0; i < 30; i++) await call(); // warm
        const times: number[] = [];
        for (let i = 0; i < samples; i++) {
          const t = performance.now();
          await call();
          times.push(performance.now() - t);
          if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        }
        out.push({ hop, gapMs, p50: quantile(times, 0.5), p90: quantile(times, 0.9), p99: quantile(times, 0.99) });
      }
    }
  } finally {
    agent.destroy();
    await close();
    await nc.close();
  }
  return out;
}
