import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBeirDataset } from './beir.dataset.js';

let root: string;

async function dataset(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
}

const corpus = '{"_id":"d1","title":"One","text":"first"}\r\n\r\n{"_id":"d2","text":"second"}\n{"_id":"d3","text":"third"}';
const queries = '{"_id":"q1","text":"what is one"}\n{"_id":"q2","text":"what is two"}\n{"_id":"q3","text":"unjudged"}\n';
const qrels = 'query-id\tcorpus-id\tscore\nq2\td2\t1\nq1\td1\t2\nq1\td3\t0\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ragops-beir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadBeirDataset', () => {
  it('reads the judged queries in qrels order, counts documents, and names the dataset by its directory', async () => {
    const dir = await dataset('tiny', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels });
    const d = await loadBeirDataset(dir, 'test');
    expect(d).toMatchObject({ name: 'tiny', split: 'test', documents: 3, corpusPath: join(dir, 'corpus.jsonl') });
    expect(d.queries).toEqual([
      { id: 'q2', text: 'what is two' },
      { id: 'q1', text: 'what is one' },
    ]);
    expect(d.qrels.get('q1')).toEqual(new Map([['d1', 2], ['d3', 0]]));
    expect(d.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await loadBeirDataset(dir, 'test', 1)).queries).toEqual([{ id: 'q2', text: 'what is two' }]);
  });

  it('versions the content: CRLF does not change it, any edit does, and so does another split', async () => {
    const a = await loadBeirDataset(await dataset('a', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels, 'qrels/dev.tsv': qrels }), 'test');
    const crlf = await loadBeirDataset(await dataset('b', { 'corpus.jsonl': corpus.replace(/\r?\n/g, '\r\n'), 'queries.jsonl': queries, 'qrels/test.tsv': qrels }), 'test');
    const edited = await loadBeirDataset(await dataset('c', { 'corpus.jsonl': corpus.replace('third', 'Third'), 'queries.jsonl': queries, 'qrels/test.tsv': qrels }), 'test');
    const dev = await loadBeirDataset(join(root, 'a'), 'dev');
    expect(crlf.version).toBe(a.version);
    expect(edited.version).not.toBe(a.version);
    expect(dev.version).not.toBe(a.version);
  });

  it('refuses what cannot be evaluated, naming the file', async () => {
    const missingText = await dataset('missing-text', { 'corpus.jsonl': corpus, 'queries.jsonl': '{"_id":"q1","text":"x"}\n', 'qrels/test.tsv': 'q1\td1\t1\nq9\td1\t1\n' });
    await expect(loadBeirDataset(missingText, 'test')).rejects.toThrow(/qrels\/test\.tsv judges 1 query that queries\.jsonl lacks: q9/);
    const empty = await dataset('empty', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\n' });
    await expect(loadBeirDataset(empty, 'test')).rejects.toThrow(/judges no query: an empty evaluation passes any gate/);
    const badQrels = await dataset('bad-qrels', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': 'q1\td1\n' });
    await expect(loadBeirDataset(badQrels, 'test')).rejects.toThrow(/bad-qrels\/qrels\/test\.tsv: qrels line 1/);
    const badQueries = await dataset('bad-queries', { 'corpus.jsonl': corpus, 'queries.jsonl': '{"_id": 1,', 'qrels/test.tsv': qrels });
    await expect(loadBeirDataset(badQueries, 'test')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/bad-queries\/queries\.jsonl: queries line 1/) });
    const noCorpus = await dataset('no-corpus', { 'queries.jsonl': queries, 'qrels/test.tsv': qrels });
    await expect(loadBeirDataset(noCorpus, 'test')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/has no corpus\.jsonl \(a BEIR dataset directory holds/) });
    await expect(loadBeirDataset(join(root, 'tiny'), '../../etc/passwd')).rejects.toThrow(/--split "\.\.\/\.\.\/etc\/passwd": use a qrels file name/);
    await expect(loadBeirDataset(join(root, 'tiny', 'corpus.jsonl'), 'test')).rejects.toThrow(/is not a directory/);
  });
});
