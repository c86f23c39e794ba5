import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { defaultVariant, type InteractionRecord, Streams } from '@ragops/contracts';
import { JetStreamInteractionSink, JetStreamRecordLog, openInteractionLog } from '@ragops/messaging';
import { connectNats } from '@ragops/platform';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { type AllInOnePlatform, startAllInOne } from '../src/platform/all-in-one.platform.js';
import { eventually, sample } from './interactions.harness.js';

const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'apps/cli/bin/ragops.js');
const sha = `sha256:${'3'.repeat(64)}`;

function record(requestId: string, tenant = 'acme', padding = 0): InteractionRecord {
  return {
    schemaVersion: 1,
    requestId,
    tenant,
    timestamp: Date.now(),
    variant: defaultVariant,
    content: 'redacted',
    outcome: 'ok',
    query: { text: `question ${requestId} ${'x'.repeat(padding)}`, hash: sha },
    filtered: false,
    latencyMs: { total: 12 },
  };
}

/** Runs the built CLI; resolves with its output once it exits. */
function cli(args: string[], onStart?: (child: ChildProcess) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    onStart?.(child);
  });
}

describe('the interaction stream on JetStream', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats(nats.url, 'interactions-test');
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('enforces a message-count limit by discarding the oldest records', async () => {
    const log = await JetStreamRecordLog.open({ nc, stream: 'LIMIT_MSGS', subjects: 'limit.msgs.>', limits: { maxBytes: 1024 * 1024, maxAgeMs: 3_600_000, maxMsgs: 5 }, manage: 'update' });
    for (let i = 1; i <= 8; i++) await log.publish(`limit.msgs.acme`, `m${i}`, { i });
    const info = await log.info();
    expect(info.state.messages).toBe(5);
    expect(info.state.first_seq).toBe(4);
    expect(info.state.last_seq).toBe(8);
    expect(info.config).toMatchObject({ max_msgs: 5, discard: 'old', retention: 'limits' });
  });

  it('enforces a byte limit by discarding the oldest records, keeping the newest', async () => {
    const log = await JetStreamRecordLog.open({ nc, stream: 'LIMIT_BYTES', subjects: 'limit.bytes.>', limits: { maxBytes: 8 * 1024, maxAgeMs: 3_600_000 }, manage: 'update' });
    for (let i = 1; i <= 20; i++) await log.publish('limit.bytes.acme', `b${i}`, { i, pad: 'p'.repeat(1000) });
    const info = await log.info();
    expect(info.state.bytes).toBeLessThanOrEqual(8 * 1024);
    expect(info.state.messages).toBeGreaterThan(0);
    expect(info.state.messages).toBeLessThan(20);
    expect(info.state.last_seq).toBe(20);
    expect(info.state.first_seq).toBe(20 - info.state.messages + 1);
  });

  it('expires records older than the age limit', async () => {
    const log = await JetStreamRecordLog.open({ nc, stream: 'LIMIT_AGE', subjects: 'limit.age.>', limits: { maxBytes: 1024 * 1024, maxAgeMs: 1000 }, manage: 'update' });
    await log.publish('limit.age.acme', 'a1', { i: 1 });
    expect((await log.info()).state.messages).toBe(1);
    await eventually(async () => (await log.info()).state.messages === 0, 10_000, 'expiry');
  });

  it('stores a re-published record once (same record id within the duplicate window)', async () => {
    const sink = new JetStreamInteractionSink(await openInteractionLog(nc, { maxBytes: 1024 * 1024, maxAgeMs: 3_600_000 }, 'update', 'DEDUP_INTERACTIONS'));
    const r = record('dup-1');
    await sink.publish(r);
    await sink.publish(r);
    await sink.publish({ ...r, timestamp: r.timestamp + 1 }); // another request that reused the id
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('DEDUP_INTERACTIONS')).state.messages).toBe(2);
    await jsm.streams.delete('DEDUP_INTERACTIONS'); // its subjects are the real stream's
  });

  it('the publisher owns the limits: it updates them; a reader creates a missing stream but never changes one', async () => {
    await openInteractionLog(nc, { maxBytes: 64 * 1024, maxAgeMs: 60_000 }, 'create', 'OWNED');
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('OWNED')).config.max_bytes).toBe(64 * 1024);
    await openInteractionLog(nc, { maxBytes: 128 * 1024, maxAgeMs: 120_000 }, 'update', 'OWNED');
    expect((await jsm.streams.info('OWNED')).config).toMatchObject({ max_bytes: 128 * 1024, max_age: 120_000 * 1e6 });
    await openInteractionLog(nc, { maxBytes: 32 * 1024, maxAgeMs: 1000 }, 'create', 'OWNED');
    expect((await jsm.streams.info('OWNED')).config.max_bytes).toBe(128 * 1024);
    // A second stream over the same subjects is refused with a clear error.
    await expect(openInteractionLog(nc, { maxBytes: 64 * 1024, maxAgeMs: 60_000 }, 'update', 'OVERLAP')).rejects.toMatchObject({ message: expect.stringMatching(/another stream already captures/) });
    await jsm.streams.delete('OWNED');
  });

  it('refuses to use a stream of the wrong kind (a work queue under the same name)', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'WRONG_KIND', subjects: ['wrong.>'], retention: 'workqueue' as never });
    await expect(JetStreamRecordLog.open({ nc, stream: 'WRONG_KIND', subjects: 'wrong.>', limits: { maxBytes: 1024 * 1024, maxAgeMs: 60_000 }, manage: 'update' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/limits retention/),
    });
  });

  it('`ragops interactions tail --nats` prints records live (new ones only by default), filtered by tenant', async () => {
    const sink = new JetStreamInteractionSink(await openInteractionLog(nc, { maxBytes: 1024 * 1024, maxAgeMs: 3_600_000 }, 'update'));
    await sink.publish(record('before-tail'));
    const jsm = await jetstreamManager(nc);
    const consumers = async () => (await jsm.consumers.list(Streams.interactions).next()).length;
    const before = await consumers();
    const run = cli(['interactions', 'tail', '--nats', nats.url, '--tenant', 'acme', '--limit', '1', '--json'], () => {
      void (async () => {
        // Publish once the CLI's ordered consumer exists, so "new records only" includes these.
        await eventually(async () => (await consumers()) > before, 20_000, 'tail consumer');
        await sink.publish(record('other-tenant', 'globex'));
        await sink.publish(record('live-1'));
      })();
    });
    const out = await run;
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: 'live-1', tenant: 'acme' });
  });

  it('`--since` replays stored records first, printed one line each', async () => {
    const out = await cli(['interactions', 'tail', '--nats', nats.url, '--since', '1h', '--tenant', 'acme', '--limit', '2']);
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ acme default before-tail 12ms ok {2}"question before-tail"$/);
    expect(lines[1]).toContain(' live-1 ');
  });

  it('a bad --since or an unreachable server is an error with a message', async () => {
    const bad = await cli(['interactions', 'tail', '--nats', nats.url, '--since', 'last tuesday']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--since takes/);
    const down = await cli(['interactions', 'tail', '--nats', 'nats://127.0.0.1:1', '--limit', '1']);
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/cannot reach NATS/);
  });
});

