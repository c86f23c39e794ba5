import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AppError, Limits, type ErrorCode } from '@ragops/contracts';
import {
  compareRuns,
  DEFAULT_BOOTSTRAP,
  gateRun,
  parseGatePolicy,
  parseRun,
  renderJUnit,
  renderMarkdownSummary,
  runHistory,
  type RunRecord,
} from '@ragops/evaluation';
import { resolveAnswerMetrics } from './answer-metrics.registry.js';
import { readJsonInput, readYamlInput, writeFileAtomic } from './eval.files.js';
import { describeComparison, describeGate, describeHistory, describeRun } from './eval.report.js';
import { runEvaluation, type RetrievalMode } from './eval.runner.js';
import { openRunStore } from './run-store.factory.js';

/** Exit codes of the eval commands: 0 ok / gate passed, 1 gate failed or run error, 2 bad input, 69 gateway down. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, unavailable: 69 } as const;
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set(['VALIDATION_FAILED', 'NOT_FOUND', 'INVALID_JSON']);

const DEFAULT_STORE = process.env.RAGOPS_EVAL_STORE || '.ragops/runs';
const HEADLINE = ['ndcg@10', 'recall@10', 'recall@100', 'mrr@10', 'map'];

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const intList = (name: string) => (v: string) => {
  const parts = v.split(',').map((s) => s.trim());
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 10_000)) throw new InvalidArgumentError(`${name} must be a comma-separated list of whole numbers from 1 to 10000, e.g. 1,10,100`);
  return [...new Set(parts.map(Number))];
};
const nameList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const keyValue = (v: string, previous: Record<string, string>) => {
  const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(v);
  if (!m) throw new InvalidArgumentError(`--set takes KEY=VALUE with an upper-case configuration key, got ${JSON.stringify(v)}`);
  return { ...previous, [m[1]]: m[2] };
};
const url = (v: string) => {
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return v;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`--target must be an http(s) URL, got ${JSON.stringify(v)}`);
};

/** Runs an action and turns its error into a message and an exit code (bad input 2, unavailable 69, else 1). */
function guarded<A extends unknown[]>(name: string, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      const e = AppError.fromWire(err);
      console.error(`ragops eval ${name}: ${e.message}`);
      process.exitCode = BAD_INPUT.has(e.code) ? EXIT.badInput : e.code === 'UNAVAILABLE' ? EXIT.unavailable : EXIT.failed;
    }
  };
}

/**
 * Runs given as file paths or as ids of stored runs: an existing file wins; the store is opened only when an id
 * has to be looked up (so comparing two files never needs NATS).
 */
async function loadRuns(refs: [ref: string, what: string][], storeSpec: string): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  let opened: Awaited<ReturnType<typeof openRunStore>> | undefined;
  try {
    for (const [ref, what] of refs) {
      const maybeId = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref) && !ref.endsWith('.json') && !existsSync(ref);
      if (!maybeId) {
        out.push(parseRun(await readJsonInput(ref, what), `${what} ${ref}`));
        continue;
      }
      opened ??= await openRunStore(storeSpec);
      const run = await opened.store.get(ref);
      if (!run) throw new AppError('NOT_FOUND', `${what} ${ref}: no such file, and no run with that id in ${opened.where}`);
      out.push(run);
    }
  } finally {
    await opened?.close();
  }
  return out;
}

