import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AppError, Limits } from '@ragops/contracts';
import { postJson, postRaw, resetGateway, startGateway, T0, type TestGateway, withGateway } from '../test/gateway.fakes.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
beforeEach(() => resetGateway(gw));
afterAll(async () => {
  await gw.app.close();
});

const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `doc-${i}`, text: `document number ${i}` }));
type Inject = (gw: TestGateway) => ReturnType<TestGateway['app']['inject']>;

describe('POST /v1/documents', () => {
  it('202: creates the job, enqueues batches for the default tenant and index, echoes x-request-id', async () => {
    const res = await postJson(gw.app, '/v1/documents', { documents: docs(70) }, { 'x-request-id': 'req-42' });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(res.json()).toEqual({ jobId: 'job-1', documents: 70, batches: 3 });

    expect(gw.ports.portsCalled()).toEqual(['createJob', 'enqueue']);
    const [create, enqueue] = gw.ports.calls;
    expect(create).toEqual({
      port: 'createJob',
      job: { jobId: 'job-1', tenant: 'default', index: 'default', createdAt: T0, totalDocuments: 70, batches: 3 },
    });
    if (enqueue.port !== 'enqueue') throw new Error('expected enqueue');
    expect(enqueue.batches.map((b) => [b.batch, b.documents.length, b.tenant, b.index])).toEqual([
      [0, 32, 'default', 'default'],
      [1, 32, 'default', 'default'],
      [2, 6, 'default', 'default'],
    ]);
  });

  it('stamps the tenant header and the configured index on the job (trace context rides in message headers)', async () => {
    await withGateway({ INDEX: 'scifact-v2' }, async (own) => {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const body = { documents: [{ id: 'a', title: 'A', text: '# A\n\nbody', format: 'markdown', source: 'a.md', metadata: { year: 2020, tags: ['x'] } }] };
      const res = await postJson(own.app, '/v1/documents', body, { 'x-ragops-tenant': 'acme', traceparent });
      expect(res.statusCode).toBe(202);
      const enqueue = own.ports.calls[1];
      if (enqueue.port !== 'enqueue') throw new Error('expected enqueue');
      expect(enqueue.batches[0]).toEqual({
        jobId: 'job-1',
        batch: 0,
        batches: 1,
        tenant: 'acme',
        index: 'scifact-v2',
        documents: body.documents,
      });
    });
  });

  it(`accepts exactly ${Limits.maxDocumentsPerRequest} documents`, async () => {
    const res = await postJson(gw.app, '/v1/documents', { documents: docs(Limits.maxDocumentsPerRequest) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ documents: 1000, batches: 32 });
  });

  it('503 UNAVAILABLE when the queue refuses; the job then reads queued (never started)', async () => {
    gw.ports.enqueueError = new AppError('UNAVAILABLE', 'ingest stream unavailable; retry');
    const res = await postJson(gw.app, '/v1/documents', { documents: docs(2) });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('UNAVAILABLE');
    const job = await gw.app.inject({ method: 'GET', url: '/v1/jobs/job-1' });
    expect(job.statusCode).toBe(200);
    expect(job.json()).toMatchObject({ status: 'queued', batches: { total: 1, done: 0 } });
  });

  const valid = { id: 'ok', text: 'fine' };
  const bad: [string, number, string, Inject][] = [
    ['malformed JSON', 400, 'INVALID_JSON', (g) => postRaw(g.app, '/v1/documents', '{"documents": [', { 'content-type': 'application/json' })],
    ['empty JSON body', 400, 'INVALID_JSON', (g) => postRaw(g.app, '/v1/documents', '', { 'content-type': 'application/json' })],
    ['no body at all', 400, 'VALIDATION_FAILED', (g) => g.app.inject({ method: 'POST', url: '/v1/documents' })],
    ['a JSON array body', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', [valid])],
    ['a JSON string body', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', 'documents')],
    ['JSON null', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', null)],
    ['documents not an array', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: valid })],
    ['missing documents', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', {})],
    ['empty documents', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [] })],
    ['unknown top-level field', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [valid], index: 'x' })],
    ['unknown document field', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ ...valid, body: 'x' }] })],
    ['missing text', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a' }] })],
    ['missing id', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ text: 'a' }] })],
    ['numeric id', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 7, text: 'a' }] })],
    ['numeric text', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a', text: 7 }] })],
    ['id with whitespace', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a b', text: 'x' }] })],
    ['empty text', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a', text: '' }] })],
    ['whitespace-only text', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a', text: ' \n\t ' }] })],
    ['unknown format', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [{ ...valid, format: 'pdf' }] })],
    [
      `text over ${Limits.maxDocumentChars} characters`,
      400,
      'VALIDATION_FAILED',
      (g) => postJson(g.app, '/v1/documents', { documents: [{ id: 'a', text: 'x'.repeat(Limits.maxDocumentChars + 1) }] }),
    ],
    [
      `${Limits.maxDocumentsPerRequest + 1} documents`,
      413,
      'TOO_MANY_DOCUMENTS',
      (g) => postJson(g.app, '/v1/documents', { documents: docs(Limits.maxDocumentsPerRequest + 1) }),
    ],
    ['duplicate ids', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [...docs(3), { id: 'doc-1', text: 'again' }] })],
    ['bad tenant header', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [valid] }, { 'x-ragops-tenant': 'acme corp' })],
    ['over-long tenant header', 400, 'VALIDATION_FAILED', (g) => postJson(g.app, '/v1/documents', { documents: [valid] }, { 'x-ragops-tenant': 't'.repeat(65) })],
    ['text/plain body', 415, 'UNSUPPORTED_MEDIA_TYPE', (g) => postRaw(g.app, '/v1/documents', JSON.stringify({ documents: [valid] }), { 'content-type': 'text/plain' })],
    ['form body', 415, 'UNSUPPORTED_MEDIA_TYPE', (g) => postRaw(g.app, '/v1/documents', 'documents=x', { 'content-type': 'application/x-www-form-urlencoded' })],
    [
      'body over BODY_LIMIT_BYTES (16 MiB)',
      413,
      'PAYLOAD_TOO_LARGE',
      (g) => postRaw(g.app, '/v1/documents', Buffer.alloc(16 * 1024 * 1024 + 1, 0x20), { 'content-type': 'application/json' }),
    ],
  ];

  it.each(bad)('rejects %s with %i %s and calls no port', async (_name, status, code, send) => {
    const res = await send(gw);
    expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
    expect(res.json().error.message).toEqual(expect.any(String));
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(gw.ports.calls).toEqual([]);
  });

  it('names the offending field and the duplicate ids in the message', async () => {
    const field = await postJson(gw.app, '/v1/documents', { documents: [{ id: 'a', text: 'ok' }, { id: 'b', text: '  ' }] });
    expect(field.json().error.message).toContain('documents[1].text: text must not be empty');
    expect(field.json().error.details.issues).toEqual([{ path: 'documents[1].text', message: 'text must not be empty' }]);

    const dup = await postJson(gw.app, '/v1/documents', { documents: [...docs(3), { id: 'doc-2', text: 'again' }] });
    expect(dup.json().error.message).toContain('doc-2');
    expect(dup.json().error.details).toEqual({ duplicates: ['doc-2'], count: 1 });

    const tenant = await postJson(gw.app, '/v1/documents', { documents: [valid] }, { 'x-ragops-tenant': 'a/b' });
    expect(tenant.json().error.message).toContain('x-ragops-tenant');
  });
});

