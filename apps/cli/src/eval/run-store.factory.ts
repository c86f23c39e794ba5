import { connect } from '@nats-io/transport-node';
import { AppError } from '@ragops/contracts';
import type { RunStore } from '@ragops/evaluation';
import { ObjectRunStore } from '@ragops/messaging';
import { FileRunStore } from './file.run-store.js';

export interface OpenedRunStore {
  store: RunStore;
  /** Where the runs are, for messages. */
  where: string;
  close(): Promise<void>;
}

/**
 * `--store` as a directory (the default `.ragops/runs`) or `nats://host:port/bucket`: a JetStream object store, so
 * runs made anywhere (CI, a rollout's analysis) share one history in distributed mode.
 */
export async function openRunStore(spec: string, onSkip: (name: string, reason: string) => void = () => {}): Promise<OpenedRunStore> {
  if (!/^nats:\/\//i.test(spec)) return { store: new FileRunStore(spec, onSkip), where: spec, close: async () => {} };
  let url: URL;
  try {
    url = new URL(spec);
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', `--store ${spec}: not a URL; use nats://host:port/bucket`, undefined, { cause });
  }
  const bucket = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(bucket)) throw new AppError('VALIDATION_FAILED', `--store ${spec}: name the bucket ([A-Za-z0-9_-]+) as the path, e.g. nats://127.0.0.1:4222/ragops-eval-runs`);
  const server = `${url.hostname}:${url.port || '4222'}`;
  const nc = await connect({ servers: server, name: 'ragops-eval', timeout: 5_000 }).catch((cause: unknown) => {
    throw new AppError('UNAVAILABLE', `no NATS server answers at ${server} (--store ${spec})`, undefined, { cause });
  });
  try {
    return { store: await ObjectRunStore.open({ nc, bucket, onSkip }), where: spec, close: () => nc.close() };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