/** `ragops eval run|gate|compare|history`. */
export function registerEvalCommands(program: Command): void {
  const group = program
    .command('eval')
    .description('offline evaluation: runs on BEIR and QA JSONL datasets, history, comparison, and the promotion gate')
    // Commander's own usage errors (missing option, bad number) are bad input too: exit 2, not 1.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput));

  group
    .command('run')
    .description('evaluate retrieval and answers on a BEIR and/or QA JSONL dataset (in-process platform, or a deployed gateway with --target)')
    .requiredOption('-d, --dataset <dir>', 'dataset directory: BEIR (corpus.jsonl, queries.jsonl, qrels/<split>.tsv), with qa.jsonl giving queries their ground truth by id; or qa.jsonl alone (its rows are the queries) with corpus.jsonl to ingest')
    .option('--qa <file>', 'QA JSONL file (question, ground_truth, relevant_doc_ids, reference_contexts) to use instead of the directory\'s qa.jsonl')
    .option('--target <url>', 'evaluate this gateway over HTTP instead of an in-process platform (the corpus must be ingested there)', url)
    .option('--variant <name>', 'label of the variant evaluated (kept in the run)', 'default')
    .option('-k, --top-k <n>', 'chunks requested per query', int('--top-k', 1, Limits.maxTopK), 100)
    .option('--cutoffs <list>', 'rank cut-offs for the metrics', intList('--cutoffs'), [1, 3, 5, 10, 100])
    .option('--split <name>', 'qrels split', 'test')
    .option('--limit <n>', 'evaluate only the first n queries (BEIR: judged queries in qrels order; QA: rows in file order)', int('--limit', 1, 10_000_000))
    .addOption(new Option('--mode <mode>', 'in-process: retrieval mode (default: the platform default)').choices(['sparse', 'hybrid', 'dense']))
    .option('--set <KEY=VALUE>', 'in-process: a platform setting, e.g. CHUNK_MAX_TOKENS=256 (repeatable)', keyValue, {})
    .option('-t, --tenant <tenant>', 'tenant (x-ragops-tenant)')
    .option('--answer-metrics <list>', 'answer metrics to score from /v1/query: faithfulness, answer_relevancy, context_precision, context_recall, answer_correctness (deterministic; the last two need ground truths from qa.jsonl), judge:<name> (LLM judge; JUDGE_MODEL, JUDGE_API_KEY, JUDGE_BASE_URL)', nameList, [])
    .option('--answer-top-k <n>', 'chunks the answers are generated from', int('--answer-top-k', 1, Limits.maxTopK), 5)
    .option('--keep-identical-ids', 'do not drop retrieved documents whose id equals the query id (BEIR drops them)')
    .option('--seed <n>', 'bootstrap seed of the confidence intervals', int('--seed', 0, 0xffffffff), DEFAULT_BOOTSTRAP.seed)
    .option('--request-timeout-ms <ms>', 'bound on each HTTP request', int('--request-timeout-ms', 1, 3_600_000), 30_000)
    .option('-o, --out <file>', 'write the run record here (JSON)')
    .option('--store <dir>', 'run store: a directory or nats://host:port/bucket (RAGOPS_EVAL_STORE)', DEFAULT_STORE)
    .option('--no-store', 'do not keep the run in the store')
    .action(
      guarded(
        'run',
        async (o: {
          dataset: string;
          qa?: string;
          target?: string;
          variant: string;
          topK: number;
          cutoffs: number[];
          split: string;
          limit?: number;
          mode?: RetrievalMode;
          set: Record<string, string>;
          tenant?: string;
          answerMetrics: string[];
          answerTopK: number;
          keepIdenticalIds?: boolean;
          seed: number;
          requestTimeoutMs: number;
          out?: string;
          store: string | false;
        }) => {
          const run = await runEvaluation({
            datasetDir: o.dataset,
            qaPath: o.qa,
            split: o.split,
            target: o.target,
            variant: o.variant,
            topK: o.topK,
            ks: o.cutoffs,
            limit: o.limit,
            mode: o.mode,
            platformEnv: o.set,
            tenant: o.tenant,
            ignoreIdenticalIds: !o.keepIdenticalIds,
            answerMetrics: resolveAnswerMetrics(o.answerMetrics),
            answerTopK: o.answerTopK,
            bootstrap: { ...DEFAULT_BOOTSTRAP, seed: o.seed },
            requestTimeoutMs: o.requestTimeoutMs,
            log: (line) => console.error(line),
          });
          const json = `${JSON.stringify(run, null, 2)}\n`;
          if (o.out) await writeFileAtomic(resolve(o.out), json);
          if (o.store) {
            const opened = await openRunStore(o.store);
            try {
              await opened.store.save(run);
            } finally {
              await opened.close();
            }
          }
          console.log(describeRun(run, [...HEADLINE, ...run.config.answerMetrics]));
          if (o.out) console.log(`wrote ${o.out}`);
          if (o.store) console.log(`stored in ${o.store}`);
        },
      ),
    );

  group
    .command('gate')
    .description('check a run against a policy and a baseline; exit 0 pass, 1 fail, 2 bad input')
    .requiredOption('--run <file>', 'the run to check (run.json)')
    .option('--baseline <file>', 'the baseline run (needed by maxRegression checks)')
    .requiredOption('--policy <file>', 'gate policy (YAML, see eval/gates.yaml)')
    .option('--junit <file>', 'write JUnit XML here (one testcase per check)')
    .option('--summary <file>', 'write the Markdown summary here (for $GITHUB_STEP_SUMMARY or a PR comment)')
    .option('--allow-dataset-change', 'compare the shared queries when the run and the baseline used different dataset versions')
    .option('--json', 'print the gate report as JSON')
    .action(
      guarded('gate', async (o: { run: string; baseline?: string; policy: string; junit?: string; summary?: string; allowDatasetChange?: boolean; json?: boolean }) => {
        // Read everything first, so bad input never leaves a half-written report behind.
        const run = parseRun(await readJsonInput(o.run, '--run'), `--run ${o.run}`);
        const baseline = o.baseline ? parseRun(await readJsonInput(o.baseline, '--baseline'), `--baseline ${o.baseline}`) : null;
        const policy = parseGatePolicy(await readYamlInput(o.policy, '--policy'), `--policy ${o.policy}`);
        let report;
        try {
          report = gateRun(run, baseline, policy, { allowDatasetChange: !!o.allowDatasetChange });
        } catch (err) {
          const e = AppError.fromWire(err);
          const hint = /differs from the baseline's/.test(e.message) ? ' (--allow-dataset-change)' : '';
          throw new AppError(e.code, `${o.policy}: ${e.message}${hint}`, e.details, { cause: err });
        }
        if (o.junit) await writeFileAtomic(resolve(o.junit), renderJUnit(report));
        if (o.summary) {
          const all = baseline ? compareRuns(baseline, run, { bootstrap: policy.bootstrap }) : undefined;
          await writeFileAtomic(resolve(o.summary), renderMarkdownSummary(report, { all }));
        }
        console.log(o.json ? JSON.stringify(report, null, 2) : describeGate(report));
        process.exitCode = report.passed ? EXIT.ok : EXIT.failed;
      }),
    );

  group
    .command('compare <baseline> <candidate>')
    .description('per-metric differences candidate − baseline with paired bootstrap intervals (runs as files or stored ids)')
    .option('--metrics <list>', 'metrics to compare (default: all)', nameList)
    .option('--seed <n>', 'bootstrap seed', int('--seed', 0, 0xffffffff), DEFAULT_BOOTSTRAP.seed)
    .option('--samples <n>', 'bootstrap resamples', int('--samples', 100, 100_000), DEFAULT_BOOTSTRAP.samples)
    .option('--store <dir>', 'run store for ids: a directory or nats://host:port/bucket (RAGOPS_EVAL_STORE)', DEFAULT_STORE)
    .option('--json', 'print JSON')
    .action(
      guarded('compare', async (a: string, b: string, o: { metrics?: string[]; seed: number; samples: number; store: string; json?: boolean }) => {
        const [baseline, candidate] = await loadRuns([[a, 'baseline'], [b, 'candidate']], o.store);
        const comparison = compareRuns(baseline, candidate, { bootstrap: { seed: o.seed, samples: o.samples }, metrics: o.metrics });
        console.log(o.json ? JSON.stringify(comparison, null, 2) : describeComparison(comparison));
      }),
    );

  group
    .command('history')
    .description("a metric's trend over the stored runs, oldest first")
    .option('-m, --metric <key>', 'metric', 'ndcg@10')
    .option('--dataset <name>', 'only runs on this dataset')
    .option('--variant <name>', 'only runs of this variant')
    .option('--last <n>', 'only the newest n runs', int('--last', 1, 1_000_000))
    .option('--store <dir>', 'run store: a directory or nats://host:port/bucket (RAGOPS_EVAL_STORE)', DEFAULT_STORE)
    .option('--json', 'print JSON')
    .action(
      guarded('history', async (o: { metric: string; dataset?: string; variant?: string; last?: number; store: string; json?: boolean }) => {
        const opened = await openRunStore(o.store, (name, reason) => console.error(`skipped ${name}: ${reason}`));
        let runs: RunRecord[];
        try {
          runs = await opened.store.list();
        } finally {
          await opened.close();
        }
        let rows = runHistory(runs, o.metric, { dataset: o.dataset, variant: o.variant });
        if (o.last) rows = rows.slice(-o.last);
        console.log(o.json ? JSON.stringify(rows, null, 2) : describeHistory(o.metric, rows));
      }),
    );
}
