import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AppError, defaultVariant, systemClock, type Clock } from '@ragops/contracts';
import { buildRun, collapseToDocuments, DEFAULT_BOOTSTRAP, type BootstrapSettings, type MetricInfo, type QueryObservation, type RunRecord } from '@ragops/evaluation';
import { GatewayEnv, loadGatewayConfig } from '@ragops/gateway';
import { ingestPath } from '../cli.commands.js';
import { GatewayClient, type QueryAnswer } from '../gateway.client.js';
import { AllInOneEnv } from '../platform/all-in-one.config.js';
import { startAllInOne, type AllInOnePlatform } from '../platform/all-in-one.platform.js';
import type { RunAnswerMetric } from './answer-metrics.registry.js';
import { loadEvalDataset, type EvalDataset, type EvalQuery } from './eval.dataset.js';
import { gitRevision } from './git.revision.js';

export type RetrievalMode = 'sparse' | 'hybrid' | 'dense';

export interface EvalRunOptions {
  datasetDir: string;
  /** A QA JSONL file elsewhere (`--qa`), in place of the dataset directory's qa.jsonl. */
  qaPath?: string;
  split: string;
  /** Gateway URL to evaluate; absent = start an all-in-one platform in this process and ingest the corpus. */
  target?: string;
  variant: string;
  /** Chunks requested per query. */
  topK: number;
  ks: number[];
  limit?: number;
  /** In-process only: RETRIEVAL_MODE of the platform (default: the platform's default). */
  mode?: RetrievalMode;
  /** In-process only: further platform settings (CHUNK_MAX_TOKENS, BM25_K1, …). */
  platformEnv?: Record<string, string>;
  tenant?: string;
  ignoreIdenticalIds: boolean;
  answerMetrics: RunAnswerMetric[];
  /** Chunks the answer is generated from (/v1/query topK). */
  answerTopK: number;
  bootstrap?: BootstrapSettings;
  /** Bound on each HTTP call and on each answer metric's scoring. */
  requestTimeoutMs: number;
  clock?: Clock;
  /**
   * Where `git rev-parse` runs. Default: in-process, this CLI's own directory (the code being evaluated is this
   * checkout's); with --target, the working directory (the deployed code is not here; the eval setup is).
   */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/**
 * One evaluation run end to end: read the dataset, start and fill an in-process platform unless a target was
 * given, send every query to /v1/search (and /v1/query when answer metrics are asked for), and build the run
 * record. Queries run one at a time, so latencies are those of an idle system and the order is reproducible.
 */
export async function runEvaluation(options: EvalRunOptions): Promise<RunRecord> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const started = performance.now();
  const createdAt = new Date(clock.now()).toISOString();
  if (options.target && (options.mode || Object.keys(options.platformEnv ?? {}).length)) {
    throw new AppError('VALIDATION_FAILED', '--mode and --set configure the in-process platform; a --target gateway serves its own configuration');
  }
  if (options.ks.some((k) => k > options.topK)) {
    log(`note: cut-offs above --top-k ${options.topK} (${options.ks.filter((k) => k > options.topK).join(', ')}) can see at most ${options.topK} chunks`);
  }

  const platformEnv: Record<string, string> = { ...(options.platformEnv ?? {}) };
  // The config loaders ignore keys they do not know, so a misspelt --set would silently change nothing.
  const known = new Set([...Object.keys(AllInOneEnv.shape), ...Object.keys(GatewayEnv.shape)]);
  const unknown = Object.keys(platformEnv).filter((k) => !known.has(k));
  if (unknown.length) throw new AppError('VALIDATION_FAILED', `--set ${unknown.join(', ')}: not a platform setting (see the README's configuration reference)`);
  const dataset = await loadEvalDataset(options.datasetDir, { split: options.split, limit: options.limit, qaPath: options.qaPath, needCorpus: !options.target });
  const git = await gitRevision(options.cwd ?? (options.target ? process.cwd() : fileURLToPath(new URL('.', import.meta.url))), env);
  const docs = dataset.documents === null ? 'corpus not read' : `${dataset.documents} documents`;
  const withTruth = dataset.queries.filter((q) => q.groundTruth !== undefined).length;
  const truths = dataset.layout === 'beir' ? '' : `, ${withTruth} with a ground truth`;
  log(`dataset ${dataset.name} (${dataset.layout}: ${docs}, ${dataset.queries.length} ${dataset.split} queries${truths}, ${dataset.version.slice(0, 19)}…)`);
  checkScorable(dataset, options.answerMetrics, log);

