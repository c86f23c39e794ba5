import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ragopsBin, repoRoot } from './cli.loader.js';
import { cleanEnv, freePort, spawnChild, startPrivateNats, waitForReady, type ChildHandle } from './process.harness.js';

export type TargetMode = 'all-in-one' | 'distributed';

/** A running platform in separate processes, reachable over HTTP on loopback. */
export interface Target {
  mode: TargetMode;
  url: string;
  /** NATS URL (distributed mode only). */
  natsUrl?: string;
  /** Every server process, the nats-server included. */
  processes: ChildHandle[];
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Extra node flags for every server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra environment for every service process (e.g. RETRIEVAL_MODE, CHUNK_MAX_TOKENS); each reads its own keys. */
  env?: Record<string, string>;
  /** Extra environment for one service process (distributed mode), after `env`: e.g. its own METRICS_PORT. */
  serviceEnv?: Partial<Record<'gateway' | 'embedding' | 'retrieval' | 'generation' | 'ingest', Record<string, string>>>;
  log?: (line: string) => void;
}

const root = fileURLToPath(repoRoot);

/** `ragops start` as its own process, without the sample corpus, snapshots in a throwaway directory. */
export async function startAllInOneProcess(options: TargetOptions = {}): Promise<Target> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'ragops-bench-aio-'));
  const env = cleanEnv({ LOG_LEVEL: 'warn', SNAPSHOT_INTERVAL_MS: '86400000', ...options.env });
  const args = [...(options.nodeFlags ?? []), fileURLToPath(ragopsBin), 'start', '--port', String(port), '--no-sample', '--data-dir', dataDir];
  const proc = spawnChild('all-in-one', process.execPath, args, env, root);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, [proc]);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    mode: 'all-in-one',
    url,
    processes: [proc],
    async stop() {
      await proc.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Distributed mode: gateway, embedding, retrieval, generation and ingest as separate node processes on a private
 * nats-server (JetStream, loopback, random port), with the replicated in-memory vector store (the default).
 */
export async function startDistributed(options: TargetOptions = {}): Promise<Target> {
  const nats = await startPrivateNats();
  const port = await freePort();
  // Every service but the gateway serves /metrics on METRICS_PORT (default 9464): on one machine each needs its own.
  const base = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', ...options.env, NATS_URL: nats.url, LOG_LEVEL: 'warn' };
  const flags = options.nodeFlags ?? [];
  const services = (['embedding', 'retrieval', 'generation', 'ingest'] as const).map((name) =>
    spawnChild(name, process.execPath, [...flags, join(root, 'services', name, 'dist/main.js')], cleanEnv({ ...base, ...options.serviceEnv?.[name] }), root),
  );
  const gatewayEnv = cleanEnv({ ...base, ...options.serviceEnv?.gateway, PORT: String(port), HOST: '127.0.0.1' });
  const gateway = spawnChild('gateway', process.execPath, [...flags, join(root, 'services/gateway/dist/main.js')], gatewayEnv, root);
  const processes = [gateway, ...services];
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // In parallel: each NATS service may wait out its drain grace period.
    const t = performance.now();
    await Promise.all(processes.map((p) => p.stop()));
    options.log?.(`  services stopped in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await nats.stop();
  };
  try {
    await waitForReady(url, [...processes, nats.handle]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { mode: 'distributed', url, natsUrl: nats.url, processes: [...processes, nats.handle], stop };
}
