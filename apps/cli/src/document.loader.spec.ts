import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceDocument } from '@ragops/contracts';
import { loadDocuments } from './document.loader.js';

async function all(path: string, batchSize?: number): Promise<SourceDocument[][]> {
  const out: SourceDocument[][] = [];
  for await (const b of loadDocuments(path, batchSize)) out.push(b);
  return out;
}

describe('loadDocuments', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragops-loader-'));
    await mkdir(join(dir, 'docs', 'guides'), { recursive: true });
    await writeFile(join(dir, 'docs', 'intro.md'), '# Intro\n\nHello.');
    await writeFile(join(dir, 'docs', 'guides', 'page.html'), '<html><title>Page</title><p>Body</p></html>');
    await writeFile(join(dir, 'docs', 'notes.txt'), 'plain notes');
    await writeFile(join(dir, 'docs', 'empty.md'), '   \n');
    await writeFile(join(dir, 'docs', 'image.png'), 'not text');
    await writeFile(join(dir, 'docs', '.hidden.md'), '# hidden');
    await writeFile(join(dir, 'corpus.jsonl'), ['{"_id":"d1","title":"T1","text":"one"}', '', '{"_id":2,"title":"Only title","text":""}', '{"_id":"d3","text":"   ","title":""}'].join('\r\n'));
    await writeFile(join(dir, 'broken.jsonl'), '{"_id":"a","text":"ok"}\n{not json\n');
    await writeFile(join(dir, 'wrong-shape.jsonl'), '{"id":"a","body":"x"}\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a directory recursively with ids from relative paths, formats from extensions, titles from content', async () => {
    const docs = (await all(join(dir, 'docs'))).flat();
    expect(docs.map((d) => [d.id, d.format, d.title])).toEqual([
      ['guides/page', 'html', 'Page'],
      ['intro', 'markdown', 'Intro'],
      ['notes', 'text', undefined],
    ]); // empty, hidden and unsupported files are skipped in a directory
  });

  it('yields batches of the requested size', async () => {
    expect((await all(join(dir, 'docs'), 2)).map((b) => b.length)).toEqual([2, 1]);
  });

  it('reads a BEIR corpus.jsonl (CRLF, numeric ids, title-only documents, blank documents skipped)', async () => {
    const docs = (await all(join(dir, 'corpus.jsonl'))).flat();
    expect(docs.map((d) => [d.id, d.title, d.text])).toEqual([
      ['d1', 'T1', 'one'],
      ['2', 'Only title', 'Only title'],
    ]);
  });

  it('names the line of malformed JSON and of a wrong shape', async () => {
    await expect(all(join(dir, 'broken.jsonl'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/broken\.jsonl:2: not valid JSON/) });
    await expect(all(join(dir, 'wrong-shape.jsonl'))).rejects.toMatchObject({ message: expect.stringMatching(/:1: expected \{"_id"/) });
  });

  it('rejects a missing path and a single unsupported file clearly', async () => {
    await expect(all(join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no such file or directory/) });
    await expect(all(join(dir, 'docs', 'image.png'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/unsupported file type \.png/) });
  });
});
