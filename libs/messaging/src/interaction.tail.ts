import { DeliverPolicy, jetstream, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AppError, Streams, Subjects } from '@ragops/contracts';

export interface TailOptions {
  /** Only this tenant's records; default every tenant. */
  tenant?: string;
  /** Start at records stored since this time (epoch ms); default only records published from now on. */
  since?: number;
  /** Default RAGOPS_INTERACTIONS. */
  stream?: string;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/**
 * Follows the interaction stream with an ordered consumer: ephemeral, server-side state only while it runs, no acks,
 * recreated by the client on any gap — the right reader for a human watching (`ragops interactions tail --nats`).
 * Yields each record's decoded JSON; a message that is not JSON is yielded as `{ invalid: <text> }`.
 */
export async function* tailInteractions(nc: NatsConnection, options: TailOptions = {}): AsyncGenerator<unknown> {
  const stream = options.stream ?? Streams.interactions;
  const filter = options.tenant ? Subjects.interactions(options.tenant) : Subjects.interactionsAll;
  const spec: Partial<OrderedConsumerOptions> =
    options.since === undefined
      ? { filter_subjects: filter, deliver_policy: DeliverPolicy.New }
      : { filter_subjects: filter, opt_start_time: new Date(options.since).toISOString() };
  let consumer;
  try {
    consumer = await jetstream(nc).consumers.get(stream, spec);
  } catch (err) {
    throw new AppError('UNAVAILABLE', `cannot follow stream ${stream}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  const messages = await consumer.consume();
  const stop = () => void messages.close();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of messages) {
      try {
        yield m.json();
      } catch {
        yield { invalid: m.string() };
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await messages.close();
  }
}