  if (options.mode) platformEnv.RETRIEVAL_MODE = options.mode;
  let platform: AllInOnePlatform | undefined;
  let mode = 'unknown';
  let ingestMs: number | null = null;
  let observations: QueryObservation[];
  let queryMs: number;
  try {
    if (!options.target) {
      // Only what the run sets: the caller's environment must not change a baseline behind its back.
      const aio = { LOG_LEVEL: 'silent', RAGOPS_SAMPLE_CORPUS: 'none', SNAPSHOT_INTERVAL_MS: '86400000', ...platformEnv, RAGOPS_DATA_DIR: 'none' };
      mode = loadGatewayConfig(aio).variant.retrieval.mode;
      platform = await startAllInOne({ env: aio, port: 0, host: '127.0.0.1', clock });
    }
    const url = options.target ?? (platform as AllInOnePlatform).url;
    const client = new GatewayClient(url, options.tenant, { timeoutMs: options.requestTimeoutMs });
    if (platform) {
      const t0 = performance.now();
      // loadEvalDataset requires a corpus when there is no target.
      const corpusPath = dataset.corpusPath as string;
      const summary = await ingestPath(client, corpusPath);
      ingestMs = performance.now() - t0;
      if (!/ 0 failed,/.test(summary)) throw new AppError('UPSTREAM_FAILED', `ingesting ${corpusPath} failed: ${summary}`);
      log(`ingested: ${summary.split('\n')[0]}`);
    }
    const t1 = performance.now();
    observations = [];
    for (const [i, q] of dataset.queries.entries()) {
      const observation = await observe(client, q, options, clock);
      if (observation.servedMode) mode = observation.servedMode;
      observations.push(observation.result);
      if ((i + 1) % 100 === 0) log(`  ${i + 1}/${dataset.queries.length} queries`);
    }
    queryMs = performance.now() - t1;
  } finally {
    await platform?.close();
  }

  const answerInfo: MetricInfo[] = options.answerMetrics.map((m) => ({ key: m.name, kind: 'answer', implementation: `${m.implementation}:${m.version}`, direction: 'higher' }));
  return buildRun({
    id: runId(createdAt, dataset.name, options.variant),
    createdAt,
    variant: options.variant,
    git,
    config: {
      target: options.target ?? 'in-process',
      topK: options.topK,
      ks: options.ks,
      mode,
      split: dataset.split,
      limit: options.limit ?? null,
      ignoreIdenticalIds: options.ignoreIdenticalIds,
      answerMetrics: options.answerMetrics.map((m) => m.name),
      answerTopK: options.answerMetrics.length ? options.answerTopK : null,
      tenant: options.tenant ?? null,
      platform: options.target ? {} : { RETRIEVAL_MODE: mode, ...platformEnv },
    },
    dataset: { name: dataset.name, version: dataset.version, split: dataset.split, documents: dataset.documents },
    qrels: dataset.qrels,
    observations,
    answerMetrics: answerInfo,
    bootstrap: options.bootstrap ?? DEFAULT_BOOTSTRAP,
    timing: { wallMs: performance.now() - started, ingestMs, queryMs },
  });
}

/**
 * Refuses, before anything starts, a run that could measure nothing: metrics that need a ground truth on a dataset
 * without one, or a QA dataset with neither relevant docs nor answer metrics. Notes what will be left out otherwise.
 */
