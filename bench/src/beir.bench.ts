/**
 * Retrieval quality of the running platform on BEIR datasets: for each chunk size × retrieval mode, a fresh
 * all-in-one platform ingests corpus.jsonl over POST /v1/documents, answers every test query over POST /v1/search
 * (topK 200, the maximum), and chunk hits are collapsed to documents (best chunk's rank) and scored with nDCG@10,
 * Recall@100 and MRR@10. The same-run baseline is the sparse (BM25-only) mode; published BM25 numbers are printed
 * beside it. The row with the platform's default mode and chunk size is marked "(default)".
 *
 *   node bench/dist/beir.bench.js [--dataset DIR[,DIR]] [--modes hybrid,sparse,dense] [--chunk-tokens 256,512]
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseQrels, parseQueries } from '@ragops/evaluation';
import { startInProcess } from './all-in-one.harness.js';
import { loadClient, loadCommands, repoRoot } from './cli.loader.js';
import { collapseToDocuments, scoreRun, type RetrievalScores } from './ir.evaluation.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { platformDefaults } from './platform.defaults.js';
import { fixed } from './stats.math.js';

type Mode = 'hybrid' | 'sparse' | 'dense';

/** Published BM25 nDCG@10 on the test split (sources: each dataset's PROVENANCE.md in /work/shared/data). */
const REFERENCES: Record<string, { label: string; ndcg10: number; recall100?: number }[]> = {
  'beir-scifact': [
    { label: 'BM25, BEIR paper (Thakur et al. 2021, Elasticsearch multifield)', ndcg10: 0.665 },
    { label: 'BM25 flat, Anserini (k1 0.9, b 0.4)', ndcg10: 0.6789, recall100: 0.9253 },
    { label: 'BM25 multifield, Anserini', ndcg10: 0.6647, recall100: 0.9076 },
  ],
  'beir-nfcorpus': [
    { label: 'BM25 flat, Anserini (k1 0.9, b 0.4)', ndcg10: 0.3218 },
    { label: 'BM25 multifield (BEIR paper / Anserini)', ndcg10: 0.325 },
  ],
};

interface RunResult extends RetrievalScores {
  dataset: string;
  chunkTokens: number;
  mode: Mode;
  chunks: number;
  documents: number;
  ingestSec: number;
  querySec: number;
  meanQueryMs: number;
}

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: resolve(fileURLToPath(repoRoot), '../shared/data/beir-scifact') },
    modes: { type: 'string', default: 'hybrid,sparse,dense' },
    'chunk-tokens': { type: 'string', default: '256,512' },
    split: { type: 'string', default: 'test' },
  },
});
const datasets = args.dataset.split(',').map((d) => resolve(d));
const modes = args.modes.split(',').map((m) => m.trim()) as Mode[];
for (const m of modes) if (!['hybrid', 'sparse', 'dense'].includes(m)) throw new Error(`--modes: unknown mode ${m}`);
const chunkSizes = args['chunk-tokens'].split(',').map(Number);

const { GatewayClient } = await loadClient();
const { ingestPath } = await loadCommands();

async function runOne(dir: string, queries: Map<string, string>, qrels: Map<string, Map<string, number>>, chunkTokens: number, mode: Mode): Promise<RunResult> {
  const { platform, close } = await startInProcess({ RETRIEVAL_MODE: mode, CHUNK_MAX_TOKENS: String(chunkTokens) });
  try {
    const client = new GatewayClient(platform.url);
    const t0 = performance.now();
    const summary = await ingestPath(client, join(dir, 'corpus.jsonl'));
    const ingestSec = (performance.now() - t0) / 1000;
    if (!/ 0 failed/.test(summary)) throw new Error(`ingest reported failures: ${summary}`);
    const stats = await platform.store.stats('default');

    const run = new Map<string, string[]>();
    const t1 = performance.now();
    for (const queryId of qrels.keys()) {
      const text = queries.get(queryId);
      if (text === undefined) throw new Error(`query ${queryId} is in the qrels but not in queries.jsonl`);
      const { hits } = await client.search(text, 200);
      run.set(queryId, collapseToDocuments(hits));
    }
    const querySec = (performance.now() - t1) / 1000;
    const scores = scoreRun(run, qrels);
    return {
      dataset: basename(dir),
      chunkTokens,
      mode,
      chunks: stats.chunks,
      documents: stats.documents,
      ingestSec,
      querySec,
      meanQueryMs: (querySec * 1000) / qrels.size,
      ...scores,
    };
  } finally {
    await close();
  }
}

