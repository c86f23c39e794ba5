import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { buildRun, DEFAULT_BOOTSTRAP, type RunRecord } from '@ragops/evaluation';
import { connectTestNats, deleteStreams, uniqueName } from '@ragops/testing';
import { ObjectRunStore } from '../src/index.js';

let nc: NatsConnection;
const buckets: string[] = [];
const bucket = () => {
  const name = uniqueName('ragops-test-runs');
  buckets.push(name);
  return name;
};

/** A valid run with `queries` queries, each retrieving `docs` documents (so its JSON size is under control). */
function run(id: string, queries: number, docs = 3): RunRecord {
  const ids = Array.from({ length: queries }, (_, i) => `q${i}`);
  return buildRun({
    id,
    createdAt: '2026-11-21T12:00:00.000Z',
    variant: 'default',
    git: { revision: 'abc', dirty: false },
    config: { target: 'in-process', topK: docs, ks: [1, 10], mode: 'sparse', split: 'test', limit: null, ignoreIdenticalIds: true, answerMetrics: [], answerTopK: null, tenant: null, platform: {} },
    dataset: { name: 'tiny', version: 'sha256:00', split: 'test', documents: docs },
    qrels: new Map(ids.map((q) => [q, new Map([[`${q}-d0`, 1]])])),
    observations: ids.map((q) => ({ id: q, text: `question ${q}`, ranked: Array.from({ length: docs }, (_, d) => (d === 0 ? `${q}-d0` : `${q}-document-${String(d).padStart(6, '0')}`)), latencyMs: 1 })),
    answerMetrics: [],
    bootstrap: { ...DEFAULT_BOOTSTRAP, samples: 100 },
    timing: { wallMs: 1, ingestMs: null, queryMs: 1 },
  });
}

beforeAll(async () => {
  nc = await connectTestNats('object-run-store-test');
});
afterAll(async () => {
  await deleteStreams(nc, ...buckets.map((b) => `OBJ_${b}`));
  await nc.close();
});

describe('ObjectRunStore on a NATS object store', () => {
  it('stores, reads back and lists runs; saving an id again replaces it', async () => {
    const store = await ObjectRunStore.open({ nc, bucket: bucket() });
    expect(await store.list()).toEqual([]);
    const a = run('run-a', 3);
    const b = run('run-b', 2);
    await store.save(a);
    await store.save(b);
    expect(await store.get('run-a')).toEqual(a);
    expect(await store.get('missing')).toBeUndefined();
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['run-a', 'run-b']);
    const a2 = { ...run('run-a', 4) };
    await store.save(a2);
    expect((await store.get('run-a'))?.queries).toHaveLength(4);
    expect(await store.list()).toHaveLength(2);
  });

  it('keeps a run larger than a NATS message (chunked) intact', async () => {
    const store = await ObjectRunStore.open({ nc, bucket: bucket() });
    const big = run('big', 400, 150); // over 1 MiB of JSON, like a SciFact run
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    await store.save(big);
    expect(await store.get('big')).toEqual(big);
  });

  it('creates a file-storage bucket, and reopening it sees what was stored', async () => {
    const name = bucket();
    await (await ObjectRunStore.open({ nc, bucket: name })).save(run('kept', 1));
    const info = await (await jetstreamManager(nc)).streams.info(`OBJ_${name}`);
    expect(info.config.storage).toBe('file');
    expect((await (await ObjectRunStore.open({ nc, bucket: name })).get('kept'))?.id).toBe('kept');
  });

  it('leaves an object that is not a valid run out of the list, saying so', async () => {
    const name = bucket();
    const skipped: string[] = [];
    const store = await ObjectRunStore.open({ nc, bucket: name, onSkip: (n, reason) => skipped.push(`${n}: ${reason}`) });
    await store.save(run('good', 1));
    const os = await new Objm(nc).open(name);
    await os.putBlob({ name: 'junk.json' }, new TextEncoder().encode('{"schemaVersion": 1'));
    await os.putBlob({ name: 'other.json' }, new TextEncoder().encode('{"id": "x"}'));
    await os.putBlob({ name: 'notes.txt' }, new TextEncoder().encode('ignored'));
    expect((await store.list()).map((r) => r.id)).toEqual(['good']);
    expect(skipped).toEqual([expect.stringMatching(/^junk\.json: stored run .*junk\.json is not valid JSON$/), expect.stringMatching(/^other\.json: invalid stored run .*other\.json: /)]);
    await expect(store.get('junk')).rejects.toMatchObject({ code: 'INVALID_JSON' });
  });

  it('a connection that is gone: UNAVAILABLE naming the bucket', async () => {
    const own = await connectTestNats('object-run-store-closed');
    const name = bucket();
    const store = await ObjectRunStore.open({ nc: own, bucket: name });
    await own.close();
    await expect(store.save(run('late', 1))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(`cannot store run late in ${name}`) });
  });
});