describe('interaction records and online evaluation in the all-in-one process', () => {
  let platform: AllInOnePlatform;

  beforeAll(async () => {
    platform = await startAllInOne({
      env: { RAGOPS_DATA_DIR: 'none', RAGOPS_SAMPLE_CORPUS: 'none', LOG_LEVEL: 'silent', EVAL_SAMPLE_RATE: '1' },
      port: 0,
    });
    const res = await fetch(`${platform.url}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documents: [{ id: 'rrf', text: 'Reciprocal rank fusion adds 1/(k + rank) over the rankings. We use k = 60.' }] }),
    });
    const { jobId } = (await res.json()) as { jobId: string };
    await eventually(async () => ((await (await fetch(`${platform.url}/v1/jobs/${jobId}`)).json()) as { status: string }).status === 'done', 10_000, 'ingest');
  });
  afterAll(() => platform?.close());

  it('records each query, streams it to `ragops interactions tail --url`, and scores it on the evaluation /metrics', async () => {
    const q = await fetch(`${platform.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'aio-1' }, body: JSON.stringify({ query: 'What k does reciprocal rank fusion use?' }) });
    expect(q.status).toBe(200);
    const out = await cli(['interactions', 'tail', '--url', platform.url, '--since', '10m', '--limit', '1']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/ default default aio-1 \d+ms ok hits=1 extractive stop \d+\+\d+tok {2}"What k does reciprocal rank fusion use\?" → "Reciprocal rank fusion adds/);

    const evalUrl = platform.interactions!.evaluationUrl;
    await eventually(async () => sample(await (await fetch(`${evalUrl}/metrics`)).text(), 'ragops_online_eval_judged_total', { variant: 'default', outcome: 'scored' }) === 1, 10_000, 'scored');
    const fb = await fetch(`${platform.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestId: 'aio-1', rating: 'down' }) });
    expect(fb.status).toBe(202);
    await eventually(async () => sample(await (await fetch(`${evalUrl}/metrics`)).text(), 'ragops_feedback_total', { variant: 'default', rating: 'negative' }) === 1, 10_000, 'feedback');
  });

  it('`tail --url` against a gateway without records says to use --nats', async () => {
    const out = await cli(['interactions', 'tail', '--url', 'http://127.0.0.1:1']);
    expect(out.code).toBe(69);
    expect(out.stderr).toMatch(/no ragops gateway answers/);
  });
});
