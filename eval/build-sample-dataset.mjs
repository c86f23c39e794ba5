#!/usr/bin/env node
// Converts the bundled sample corpus (data/sample-corpus: docs/*.md + golden-qa.jsonl) into the layout that
// `ragops eval run` reads: eval/datasets/sample-corpus/{corpus.jsonl, queries.jsonl, qrels/test.tsv} (BEIR) and
// qa.jsonl (QA JSONL: the ground truths of the same queries, for the answer metrics).
//   node eval/build-sample-dataset.mjs           write the files
//   node eval/build-sample-dataset.mjs --check   exit 1 if the committed files differ from what would be written
// Each document: _id = file name without .md (the id `ragops ingest` gives it), title = its "# " heading, text = the
// rest. Each question: _id = its id, text = the question; every relevant_doc_ids entry is a qrels row with grade 1;
// its qa.jsonl row keeps id, question, relevant_doc_ids and reference_contexts, with `answer` as ground_truth.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'data', 'sample-corpus');
const target = join(root, 'eval', 'datasets', 'sample-corpus');

function build() {
  const docs = readdirSync(join(source, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(source, 'docs', file), 'utf8').replace(/\r\n?/g, '\n');
      const heading = /^#\s+(.+)$/m.exec(text);
      if (!heading) throw new Error(`${file}: no "# " title line`);
      const body = text.replace(heading[0], '').trim();
      return { _id: file.slice(0, -'.md'.length), title: heading[1].trim(), text: body };
    });
  const ids = new Set(docs.map((d) => d._id));
  const questions = readFileSync(join(source, 'golden-qa.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const q = JSON.parse(l);
      if (typeof q.id !== 'string' || typeof q.question !== 'string' || !Array.isArray(q.relevant_doc_ids) || !q.relevant_doc_ids.length) {
        throw new Error(`golden-qa.jsonl line ${i + 1}: expected id, question and a non-empty relevant_doc_ids`);
      }
      if (typeof q.answer !== 'string' || !q.answer.trim()) throw new Error(`golden-qa.jsonl line ${i + 1}: expected a non-empty answer (the ground truth)`);
      for (const d of q.relevant_doc_ids) if (!ids.has(d)) throw new Error(`golden-qa.jsonl ${q.id}: relevant doc ${d} is not in docs/`);
      return q;
    });
  return {
    'corpus.jsonl': docs.map((d) => JSON.stringify(d)).join('\n') + '\n',
    'queries.jsonl': questions.map((q) => JSON.stringify({ _id: q.id, text: q.question })).join('\n') + '\n',
    'qrels/test.tsv': ['query-id\tcorpus-id\tscore', ...questions.flatMap((q) => q.relevant_doc_ids.map((d) => `${q.id}\t${d}\t1`))].join('\n') + '\n',
    'qa.jsonl':
      questions
        .map((q) => JSON.stringify({ id: q.id, question: q.question, ground_truth: q.answer, relevant_doc_ids: q.relevant_doc_ids, reference_contexts: q.reference_contexts ?? [] }))
        .join('\n') + '\n',
  };
}

const files = build();
if (process.argv.includes('--check')) {
  const stale = Object.entries(files).filter(([name, content]) => {
    const path = join(target, name);
    return !existsSync(path) || readFileSync(path, 'utf8') !== content;
  });
  if (stale.length) {
    console.error(`eval/datasets/sample-corpus is out of date (${stale.map(([n]) => n).join(', ')}): run node eval/build-sample-dataset.mjs`);
    process.exit(1);
  }
  console.log('eval/datasets/sample-corpus is up to date');
} else {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(target, name)), { recursive: true });
    writeFileSync(join(target, name), content);
  }
  console.log(`wrote ${Object.keys(files).map((n) => `eval/datasets/sample-corpus/${n}`).join(', ')}`);
}
