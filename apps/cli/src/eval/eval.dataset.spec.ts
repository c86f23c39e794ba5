import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBeirDataset } from './beir.dataset.js';
import { loadEvalDataset, type LoadDatasetOptions } from './eval.dataset.js';

let root: string;

async function dataset(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
}

const corpus = '{"_id":"d1","title":"One","text":"first"}\n{"_id":"d2","text":"second"}\n{"_id":"d3","text":"third"}\n';
const queries = '{"_id":"q1","text":"what is one"}\n{"_id":"q2","text":"what is two"}\n{"_id":"q3","text":"unjudged"}\n';
const qrels = 'query-id\tcorpus-id\tscore\nq2\td2\t1\nq1\td1\t2\n';
const qa = [
  '{"id":"q1","question":"What is one?","ground_truth":"One is first.","reference_contexts":["first"]}',
  '{"id":"q3","question":"Unjudged?","ground_truth":"Yes."}',
].join('\n');
const qaOnly = [
  '{"id":"a","question":"What is one?","ground_truth":"One is first.","relevant_doc_ids":["d1"]}',
  '{"id":"b","question":"What is two?","ground_truth":["Two is second.","It follows one."],"relevant_doc_ids":{"d2":2}}',
  '{"id":"c","question":"What is nothing?","ground_truth":"Nothing is here."}',
].join('\n');

const opts = (over: Partial<LoadDatasetOptions> = {}): LoadDatasetOptions => ({ split: 'test', needCorpus: true, ...over });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ragops-evalds-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadEvalDataset', () => {
  it('reads a BEIR directory exactly as loadBeirDataset does', async () => {
    const dir = await dataset('beir', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels });
    const d = await loadEvalDataset(dir, opts({ limit: 1 }));
    const beir = await loadBeirDataset(dir, 'test', 1);
    expect(d).toMatchObject({ layout: 'beir', version: beir.version, queries: beir.queries, qrels: beir.qrels, documents: 3, qaPath: null });
  });

  it('BEIR + qa.jsonl: QA rows give the queries with their id a ground truth; the version covers qa.jsonl', async () => {
    const dir = await dataset('beir-qa', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels, 'qa.jsonl': qa });
    const d = await loadEvalDataset(dir, opts());
    expect(d.layout).toBe('beir+qa');
    expect(d.qaPath).toBe(join(dir, 'qa.jsonl'));
    // q3 is in queries.jsonl but not judged in this split: its row is valid and simply not evaluated.
    expect(d.queries).toEqual([
      { id: 'q2', text: 'what is two' },
      { id: 'q1', text: 'what is one', groundTruth: 'One is first.', referenceContexts: ['first'] },
    ]);
    expect(d.qrels).toEqual((await loadBeirDataset(dir, 'test')).qrels);
    const withoutQa = await loadEvalDataset(await dataset('beir-no-qa', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels }), opts());
    expect(d.version).not.toBe(withoutQa.version);
    const edited = await loadEvalDataset(await dataset('beir-qa-edited', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels, 'qa.jsonl': qa.replace('Yes.', 'No.') }), opts());
    expect(edited.version).not.toBe(d.version);
  });

  it('--qa points at a QA file elsewhere, replacing the directory\'s own, and versions alike', async () => {
    const elsewhere = join(await dataset('qa-files', { 'other.jsonl': qa }), 'other.jsonl');
    const dir = await dataset('beir-plus', { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels, 'qa.jsonl': '{"id":"q9","question":"?","ground_truth":"nine"}' });
    const d = await loadEvalDataset(dir, opts({ qaPath: elsewhere }));
    expect(d.qaPath).toBe(elsewhere);
    expect(d.queries[1]?.groundTruth).toBe('One is first.');
    expect(d.version).toBe((await loadEvalDataset(join(root, 'beir-qa'), opts())).version);
  });

  it('qa.jsonl alone: the rows are the queries, their relevant docs the qrels; rows without any stay unjudged', async () => {
    const dir = await dataset('qa-only', { 'corpus.jsonl': corpus, 'qa.jsonl': qaOnly });
    const d = await loadEvalDataset(dir, opts());
    expect(d).toMatchObject({ name: 'qa-only', layout: 'qa', split: 'test', documents: 3, corpusPath: join(dir, 'corpus.jsonl') });
    expect(d.queries.map((q) => [q.id, q.text, q.groundTruth])).toEqual([
      ['a', 'What is one?', 'One is first.'],
      ['b', 'What is two?', 'Two is second.\nIt follows one.'],
      ['c', 'What is nothing?', 'Nothing is here.'],
    ]);
    expect(d.qrels).toEqual(new Map([['a', new Map([['d1', 1]])], ['b', new Map([['d2', 2]])]]));
    expect((await loadEvalDataset(dir, opts({ limit: 2 }))).queries.map((q) => q.id)).toEqual(['a', 'b']);
    // The corpus is part of the version; with --target it may be absent.
    const other = await loadEvalDataset(await dataset('qa-only-2', { 'corpus.jsonl': corpus.replace('third', 'Third'), 'qa.jsonl': qaOnly }), opts());
    expect(other.version).not.toBe(d.version);
    const remote = await loadEvalDataset(await dataset('qa-remote', { 'qa.jsonl': qaOnly }), opts({ needCorpus: false }));
    expect(remote).toMatchObject({ layout: 'qa', corpusPath: null, documents: null });
  });

  it('refuses bad input, naming the file and the line', async () => {
    const beirFiles = { 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': qrels };
    const badLine = await dataset('bad-line', { ...beirFiles, 'qa.jsonl': `${qa}\n{"id":"q2","question":"x?"}\n` });
    await expect(loadEvalDataset(badLine, opts())).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/bad-line\/qa\.jsonl: qa line 3: ground_truth: /) });
    const notJson = await dataset('not-json', { 'corpus.jsonl': corpus, 'qa.jsonl': '{"question":"a?","ground_truth":"A."}\n{"question": \n' });
    await expect(loadEvalDataset(notJson, opts())).rejects.toThrow(/not-json\/qa\.jsonl: qa line 2: not valid JSON/);
    const unmatched = await dataset('unmatched', { ...beirFiles, 'qa.jsonl': `${qa}\n{"id":"Q1","question":"x?","ground_truth":"X."}\n{"question":"y?","ground_truth":"Y."}` });
    await expect(loadEvalDataset(unmatched, opts())).rejects.toThrow(/unmatched\/qa\.jsonl: 2 rows of 4 match no query in .*queries\.jsonl: Q1, #4 .*numbered #<n>/);
    await expect(loadEvalDataset(join(root, 'beir'), opts({ qaPath: join(root, 'nope.jsonl') }))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/QA file .*nope\.jsonl: no such file/) });
    const noCorpus = await dataset('qa-no-corpus', { 'qa.jsonl': qaOnly });
    await expect(loadEvalDataset(noCorpus, opts())).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/has no corpus\.jsonl: an in-process run ingests it/) });
    await expect(loadEvalDataset(join(root, 'qa-only'), opts({ split: 'dev' }))).rejects.toThrow(/--split dev: .* is a QA dataset .* which has no splits/);
    const empty = await dataset('empty', {});
    await expect(loadEvalDataset(empty, opts())).rejects.toThrow(/has no \S+ \(a BEIR dataset directory holds .*; a QA dataset directory holds qa\.jsonl/);
    await expect(loadEvalDataset(join(root, 'missing'), opts())).rejects.toThrow(/no such directory/);
  });
});
