import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultVariant, type RequestContext } from '@ragops/contracts';
import { loadModel2VecFromHub } from '@ragops/models';
import { HubDoubleServer } from '@ragops/testing';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(repoRoot, '../shared/data/model2vec-test-fixtures');
const ctx: RequestContext = { requestId: 'req-1', tenant: 'acme', deadline: Number.MAX_SAFE_INTEGER, variant: defaultVariant };
const REPO = 'minishlab/test-model';

async function modelFiles(name: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const file of ['config.json', 'tokenizer.json', 'model.safetensors']) out[file] = await readFile(join(fixtures, name, file));
  return out;
}

describe('loadModel2VecFromHub (against a Hub protocol double, through @huggingface/hub)', () => {
  let hub: HubDoubleServer;
  let cacheDir: string;
  let expectedShort: number[];

  beforeAll(async () => {
    const float32 = await modelFiles('test-model-float32');
    const { ['model.safetensors']: _model, ...withoutWeights } = float32;
    hub = await HubDoubleServer.start({ repos: { [REPO]: { main: float32, v2: await modelFiles('test-model-float16'), broken: withoutWeights } } });
    expectedShort = (JSON.parse(await readFile(join(fixtures, 'embeddings_short.json'), 'utf8')) as number[][])[0]!;
  });
  afterAll(() => hub.close());
  afterEach(async () => {
    hub.fault = undefined;
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });
  const freshCache = async () => (cacheDir = await mkdtemp(join(tmpdir(), 'ragops-hf-')));

  it('downloads the three files, embeds exactly as the Python reference, and names the model after the repo', async () => {
    const model = await loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: hub.url });
    expect(model.model).toBe(REPO);
    const [v] = await model.embed(['hello world'], 'query', ctx);
    expect(v).toEqual(expectedShort);
    expect(await readdir(join(cacheDir, 'minishlab--test-model', 'main'))).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('loads a cached revision without touching the network', async () => {
    await loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: hub.url });
    const before = hub.requests.length;
    hub.fault = { status: 500 };
    const again = await loadModel2VecFromHub({ repo: REPO, cacheDir, hubUrl: hub.url });
    expect(hub.requests.length).toBe(before);
    expect((await again.embed(['hello world'], 'query', ctx))[0]).toEqual(expectedShort);
  });

  it('keeps revisions apart', async () => {
    const dir = await freshCache();
    const v2 = await loadModel2VecFromHub({ repo: REPO, revision: 'v2', cacheDir: dir, hubUrl: hub.url });
    const [v] = await v2.embed(['hello world'], 'query', ctx);
    expect(Math.max(...v!.map((x, i) => Math.abs(x - expectedShort[i]!)))).toBeLessThan(1e-3); // float16 copy
    expect((await readdir(join(dir, 'minishlab--test-model'))).sort()).toEqual(['v2']);
  });

  it('sends the access token when one is configured, and says HF_TOKEN is needed when it is wrong', async () => {
    const gated = await HubDoubleServer.start({ repos: { [REPO]: { main: await modelFiles('test-model-float32') } }, token: 'hf_secret' });
    try {
      await expect(loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: gated.url })).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringContaining('HF_TOKEN'),
      });
      const model = await loadModel2VecFromHub({ repo: REPO, cacheDir, hubUrl: gated.url, accessToken: 'hf_secret' });
      expect(model.dimensions).toBe(2);
      expect(gated.requests.at(-1)?.authorization).toBe('Bearer hf_secret');
    } finally {
      await gated.close();
    }
  });

  it.each([
    ['an unknown repository', { repo: 'nobody/nothing' }, 'NOT_FOUND'],
    ['an unknown revision', { repo: REPO, revision: 'no-such-branch' }, 'NOT_FOUND'],
    ['a repository without model.safetensors', { repo: REPO, revision: 'broken' }, 'NOT_FOUND'],
  ])('%s is NOT_FOUND and leaves no partial model behind', async (_name, where, code) => {
    const dir = await freshCache();
    await expect(loadModel2VecFromHub({ ...where, cacheDir: dir, hubUrl: hub.url })).rejects.toMatchObject({ name: 'AppError', code });
    const left = await readdir(dir, { recursive: true });
    expect(left.filter((f) => String(f).endsWith('model.safetensors'))).toEqual([]);
  });

  it('rejects malformed repo and revision names before any request', async () => {
    const before = hub.requests.length;
    await expect(loadModel2VecFromHub({ repo: '../etc', cacheDir: await freshCache(), hubUrl: hub.url })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(loadModel2VecFromHub({ repo: REPO, revision: '../../x', cacheDir, hubUrl: hub.url })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(hub.requests.length).toBe(before);
  });

  it('a Hub 5xx is UPSTREAM_FAILED', async () => {
    hub.fault = { status: 503 };
    await expect(loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: hub.url })).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });

  it('a body cut short writes nothing that a later start would trust', async () => {
    const dir = await freshCache();
    hub.fault = { truncateBody: true };
    await expect(loadModel2VecFromHub({ repo: REPO, cacheDir: dir, hubUrl: hub.url })).rejects.toMatchObject({ name: 'AppError' });
    expect(await readdir(join(dir, 'minishlab--test-model', 'main'))).toEqual([]);
    hub.fault = undefined;
    const model = await loadModel2VecFromHub({ repo: REPO, cacheDir: dir, hubUrl: hub.url });
    expect((await model.embed(['hello world'], 'query', ctx))[0]).toEqual(expectedShort);
  });

  it('a Hub that never answers is DEADLINE_EXCEEDED within the bound', async () => {
    hub.fault = { hang: true };
    const started = Date.now();
    await expect(loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: hub.url, timeoutMs: 300 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('no Hub at all is UNAVAILABLE and says how to work offline', async () => {
    const gone = await HubDoubleServer.start({ repos: {} });
    const url = gone.url;
    await gone.close();
    await expect(loadModel2VecFromHub({ repo: REPO, cacheDir: await freshCache(), hubUrl: url })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('MODEL2VEC_PATH'),
    });
  });
});
