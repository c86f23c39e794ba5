import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { defaultVariant, type InteractionRecord } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome } from '@ragops/rag';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { JetStreamInteractionSink, JetStreamRecordLog, openInteractionLog, readInteractionHeaders } from '../src/index.js';
import { RecordingLogger, waitFor } from './job-queue.behaviour.js';

const limits = { maxBytes: 1024 * 1024, maxAgeMs: 3_600_000 };
const encoder = new TextEncoder();

function headers(values: Record<string, string>) {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(values)) h.set(k, v);
  return h;
}

function interaction(requestId: string, variant: string): InteractionRecord {
  return {
    schemaVersion: 1,
    requestId,
    tenant: 'acme',
    timestamp: 1_000,
    variant: { ...defaultVariant, id: variant },
    content: 'hash',
    outcome: 'ok',
    query: { hash: `sha256:${'2'.repeat(64)}` },
    filtered: false,
    latencyMs: { total: 1 },
  };
}

/**
 * A record consumer's preview on real JetStream (a private nats-server): messages it settles from their headers are
 * acknowledged without their payload being decoded; the others reach the handler as before.
 */
describe('JetStreamRecordLog consumer preview', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url, name: 'record-preview-test' });
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  async function consumerState(stream: string, durable: string) {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, ackFloor: info.ack_floor.stream_seq };
  }

  it('acks a message its preview settles without parsing the payload (not JSON here), and hands the rest to the handler', async () => {
    const logger = new RecordingLogger();
    const log = await JetStreamRecordLog.open({ nc, stream: 'PREVIEW_SETTLE', subjects: 'preview.settle.>', limits, manage: 'update', logger });
    const terminated: number[] = [];
    const advisories = nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.PREVIEW_SETTLE.reader', {
      callback: (_err, m) => void terminated.push(m.json<{ stream_seq: number }>().stream_seq),
    });
    const js = jetstream(nc);
    await js.publish('preview.settle.a', encoder.encode('{not json'), { headers: headers({ 'Ragops-Skip': 'yes' }) }); // seq 1
    await js.publish('preview.settle.a', JSON.stringify({ n: 2 }), { headers: headers({ 'Ragops-Skip': 'no' }) }); // seq 2
    await js.publish('preview.settle.a', JSON.stringify({ n: 3 })); // seq 3: no headers at all
    await js.publish('preview.settle.a', encoder.encode('{still not json')); // seq 4: not previewed, not JSON
    await js.publish('preview.settle.a', encoder.encode('\u0000binary'), { headers: headers({ 'Ragops-Skip': 'later' }) }); // seq 5

    const previewed: Record<string, string>[] = [];
    const handled: unknown[] = [];
    const source = await log.source({ durable: 'reader', fetchExpiresMs: 1000, retryDelayMs: 50 });
    const handle = await source.consume(
      async (raw) => {
        handled.push(raw);
        return 'ack';
      },
      {
        preview: (h): DeliveryOutcome | undefined => {
          previewed.push({ ...h });
          if (h['Ragops-Skip'] === 'yes') return 'ack';
          // `retry` from the preview redelivers like the handler's; the second delivery is settled.
          if (h['Ragops-Skip'] === 'later') return previewed.filter((p) => p['Ragops-Skip'] === 'later').length === 1 ? 'retry' : 'ack';
          return undefined;
        },
      },
    );
    try {
      await waitFor(async () => (await consumerState('PREVIEW_SETTLE', 'reader')).ackFloor === 5, 15_000, 'every message settled');
      expect(await consumerState('PREVIEW_SETTLE', 'reader')).toEqual({ pending: 0, ackPending: 0, ackFloor: 5 });
      expect(handled).toEqual([{ n: 2 }, { n: 3 }]);
      expect(previewed.map((h) => h['Ragops-Skip'] ?? '-')).toEqual(['yes', 'no', '-', '-', 'later', 'later']);
      // Only the undecodable message nobody previewed was terminated; the previewed ones were acknowledged.
      await waitFor(() => terminated.length > 0, 5000, 'the termination advisory');
      expect(terminated).toEqual([4]);
      expect(logger.errors.map((e) => String(e[0]))).toEqual([expect.stringContaining('message 4 of PREVIEW_SETTLE: not JSON')]);
    } finally {
      advisories.unsubscribe();
      await handle.stop();
    }
  }, 30_000);

  it('interaction records carry the headers a preview reads, so it can settle them per variant', async () => {
    // This server is the suite's own: the interaction subjects are free.
    const log = await openInteractionLog(nc, limits, 'update', 'PREVIEW_INTERACTIONS');
    const sink = new JetStreamInteractionSink(log);
    for (const r of [interaction('r1', 'stable'), interaction('r2', 'canary'), interaction('r3', 'canary')]) await sink.publish(r);
    const perVariant = new Map<string, number>();
    const seen: unknown[] = [];
    let handled = 0;
    const source = await log.source({ durable: 'reader', fetchExpiresMs: 1000 });
    let handle: ConsumerHandle | undefined;
    try {
      handle = await source.consume(
        async () => {
          handled++;
          return 'ack';
        },
        {
          preview: (h) => {
            const fields = readInteractionHeaders(h);
            if (!fields) return undefined;
            seen.push(fields);
            perVariant.set(fields.variant, (perVariant.get(fields.variant) ?? 0) + 1);
            return 'ack';
          },
        },
      );
      await waitFor(async () => (await consumerState('PREVIEW_INTERACTIONS', 'reader')).ackFloor === 3, 15_000, 'every record settled');
      expect(Object.fromEntries(perVariant)).toEqual({ stable: 1, canary: 2 });
      expect(handled).toBe(0);
      expect(seen).toEqual(['r1', 'r2', 'r3'].map((requestId, i) => ({ tenant: 'acme', requestId, variant: i === 0 ? 'stable' : 'canary', timestamp: 1_000, outcome: 'ok' })));
    } finally {
      await handle?.stop();
    }
  }, 30_000);
});
