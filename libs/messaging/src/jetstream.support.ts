import { AckPolicy, DeliverPolicy, type ConsumerUpdateConfig, JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { AppError } from '@ragops/contracts';

/** What the JetStream adapters (ingest queue, record logs) share: error mapping, headers, durable consumers. */

/** A NATS/JetStream failure as UNAVAILABLE naming what was attempted; typed errors pass through. */
export function asAppError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

/** Backoff between failed pulls; unref'd so a stopping process does not wait for it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function toNatsHeaders(values: Record<string, string>): MsgHdrs {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(values)) h.set(key, value);
  return h;
}

/** A message's headers as name → first value (none: empty). */
export function headerRecord(headers: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers ?? []) if (v[0] !== undefined) out[k] = v[0];
  return out;
}

/**
 * Creates the durable pull consumer `durable` on `stream` (explicit acks, from the first stored message, only
 * `filterSubject`), or brings an existing one's `updatable` settings up to date.
 */
export async function upsertDurableConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filterSubject: string,
  updatable: Partial<ConsumerUpdateConfig>,
): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
    await jsm.consumers.update(stream, durable, updatable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: filterSubject, ...updatable });
  }
}
