/** What the load worker is asked to do (argv[2], JSON) and what it prints back (stdout, JSON). */
export interface LoadSpec {
  url: string;
  /**
   * `autocannon`: autocannon's connections, with `overallRate` split into per-connection quotas per second — each
   * connection sends its quota back to back at the start of every second, then waits (bursts). `paced`: an
   * open-loop schedule of one request every 1/rate s over keep-alive connections (node:http), for comparison.
   */
  generator: 'autocannon' | 'paced';
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of the same load first, not measured (JIT, connection set-up, caches). */
  warmup: number;
  /** Requests per second over all connections; unset = as fast as possible (autocannon only). */
  overallRate?: number;
  /** Cycled through in order. */
  requests: { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> }[];
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Responses received in the measured window (any status). */
  responses: number;
  ok: number;
  /** Connection errors, timeouts and non-2xx responses. */
  errors: number;
  non2xx: number;
  timeouts: number;
  durationSec: number;
  /** 2xx responses per second. */
  achievedRate: number;
  /**
   * Exact latencies (ms, sub-millisecond) of 2xx responses: from autocannon's per-response event, or from the
   * request write to the response end (paced). autocannon's own histogram stores whole milliseconds and, in rate
   * mode, adds coordinated-omission fill values, so its percentiles are reported separately as `autocannon`.
   */
  latency: LatencySummary;
  autocannon?: { p50: number; p99: number };
  /** Paced only: how late requests left against their schedule (ms), p99 — the pacing accuracy. */
  scheduleLagP99?: number;
  /** CPU seconds the load generator itself used in the measured window (it shares the machine's cores). */
  generatorCpuSec: number;
}
