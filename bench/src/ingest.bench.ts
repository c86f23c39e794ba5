/**
 * Ingest throughput of a BEIR corpus (default SciFact, 5,183 documents) in all-in-one mode, from the first
 * POST /v1/documents until every job is done, against the same-run baseline of the raw pipeline (chunk, hash,
 * embed, BM25-encode, upsert called directly). A further, profiled platform run shows where the time goes.
 *
 *   node bench/dist/ingest.bench.js [--corpus FILE] [--runs 3] [--request-docs 500] [--profile-out FILE]
 *     [--chunk-tokens N (default: the platform's CHUNK_MAX_TOKENS; applied to the platform and the raw pipeline)]
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceDocument } from '@ragops/contracts';
import { startInProcess } from './all-in-one.harness.js';
import { loadClient, loadDocumentLoader, repoRoot } from './cli.loader.js';
import { profileWhile, summarizeProfile, type CpuProfile } from './cpu.profile.js';
import { platformDefaults } from './platform.defaults.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { runRawPipeline, timeAnalysis, type StageTimes } from './raw.pipeline.js';
import { fixed, summarize } from './stats.math.js';
import { cl100kCounter, createChunker } from '@ragops/text';

const GOAL_DOCS_PER_SEC = 10_000;

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: resolve(fileURLToPath(repoRoot), '../shared/data/beir-scifact/corpus.jsonl') },
    runs: { type: 'string', default: '3' },
    'request-docs': { type: 'string', default: '500' },
    'profile-out': { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '1' },
    'chunk-tokens': { type: 'string', default: String(platformDefaults.chunkMaxTokens) },
  },
});
const runs = Number(args.runs);
const requestDocs = Number(args['request-docs']);
const warmups = Number(args.warmup);
const chunkTokens = Number(args['chunk-tokens']);
const chunkSetting = chunkTokens === platformDefaults.chunkMaxTokens ? `${chunkTokens} (default)` : `${chunkTokens} (--chunk-tokens; default ${platformDefaults.chunkMaxTokens})`;

const { loadDocuments } = await loadDocumentLoader();
const { GatewayClient } = await loadClient();
const requests: SourceDocument[][] = [];
for await (const batch of loadDocuments(args.corpus, requestDocs)) requests.push(batch);
const documents = requests.flat();
const chars = documents.reduce((n, d) => n + d.text.length + (d.title?.length ?? 0), 0);

console.log(
  formatConditions('Ingest throughput, all-in-one (in-process) vs raw pipeline', {
    corpus: `${args.corpus} (${documents.length} docs, ${(chars / 1e6).toFixed(2)} M chars)`,
    runs: `${runs} per variant after ${warmups} unmeasured warm-up run(s), fresh platform / store each; median, min, max`,
    platform: `startAllInOne in this process; POST /v1/documents × ${requests.length} (${requestDocs} docs each, sequential), then poll GET /v1/jobs`,
    indexing: `CHUNK_MAX_TOKENS ${chunkSetting} / overlap ${platformDefaults.chunkOverlapTokens}; defaults otherwise: local embedder ${platformDefaults.embeddingDimensions} dims, BM25, MemoryVectorStore; INGEST_CONCURRENCY 2, 32 docs per queued batch; raw pipeline: the same chunking and embedder`,
    timing: 'first POST → last batch finished (max job updatedAt, server clock = same process)',
    goal: `≥ ${GOAL_DOCS_PER_SEC.toLocaleString('en-US')} docs/s (issue)`,
  }),
);

// ---- raw pipeline baseline ------------------------------------------------------------------------------------
const raw: { ms: number; chunks: number; stages: StageTimes }[] = [];
for (let i = 0; i < warmups; i++) {
  const r = await runRawPipeline(documents, { maxTokens: chunkTokens });
  await r.store.close();
  console.log(`  raw warm-up (not counted): ${fixed(r.totalMs, 0)} ms`);
}
for (let i = 0; i < runs; i++) {
  const r = await runRawPipeline(documents, { maxTokens: chunkTokens });
  raw.push({ ms: r.totalMs, chunks: r.chunks, stages: r.stages });
  await r.store.close();
  console.log(`  raw run ${i + 1}: ${fixed(r.totalMs, 0)} ms, ${fixed((documents.length / r.totalMs) * 1000, 0)} docs/s, ${r.chunks} chunks`);
}

// ---- platform ---------------------------------------------------------------------------------------------------
interface PlatformRun {
  ms: number;
  chunks: number;
  indexed: number;
  profile?: CpuProfile;
}

/** One fresh platform: submit every request, wait for every job; only that part is timed (and profiled). */
async function platformRun(profile = false): Promise<PlatformRun> {
  const { platform, close } = await startInProcess({ CHUNK_MAX_TOKENS: String(chunkTokens) });
  try {
    const client = new GatewayClient(platform.url);
    const work = async () => {
      const t0 = Date.now();
      const jobIds: string[] = [];
      for (const batch of requests) jobIds.push((await client.submit(batch)).jobId);
      let end = 0;
      let chunks = 0;
      let indexed = 0;
      for (const id of jobIds) {
        const view = await client.waitForJob(id, 600_000, 20);
        if (view.status !== 'done' || view.documents.failed > 0) throw new Error(`job ${id} ${view.status}: ${JSON.stringify(view.errors.slice(0, 3))}`);
        end = Math.max(end, view.updatedAt);
        chunks += view.chunks;
        indexed += view.documents.indexed;
      }
      return { ms: end - t0, chunks, indexed };
    };
    if (!profile) return await work();
    const { result, profile: cpu } = await profileWhile(work);
    return { ...result, profile: cpu };
  } finally {
    await close();
  }
}