function checkScorable(dataset: EvalDataset, metrics: readonly RunAnswerMetric[], log: (line: string) => void): void {
  const unjudged = dataset.queries.filter((q) => !dataset.qrels.has(q.id)).length;
  if (unjudged === dataset.queries.length && !metrics.length) {
    throw new AppError('VALIDATION_FAILED', `dataset ${dataset.name}: no QA row has relevant_doc_ids, so without --answer-metrics there is nothing to score`);
  }
  if (unjudged) log(`note: ${unjudged} of ${dataset.queries.length} queries have no relevant_doc_ids: scored on answer metrics only, left out of the retrieval means`);

  const needy = metrics.filter((m) => m.needsGroundTruth).map((m) => m.name);
  if (!needy.length) return;
  const lacking = dataset.queries.filter((q) => q.groundTruth === undefined).length;
  const what = `--answer-metrics ${needy.join(', ')} need${needy.length === 1 ? 's' : ''} a ground-truth answer per query`;
  if (lacking === dataset.queries.length) {
    const why =
      dataset.layout === 'beir'
        ? `dataset ${dataset.name} has none: it is BEIR only (add qa.jsonl with {"id": <query id>, "question", "ground_truth"} rows to the directory, or pass --qa FILE)`
        : `none of the ${dataset.queries.length} queries evaluated has a row in ${dataset.qaPath}`;
    throw new AppError('VALIDATION_FAILED', `${what}, and ${why}`);
  }
  if (lacking) log(`note: ${lacking} of ${dataset.queries.length} queries have no QA row: ${needy.join(', ')} leave${needy.length === 1 ? 's' : ''} them out of the mean`);
}

async function observe(
  client: GatewayClient,
  q: EvalQuery,
  options: EvalRunOptions,
  clock: Clock,
): Promise<{ result: QueryObservation; servedMode?: string }> {
  const t0 = performance.now();
  const inQuery = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      const e = AppError.fromWire(err);
      throw new AppError(e.code, `query ${q.id}: ${e.message}`, e.details, { cause: err });
    });
  const reply = await inQuery(client.search(q.text, options.topK));
  if (!Array.isArray(reply?.hits)) throw new AppError('UPSTREAM_FAILED', `query ${q.id}: /v1/search answered without a hits list`);
  const result: QueryObservation = { id: q.id, text: q.text, ranked: collapseToDocuments(reply.hits), latencyMs: 0 };
  let servedMode: string | undefined;
  if (options.answerMetrics.length) {
    const answer: QueryAnswer & { usage?: { promptTokens: number; completionTokens: number }; variant: { retrieval?: { mode?: string } } } = await inQuery(
      client.query(q.text, options.answerTopK),
    );
    result.latencyMs = performance.now() - t0;
    servedMode = answer.variant?.retrieval?.mode;
    result.answer = { text: answer.answer, citations: answer.citations.map((c) => ({ n: c.n, docId: c.docId, chunkId: c.chunkId })) };
    if (answer.usage) result.usage = { promptTokens: answer.usage.promptTokens, completionTokens: answer.usage.completionTokens };
    // The answer was generated from the top answerTopK chunks of the same (deterministic) retrieval.
    const contexts = reply.hits.slice(0, options.answerTopK).map((h) => h.text);
    const ctx = { requestId: `eval-${q.id}`.slice(0, 128), tenant: options.tenant ?? 'default', deadline: clock.now() + options.requestTimeoutMs, variant: defaultVariant };
    const values: Record<string, number | null> = {};
    for (const metric of options.answerMetrics) {
      const sample = { id: q.id, question: q.text, answer: answer.answer, contexts, groundTruth: q.groundTruth, referenceContexts: q.referenceContexts };
      values[metric.name] = (await inQuery(metric.score(sample, ctx))).value;
    }
    result.answerMetrics = values;
  } else {
    result.latencyMs = performance.now() - t0;
  }
  return { result, servedMode };
}

/** `20261121T120000Z-beir-scifact-default-1a2b3c`: sorts by time, names what it is, unique enough per machine. */
function runId(createdAt: string, dataset: string, variant: string): string {
  const slug = (s: string, n: number) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, n) || 'x';
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${slug(dataset, 60)}-${slug(variant, 60)}-${randomBytes(3).toString('hex')}`;
}