describe('GET /v1/jobs/:id', () => {
  async function seedJob(tenant?: string) {
    const headers: Record<string, string> = tenant ? { 'x-ragops-tenant': tenant } : {};
    expect((await postJson(gw.app, '/v1/documents', { documents: docs(40) }, headers)).statusCode).toBe(202);
    gw.ports.calls.length = 0;
  }

  it('finds the job right after the 202, queued', async () => {
    await seedJob();
    const res = await gw.app.inject({ method: 'GET', url: '/v1/jobs/job-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      jobId: 'job-1',
      status: 'queued',
      tenant: 'default',
      index: 'default',
      createdAt: T0,
      updatedAt: T0,
      batches: { total: 2, done: 0 },
      documents: { total: 40, indexed: 0, unchanged: 0, failed: 0 },
      chunks: 0,
      errors: [],
    });
  });

  it('sums batch results into the view', async () => {
    await seedJob('acme');
    const entry = gw.ports.jobs.get('job-1');
    if (!entry) throw new Error('job not stored');
    entry.started.push(0, 1);
    entry.results.push(
      { batch: 0, indexed: 30, unchanged: 1, failed: 1, chunks: 50, errors: [{ docId: 'doc-3', code: 'VALIDATION_FAILED', message: 'bad html' }], finishedAt: T0 + 900 },
      { batch: 1, indexed: 8, unchanged: 0, failed: 0, chunks: 9, errors: [], finishedAt: T0 + 700 },
    );
    const res = await gw.app.inject({ method: 'GET', url: '/v1/jobs/job-1', headers: { 'x-ragops-tenant': 'acme' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'done',
      updatedAt: T0 + 900,
      batches: { total: 2, done: 2 },
      documents: { total: 40, indexed: 38, unchanged: 1, failed: 1 },
      chunks: 59,
      errors: [{ docId: 'doc-3', code: 'VALIDATION_FAILED', message: 'bad html' }],
    });
  });

  it('404 JOB_NOT_FOUND for an unknown id', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('JOB_NOT_FOUND');
  });

  it("404 JOB_NOT_FOUND for another tenant's job, indistinguishable from an unknown id", async () => {
    await seedJob('acme');
    const other = await gw.app.inject({ method: 'GET', url: '/v1/jobs/job-1', headers: { 'x-ragops-tenant': 'globex' } });
    const dflt = await gw.app.inject({ method: 'GET', url: '/v1/jobs/job-1' });
    for (const res of [other, dflt]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('JOB_NOT_FOUND');
    }
  });

  it.each([
    ['bad tenant header', { url: '/v1/jobs/job-1', headers: { 'x-ragops-tenant': 'ac me' } }],
    ['a job id with forbidden characters', { url: '/v1/jobs/job.1', headers: {} }],
    ['an over-long job id', { url: `/v1/jobs/${'j'.repeat(129)}`, headers: {} }],
    ['a malformed URL', { url: '/v1/jobs/%E0%A4%A', headers: {} }],
  ])('400 VALIDATION_FAILED for %s, without touching the store', async (_name, req) => {
    const res = await gw.app.inject({ method: 'GET', ...req });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(gw.ports.calls).toEqual([]);
  });
});