for (let i = 0; i < warmups; i++) {
  const r = await platformRun();
  console.log(`  platform warm-up (not counted): ${r.ms} ms`);
}
const platform: { ms: number; chunks: number }[] = [];
for (let i = 0; i < runs; i++) {
  const r = await platformRun();
  if (r.indexed !== documents.length) throw new Error(`platform indexed ${r.indexed} of ${documents.length} documents`);
  platform.push(r);
  console.log(`  platform run ${i + 1}: ${r.ms} ms, ${fixed((documents.length / r.ms) * 1000, 0)} docs/s, ${r.chunks} chunks`);
}

// ---- results ----------------------------------------------------------------------------------------------------
const rate = (ms: number) => (documents.length / ms) * 1000;
const rawRates = summarize(raw.map((r) => rate(r.ms)));
const platRates = summarize(platform.map((r) => rate(r.ms)));
console.log('\n## Throughput (SciFact docs/s)\n');
console.log(
  markdownTable(
    ['variant', 'median docs/s', 'min', 'max', 'median s', 'chunks', 'vs raw', `goal ${GOAL_DOCS_PER_SEC}`],
    [
      ['raw pipeline (baseline)', fixed(rawRates.median, 0), fixed(rawRates.min, 0), fixed(rawRates.max, 0), fixed(documents.length / rawRates.median, 2), raw[0]!.chunks, '1.00×', rawRates.median >= GOAL_DOCS_PER_SEC ? 'met' : 'not met'],
      ['all-in-one platform (HTTP)', fixed(platRates.median, 0), fixed(platRates.min, 0), fixed(platRates.max, 0), fixed(documents.length / platRates.median, 2), platform[0]!.chunks, `${fixed(platRates.median / rawRates.median, 2)}×`, platRates.median >= GOAL_DOCS_PER_SEC ? 'met' : 'not met'],
    ],
  ),
);

// Stage breakdown of the raw pipeline (median run).
const mid = [...raw].sort((a, b) => a.ms - b.ms)[Math.floor(raw.length / 2)]!;
const chunker = createChunker({ maxTokens: chunkTokens, overlapTokens: platformDefaults.chunkOverlapTokens, counter: cl100kCounter() });
const texts = documents.flatMap((d) => chunker.chunk({ text: d.text, format: d.format, title: d.title }).map((c) => (d.title ? `${d.title}\n${c.text}` : c.text)));
const analysisMs = timeAnalysis(texts);
const stageRows: [string, number][] = [
  ['chunk (cl100k token counting, sentence packing)', mid.stages.chunkMs],
  ['content hash (NFC + sha256)', mid.stages.hashMs],
  ['embed (LocalEmbedder: analyze + feature hashing)', mid.stages.embedMs],
  ['BM25 encode (analyze again + term ids)', mid.stages.sparseMs],
  ['MemoryVectorStore.upsert (normalise, dense + inverted index)', mid.stages.upsertMs],
];
const staged = stageRows.reduce((n, [, ms]) => n + ms, 0);
stageRows.push(['other (record assembly, batching)', mid.ms - staged]);
console.log(`\n## Raw pipeline by stage (median run, ${fixed(mid.ms, 0)} ms)\n`);
console.log(markdownTable(['stage', 'ms', 'share'], stageRows.map(([name, ms]) => [name, fixed(ms, 0), `${fixed((ms / mid.ms) * 100, 1)} %`])));
console.log(`\nanalyzer alone over the ${texts.length} chunk texts: ${fixed(analysisMs, 0)} ms — run twice per chunk (embedder and BM25 each analyze), so one shared analysis would save about that much.`);

// ---- profile ------------------------------------------------------------------------------------------------------
if (!args['no-profile']) {
  const result = await platformRun(true);
  const profile = result.profile!;
  const summary = summarizeProfile(profile, 20);
  console.log(`\n## Where the platform's time goes (profiled run: ${result.ms} ms incl. profiler overhead; CPU samples ${fixed(summary.totalMs, 0)} ms)\n`);
  console.log(markdownTable(['self time by package', 'ms', 'share'], summary.byPackage.slice(0, 14).map((s) => [s.name, fixed(s.ms, 0), `${fixed(s.share * 100, 1)} %`])));
  const all = summarizeProfile(profile, Infinity).byPackage;
  const indexing = new Set(['@ragops/text', '@ragops/models', '@ragops/search', '@ragops/vector-store', 'stemmer', 'stopword', 'js-tiktoken']);
  const share = (pick: (name: string) => boolean) => all.filter((s) => pick(s.name)).reduce((n, s) => n + s.share, 0);
  const indexingShare = share((n) => indexing.has(n));
  const idleShare = share((n) => n === '(idle)');
  console.log(
    `\nindexing code (text, models, search, vector-store, stemmer) ${fixed(indexingShare * 100, 1)} % of samples; ` +
      `everything else — HTTP, JSON, validation, bus cloning, queue, jobs, GC — ${fixed((1 - indexingShare - idleShare) * 100, 1)} %; idle ${fixed(idleShare * 100, 1)} %`,
  );
  console.log('');
  console.log(markdownTable(['self time by function (top 20)', 'ms', 'share'], summary.byFunction.map((s) => [s.name, fixed(s.ms, 0), `${fixed(s.share * 100, 1)} %`])));
  if (args['profile-out']) {
    await writeFile(args['profile-out'], JSON.stringify(profile));
    console.log(`\nprofile written to ${args['profile-out']} (open in Chrome DevTools → Performance, or speedscope)`);
  }
}