const started = performance.now();
const loaded = await Promise.all(
  datasets.map(async (dir) => ({
    dir,
    queries: parseQueries(await readFile(join(dir, 'queries.jsonl'), 'utf8')),
    qrels: parseQrels(await readFile(join(dir, 'qrels', `${args.split}.tsv`), 'utf8')),
    docs: (await readFile(join(dir, 'corpus.jsonl'), 'utf8')).split('\n').filter((l) => l.trim()).length,
  })),
);
console.log(
  formatConditions('BEIR retrieval quality through the platform (all-in-one, HTTP)', {
    datasets: loaded.map((d) => `${basename(d.dir)} (${d.docs} docs, ${d.qrels.size} ${args.split} queries)`).join('; '),
    modes: modes.join(', '),
    defaults: `RETRIEVAL_MODE ${platformDefaults.retrievalMode}, CHUNK_MAX_TOKENS ${platformDefaults.chunkMaxTokens} (the platform's; that row is marked "(default)")`,
    chunking: `CHUNK_MAX_TOKENS ${chunkSizes.join(' and ')} (overlap ${platformDefaults.chunkOverlapTokens}, cl100k tokens); document = title + text`,
    retrieval: 'POST /v1/search topK 200; hybrid = RRF k 60 over 200 candidates per leg; chunks → documents by best rank',
    embedder: `local feature-hashing, ${platformDefaults.embeddingDimensions} dims (EMBEDDINGS=local)`,
    bm25: `k1 ${platformDefaults.bm25.k1}, b ${platformDefaults.bm25.b}, avgdl ${platformDefaults.bm25.avgDocLength} (platform defaults, chosen on SciFact; not tuned for NFCorpus)`,
    metrics: 'nDCG@10 (trec_eval, linear gain), Recall@100, MRR@10; identical query/doc ids ignored (BEIR default)',
  }),
);

const results: RunResult[] = [];
for (const d of loaded) {
  for (const chunkTokens of chunkSizes) {
    for (const mode of modes) {
      const r = await runOne(d.dir, d.queries, d.qrels, chunkTokens, mode);
      results.push(r);
      console.log(
        `  ${r.dataset} chunk ${chunkTokens} ${mode.padEnd(6)} nDCG@10 ${fixed(r.ndcg10, 4)}  R@100 ${fixed(r.recall100, 4)}  MRR@10 ${fixed(r.mrr10, 4)}` +
          `  (${r.chunks} chunks, ingest ${fixed(r.ingestSec, 1)} s, ${r.queries} queries ${fixed(r.querySec, 1)} s)`,
      );
    }
  }
}

/** The mode, marked as the same-run baseline (sparse) and/or the platform's default configuration. */
function modeLabel(r: RunResult): string {
  const marks = [r.mode === 'sparse' ? 'baseline' : '', r.mode === platformDefaults.retrievalMode && r.chunkTokens === platformDefaults.chunkMaxTokens ? 'default' : ''].filter(Boolean);
  return marks.length ? `${r.mode} (${marks.join(', ')})` : r.mode;
}

for (const d of loaded) {
  const name = basename(d.dir);
  const rows = results.filter((r) => r.dataset === name);
  console.log(`\n## ${name}\n`);
  console.log(
    markdownTable(
      ['chunk tokens', 'mode', 'nDCG@10', 'Δ vs sparse', 'R@100', 'MRR@10', 'chunks', 'chunks/doc', 'ingest s', 'queries s', 'ms/query'],
      rows.map((r) => {
        const base = rows.find((b) => b.chunkTokens === r.chunkTokens && b.mode === 'sparse');
        return [
          r.chunkTokens,
          modeLabel(r),
          fixed(r.ndcg10, 4),
          base && r.mode !== 'sparse' ? `${r.ndcg10 >= base.ndcg10 ? '+' : ''}${fixed(r.ndcg10 - base.ndcg10, 4)}` : '',
          fixed(r.recall100, 4),
          fixed(r.mrr10, 4),
          r.chunks,
          fixed(r.chunks / r.documents, 2),
          fixed(r.ingestSec, 1),
          fixed(r.querySec, 1),
          fixed(r.meanQueryMs, 1),
        ];
      }),
    ),
  );
  const refs = REFERENCES[name];
  if (refs) {
    console.log('\nPublished BM25 references (not measured here):');
    for (const ref of refs) console.log(`  ${ref.label}: nDCG@10 ${ref.ndcg10}${ref.recall100 ? `, R@100 ${ref.recall100}` : ''}`);
  }
}
console.log(`\ntotal wall time ${fixed((performance.now() - started) / 1000, 1)} s`);
