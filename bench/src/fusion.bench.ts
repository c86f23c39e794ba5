/**
 * How much the dense leg should count in hybrid retrieval, decided on a BEIR *train* split: the index is built
 * with the raw pipeline (same chunker, local embedder, BM25 and MemoryVectorStore as the platform), each leg is
 * searched alone (top 200), and the two rankings are fused with weighted RRF (k 60) for a sweep of dense weights;
 * chunks collapse to documents as in beir.bench.ts. Test is printed beside train for reference only.
 *
 *   node bench/dist/fusion.bench.js [--dataset DIR] [--chunk-tokens N (default: the platform's CHUNK_MAX_TOKENS)]
 *     [--weights 0,0.1,0.2,0.3,0.5,1]
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceDocument } from '@ragops/contracts';
import { parseQrels, parseQueries } from '@ragops/evaluation';
import { LocalEmbedder } from '@ragops/models';
import { createBm25Encoder, reciprocalRankFusion } from '@ragops/search';
import { createAnalyzer } from '@ragops/text';
import { loadDocumentLoader, repoRoot } from './cli.loader.js';
import { collapseToDocuments, scoreRun } from './ir.evaluation.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { platformDefaults } from './platform.defaults.js';
import { runRawPipeline } from './raw.pipeline.js';
import { fixed } from './stats.math.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: resolve(fileURLToPath(repoRoot), '../shared/data/beir-scifact') },
    'chunk-tokens': { type: 'string', default: String(platformDefaults.chunkMaxTokens) },
    weights: { type: 'string', default: '0,0.1,0.2,0.3,0.5,1' },
  },
});
const dir = resolve(args.dataset);
const weights = args.weights.split(',').map(Number);
const splits = ['train', 'test'].filter((s) => existsSync(join(dir, 'qrels', `${s}.tsv`)));
if (!splits.includes('train')) throw new Error(`${dir}/qrels/train.tsv is missing: weights are chosen on train, never on test`);

const { loadDocuments } = await loadDocumentLoader();
const documents: SourceDocument[] = [];
for await (const batch of loadDocuments(join(dir, 'corpus.jsonl'))) documents.push(...batch);
const queries = parseQueries(await readFile(join(dir, 'queries.jsonl'), 'utf8'));

console.log(
  formatConditions('Hybrid fusion weight sweep (offline, raw pipeline, no HTTP)', {
    dataset: `${basename(dir)} (${documents.length} docs); weights chosen on train, test shown for reference`,
    chunking: `CHUNK_MAX_TOKENS ${args['chunk-tokens']}, overlap ${platformDefaults.chunkOverlapTokens}`,
    legs: 'dense: local embedder 384 dims, top 200; sparse: BM25 (k1 1.2, b 0.75, avgdl 151), top 200',
    fusion: `weighted RRF k 60, sparse weight 1, dense weight ∈ {${weights.join(', ')}} (1 = the platform's hybrid mode)`,
  }),
);

const { store } = await runRawPipeline(documents, { maxTokens: Number(args['chunk-tokens']) });
const analyzer = createAnalyzer();
const embedder = new LocalEmbedder({ analyzer });
const bm25 = createBm25Encoder({ analyzer });
const rows: (string | number)[][] = [];
for (const split of splits) {
  const qrels = parseQrels(await readFile(join(dir, 'qrels', `${split}.tsv`), 'utf8'));
  const legs = new Map<string, { dense: string[]; sparse: string[]; docOf: Map<string, string> }>();
  for (const queryId of qrels.keys()) {
    const text = queries.get(queryId);
    if (text === undefined) throw new Error(`query ${queryId} is in the qrels but not in queries.jsonl`);
    const common = { tenant: 'default', topK: 200, candidates: 200, rrfK: 60 };
    const dense = await store.search('default', { ...common, dense: embedder.embedOne(text) });
    const sparse = await store.search('default', { ...common, sparse: bm25.encodeQuery(text) });
    legs.set(queryId, { dense: dense.map((h) => h.chunkId), sparse: sparse.map((h) => h.chunkId), docOf: new Map([...dense, ...sparse].map((h) => [h.chunkId, h.docId])) });
  }
  for (const w of weights) {
    const run = new Map<string, string[]>();
    for (const [queryId, l] of legs) {
      const fused = w === 0 ? l.sparse.map((id) => ({ id })) : reciprocalRankFusion([l.dense, l.sparse], 60, [w, 1]);
      run.set(queryId, collapseToDocuments(fused.slice(0, 200).map((f) => ({ docId: l.docOf.get(f.id)! }))));
    }
    const s = scoreRun(run, qrels);
    rows.push([split, s.queries, w === 0 ? '0 (sparse only)' : w, fixed(s.ndcg10, 4), fixed(s.recall100, 4), fixed(s.mrr10, 4)]);
  }
}
await store.close();
console.log('');
console.log(markdownTable(['split', 'queries', 'dense weight', 'nDCG@10', 'R@100', 'MRR@10'], rows));
