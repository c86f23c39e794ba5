import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

/**
 * Helpers for tests against the machine's shared NATS (127.0.0.1:4222, or NATS_URL). Every suite names its
 * streams, consumers, buckets and subjects with {@link uniqueName} and deletes only those it created.
 */

/** `<prefix>_<12 hex>`: valid as a stream, consumer, KV bucket name and as a subject token. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function testNatsUrl(): string {
  return process.env.NATS_URL ?? '127.0.0.1:4222';
}

export function connectTestNats(name = 'ragops-test'): Promise<NatsConnection> {
  return connect({ servers: testNatsUrl(), name });
}

/** Deletes the named streams; one already gone is fine. */
export async function deleteStreams(nc: NatsConnection, ...streams: string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of streams) {
    try {
      await jsm.streams.delete(stream);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    }
  }
}

/** Deletes the named KV buckets (their backing streams `KV_<bucket>`). */
export function deleteKvBuckets(nc: NatsConnection, ...buckets: string[]): Promise<void> {
  return deleteStreams(nc, ...buckets.map((b) => `KV_${b}`));
}

/**
 * Records the names a suite creates and removes exactly those: `const res = new NatsTestResources()`,
 * `res.stream('ingest')`, `res.bucket('jobs')`, then `await res.cleanup(nc)` in afterAll.
 */
export class NatsTestResources {
  private readonly streams: string[] = [];
  private readonly buckets: string[] = [];

  stream(prefix: string): string {
    const name = uniqueName(prefix);
    this.streams.push(name);
    return name;
  }

  bucket(prefix: string): string {
    const name = uniqueName(prefix);
    this.buckets.push(name);
    return name;
  }

  /** A unique subject (`<prefix>.<random>`); subjects hold no server state, so nothing to clean up. */
  subject(prefix: string): string {
    return `${prefix}.${randomBytes(6).toString('hex')}`;
  }

  async cleanup(nc: NatsConnection): Promise<void> {
    await deleteStreams(nc, ...this.streams.splice(0));
    await deleteKvBuckets(nc, ...this.buckets.splice(0));
  }
}
