/**
 * How well the answer metrics agree with human/reference labels, on the small labelled sets in
 * ../shared/data/rag-qa (PROVENANCE.md there says where each comes from):
 *
 * - ordering accuracy: for each pair (right answer, wrong answer) to the same question, how often the metric scores
 *   the right one higher (ties count half, pairs where either score is null are left out and counted);
 *   hotpotqa_factual, ragas-wikiqa and truthfulqa (correct vs incorrect answers);
 * - mismatched-context controls on amnesty_qa and the Solana set: the same answer with its own contexts against
 *   the contexts of the next question (faithfulness and the context metrics should prefer the own contexts);
 * - agreement with the hand-made TP/FP/FN labels of answer_correctness.jsonl;
 * - score distributions on amnesty_qa and the Solana set.
 *
 *   node bench/dist/answer-metrics.agreement.js [--data DIR] [--limit N] [--judge-samples N] [--threshold X]
 *
 * `--threshold` sets the deterministic claim threshold (default 0.5, the library's default).
 * The deterministic implementations always run. The LLM-judge implementations run too when OPENAI_BASE_URL and
 * OPENAI_MODEL are set (OPENAI_API_KEY optional), through @ragops/models' OpenAIChatModel; the judge results are
 * printed beside the deterministic ones. `--limit` caps the pairs/items per
 * set (judge cost).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultVariant, systemClock, type RequestContext } from '@ragops/contracts';
import {
  createDeterministicMetrics,
  createJudgeMetrics,
  summarizeAnswerMetric,
  type AnswerMetric,
  type AnswerMetricName,
  type AnswerSample,
  type MetricImplementation,
  type MetricResult,
} from '@ragops/evaluation';
import { OpenAIChatModel } from '@ragops/models';
import { repoRoot } from './cli.loader.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { fixed, quantile } from './stats.math.js';

// ---------------------------------------------------------------------------------------------------------------
// The labelled sets

/** A better and a worse answer to one question (same question, contexts and ground truth). */
export interface OrderingPair {
  id: string;
  better: AnswerSample;
  worse: AnswerSample;
}

/** Pairs to order with one metric. */
export interface OrderingTask {
  set: string;
  metric: AnswerMetricName;
  /** What "better" and "worse" are, for the table. */
  contrast: string;
  /**
   * True when the metric is not meant to separate the pair (answer relevancy does not measure truth: a wrong answer
   * can address the question as directly as a right one); about 0.5 is the expected accuracy there.
   */
  control: boolean;
  pairs: OrderingPair[];
}

/** An answer_correctness.jsonl item: the sample and its labelled counts. */
export interface LabelledCorrectness {
  sample: AnswerSample;
  tp: number;
  fp: number;
  fn: number;
}

export interface LabelledSets {
  hotpot: { id: string; question: string; context: string; right: string; wrong: string }[];
  wikiqa: { question: string; correct: string; incorrect: string }[];
  truthfulqa: { question: string; best: string; correct: string[]; incorrect: string[]; context: string }[];
  correctness: LabelledCorrectness[];
  /** amnesty_qa: LLM answers with three retrieved passages and a ground truth. */
  amnesty: AnswerSample[];
  /** Solana: the reference answer stands in for a system answer (the set has none), with its reference passage. */
  solana: AnswerSample[];
}

export const defaultDataDir = resolve(fileURLToPath(repoRoot), '../shared/data/rag-qa');

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const jsonLines = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch (cause) {
        throw new Error(`JSON line ${i + 1} does not parse`, { cause });
      }
    });

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`${what}: expected a string, got ${typeof v}`);
  return v;
};
const strs = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v.map((x, i) => str(x, `${what}[${i}]`));
};
/** TruthfulQA keeps its answer lists as one "a; b; c" string. */
const semicolonList = (v: unknown, what: string) =>
  str(v, what)
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);

export async function loadLabelledSets(dir: string = defaultDataDir): Promise<LabelledSets> {
  const read = (path: string) => readFile(join(dir, path), 'utf8');
  const hotpotRaw = JSON.parse(await read('ragas-experiments/hotpotqa_factual.json')) as Record<string, unknown>[];
  const hotpot = hotpotRaw.map((r, i) => {
    const answers = strs(r.answers, `hotpot ${i} answers`);
    const scores = r.scores as number[];
    const right = answers[scores.indexOf(1)];
    const wrong = answers[scores.indexOf(0)];
    if (right === undefined || wrong === undefined) throw new Error(`hotpot ${i}: expected one answer scored 1 and one scored 0`);
    return { id: str(r.id, `hotpot ${i} id`), question: str(r.question, 'question'), context: str(r.context, 'context'), right, wrong };
  });

  const [header, ...wikiRows] = parseCsv(await read('ragas-experiments/ragas-wikiqa.csv'));
  const col = (name: string) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`ragas-wikiqa.csv has no column ${name}`);
    return at;
  };
  const [q, ok, bad] = [col('question'), col('correct_answer'), col('incorrect_answer')];
  const wikiqa = wikiRows.map((r) => ({ question: r[q], correct: r[ok], incorrect: r[bad] }));

  const truthfulqa = jsonLines(await read('ragas-meta-eval/truthfulqa_with_context.jsonl')).map((r, i) => ({
    question: str(r.Question, `truthfulqa ${i} Question`),
    best: str(r['Best Answer'], `truthfulqa ${i} Best Answer`),
    correct: semicolonList(r['Correct Answers'], `truthfulqa ${i} Correct Answers`),
    incorrect: semicolonList(r['Incorrect Answers'], `truthfulqa ${i} Incorrect Answers`),
    context: str(r.Context, `truthfulqa ${i} Context`),
  }));

  const correctness = jsonLines(await read('ragas-meta-eval/answer_correctness.jsonl')).map((r, i) => {
    const report = r.ground_truth_report as Record<string, unknown[]>;
    return {
      sample: { id: `ac-${i + 1}`, question: str(r.question, 'question'), answer: str(r.answer, 'answer'), contexts: [], groundTruth: strs(r.ground_truth, 'ground_truth').join('\n') },
      tp: report.TP.length,
      fp: report.FP.length,
      fn: report.FN.length,
    };
  });

  const amnesty = jsonLines(await read('ragas-meta-eval/amnesty_qa.jsonl')).map((r, i) => ({
    id: `amnesty-${i + 1}`,
    question: str(r.question, 'question'),
    answer: str(r.answer, 'answer'),
    contexts: strs(r.context, 'context'),
    groundTruth: strs(r.ground_truth, 'ground_truth').join('\n'),
  }));

  const solanaRaw = JSON.parse(await read('llamaindex-blockchain-solana/rag_dataset.json')) as { examples: Record<string, unknown>[] };
  const solana = solanaRaw.examples.map((r, i) => {
    const reference = str(r.reference_answer, `solana ${i} reference_answer`);
    return { id: `solana-${i + 1}`, question: str(r.query, 'query'), answer: reference, contexts: strs(r.reference_contexts, 'reference_contexts'), groundTruth: reference };
  });

  return { hotpot, wikiqa, truthfulqa, correctness, amnesty, solana };
}

/**
 * The sample with the contexts of the next sample whose contexts differ (wrapping around): a retrieval that went
 * wrong. In the Solana set two questions share each passage and neighbouring passages are consecutive pages of one
 * paper, so these are hard negatives.
 */
export function withNextContexts(samples: readonly AnswerSample[]): AnswerSample[] {
  const key = (s: AnswerSample) => JSON.stringify(s.contexts);
  return samples.map((s, i) => {
    for (let k = 1; k < samples.length; k++) {
      const other = samples[(i + k) % samples.length];
      if (key(other) !== key(s)) return { ...s, contexts: other.contexts };
    }
    throw new Error('every sample has the same contexts: no mismatched contexts to take');
  });
}

/** Every ordering task over the labelled sets, `limit` pairs at most per task. */
export function orderingTasks(sets: LabelledSets, limit = Infinity): OrderingTask[] {
  const tasks: OrderingTask[] = [];
  const add = (set: string, metric: AnswerMetricName, contrast: string, pairs: OrderingPair[], control = false) =>
    tasks.push({ set, metric, contrast, control, pairs: pairs.slice(0, limit) });

  const hotpot = sets.hotpot.map((h) => {
    const base = { question: h.question, contexts: [h.context] };
    return { id: h.id, better: { ...base, id: `${h.id}/right`, answer: h.right }, worse: { ...base, id: `${h.id}/wrong`, answer: h.wrong } };
  });
  add('hotpotqa_factual', 'faithfulness', 'right vs wrong answer, vs the context', hotpot);
  add('hotpotqa_factual', 'answer_relevancy', 'right vs wrong answer (control)', hotpot, true);

  const wikiqa = sets.wikiqa.map((w, i) => {
    const base = { question: w.question, contexts: [] };
    return { id: `wikiqa-${i + 1}`, better: { ...base, id: `wikiqa-${i + 1}/correct`, answer: w.correct }, worse: { ...base, id: `wikiqa-${i + 1}/incorrect`, answer: w.incorrect } };
  });
  // WikiQA's incorrect answers are sentences of the same article that do not answer the question: a relevancy task.
  add('ragas-wikiqa', 'answer_relevancy', 'correct vs incorrect answer sentence', wikiqa);

  // TruthfulQA: every correct × incorrect answer of a question. Against the best answer as ground truth the best
  // answer itself would win trivially, so correctness pairs use the other correct answers only.
  const tqPairs = (metric: 'vs-context' | 'vs-best' | 'relevancy') =>
    sets.truthfulqa.flatMap((t, qi) => {
      const correct = metric === 'vs-best' ? t.correct.filter((c) => c !== t.best) : t.correct;
      const base = { question: t.question, contexts: metric === 'vs-context' ? [t.context] : [], ...(metric === 'vs-best' ? { groundTruth: t.best } : {}) };
      return correct.flatMap((c, ci) =>
        t.incorrect.map((w, wi) => ({ id: `tq-${qi + 1}/${ci + 1}-${wi + 1}`, better: { ...base, id: `tq-${qi + 1}/c${ci + 1}`, answer: c }, worse: { ...base, id: `tq-${qi + 1}/i${wi + 1}`, answer: w } })),
      );
    });
  add('truthfulqa', 'answer_correctness', 'correct vs incorrect answer, ground truth = best answer', tqPairs('vs-best'));
  add('truthfulqa', 'faithfulness', 'correct vs incorrect answer, vs the context', tqPairs('vs-context'));
  add('truthfulqa', 'answer_relevancy', 'correct vs incorrect answer (control)', tqPairs('relevancy'), true);

  for (const [set, samples] of [['amnesty_qa', sets.amnesty], ['solana', sets.solana]] as const) {
    const mismatched = withNextContexts(samples);
    const pairs = samples.map((s, i) => ({ id: s.id ?? String(i), better: s, worse: { ...mismatched[i], id: `${s.id}/other-contexts` } }));
    for (const metric of ['faithfulness', 'context_precision', 'context_recall'] as const) add(set, metric, 'own vs next question\'s contexts', pairs);
  }
  return tasks;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

export interface OrderingOutcome {
  pairs: number;
  wins: number;
  ties: number;
  losses: number;
  /** Pairs left out because a score was null. */
  undecided: number;
  /** (wins + ties / 2) / decided pairs; NaN when none. */
  accuracy: number;
  /** wins / decided pairs. */
  strict: number;
  /** One-sided sign test, ties left out: P(at least `wins` of wins + losses under a fair coin). */
  signTestP: number;
}

export function orderingOutcome(scores: readonly { better: number | null; worse: number | null }[]): OrderingOutcome {
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let undecided = 0;
  for (const { better, worse } of scores) {
    if (better === null || worse === null) undecided++;
    else if (better > worse) wins++;
    else if (better === worse) ties++;
    else losses++;
  }
  const decided = wins + ties + losses;
  return { pairs: scores.length, wins, ties, losses, undecided, accuracy: (wins + ties / 2) / decided, strict: wins / decided, signTestP: binomialTail(wins, wins + losses) };
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2), summed in log space so n in the thousands stays finite. */
export function binomialTail(k: number, n: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logChoose = (m: number) => logFactorial(n) - logFactorial(m) - logFactorial(n - m);
  let p = 0;
  for (let m = k; m <= n; m++) p += Math.exp(logChoose(m) - n * Math.LN2);
  return Math.min(1, p);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/** Pearson's r; NaN when either side is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks with ties given their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    for (let k = start; k <= end; k++) ranks[order[k][1]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** Spearman's rho: Pearson's r of the average ranks. */
export const spearman = (x: readonly number[], y: readonly number[]) => pearson(averageRanks(x), averageRanks(y));

/** Ragas' answer-correctness F from labelled counts. */
export const labelledF = (l: Pick<LabelledCorrectness, 'tp' | 'fp' | 'fn'>) => (l.tp + l.fp + l.fn === 0 ? NaN : l.tp / (l.tp + 0.5 * (l.fp + l.fn)));

function benchContext(timeoutMs: number): RequestContext {
  return { requestId: 'answer-metrics-agreement', tenant: 'bench', deadline: Date.now() + timeoutMs, variant: defaultVariant };
}

/** Scores the pairs of one task with one metric (one pair at a time: the judge's calls stay sequential). */
export async function runOrderingTask(task: OrderingTask, metric: AnswerMetric, timeoutMs = 120_000): Promise<{ outcome: OrderingOutcome; results: MetricResult[] }> {
  const results: MetricResult[] = [];
  const scores: { better: number | null; worse: number | null }[] = [];
  for (const pair of task.pairs) {
    const better = await metric.score(pair.better, benchContext(timeoutMs));
    const worse = await metric.score(pair.worse, benchContext(timeoutMs));
    results.push(better, worse);
    scores.push({ better: better.value, worse: worse.value });
  }
  return { outcome: orderingOutcome(scores), results };
}

export interface CorrectnessAgreement {
  items: { id: string; labelF: number; metricF: number | null; labelled: string; measured: string }[];
  pearson: number;
  spearman: number;
  /** Share of items on the same side of 0.5 (label F vs metric). */
  binaryAgreement: number;
  /** Of item pairs whose label F differs, the share the metric orders the same way (ties count half). */
  concordance: number;
  results: MetricResult[];
}

export async function runCorrectnessAgreement(items: readonly LabelledCorrectness[], metric: AnswerMetric, timeoutMs = 120_000): Promise<CorrectnessAgreement> {
  const results: MetricResult[] = [];
  const rows: CorrectnessAgreement['items'] = [];
  for (const item of items) {
    const r = await metric.score(item.sample, benchContext(timeoutMs));
    results.push(r);
    const d = r.details;
    const measured = d?.tp === undefined ? (r.judge ? `${r.judge.parsed}/${r.judge.requested} judgments` : '–') : `${d.tp}/${d.fp}/${d.fn}`;
    rows.push({ id: item.sample.id ?? '', labelF: labelledF(item), metricF: r.value, labelled: `${item.tp}/${item.fp}/${item.fn}`, measured });
  }
  const scored = rows.filter((r): r is typeof r & { metricF: number } => r.metricF !== null);
  const x = scored.map((r) => r.labelF);
  const y = scored.map((r) => r.metricF);
  let concordant = 0;
  let comparable = 0;
  for (let i = 0; i < scored.length; i++) {
    for (let j = i + 1; j < scored.length; j++) {
      if (x[i] === x[j]) continue;
      comparable++;
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      concordant += s > 0 ? 1 : s === 0 ? 0.5 : 0;
    }
  }
  const binary = scored.filter((r) => r.labelF >= 0.5 === r.metricF >= 0.5).length / scored.length;
  return { items: rows, pearson: pearson(x, y), spearman: spearman(x, y), binaryAgreement: binary, concordance: concordant / comparable, results };
}

// ---------------------------------------------------------------------------------------------------------------
// The script

interface Implementation {
  label: MetricImplementation;
  metrics: Record<AnswerMetricName, AnswerMetric>;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string', default: defaultDataDir },
      limit: { type: 'string', default: 'Infinity' },
      'judge-samples': { type: 'string', default: '1' },
      threshold: { type: 'string', default: '0.5' },
    },
  });
  const limit = Number(args.limit);
  const sets = await loadLabelledSets(resolve(args.data));
  const threshold = Number(args.threshold);
  const implementations: Implementation[] = [{ label: 'deterministic', metrics: createDeterministicMetrics({ threshold }) }];

  const { OPENAI_BASE_URL: baseURL, OPENAI_MODEL: modelName, OPENAI_API_KEY: apiKey = 'none' } = process.env;
  let judgeNote = 'not run: set OPENAI_BASE_URL and OPENAI_MODEL to run it';
  if (baseURL && modelName) {
    // The metrics see only the ChatModel port; the adapter is chosen here, where both packages may be imported.
    const model = new OpenAIChatModel({ baseURL, apiKey, model: modelName });
    const samples = Number(args['judge-samples']);
    implementations.push({ label: 'llm-judge', metrics: createJudgeMetrics({ model, clock: systemClock, samples }) });
    judgeNote = `${modelName} at ${baseURL}, ${samples} judgment(s) per sample, prompts ${Object.values(implementations[1].metrics).map((m) => m.version).join(', ')}`;
  }

  const tasks = orderingTasks(sets, limit);
  console.log(
    formatConditions('Answer-metric agreement with labelled QA sets', {
      data: `${args.data}: hotpotqa_factual ${sets.hotpot.length}, ragas-wikiqa ${sets.wikiqa.length}, truthfulqa ${sets.truthfulqa.length}, answer_correctness ${sets.correctness.length}, amnesty_qa ${sets.amnesty.length}, solana ${sets.solana.length}`,
      deterministic: `${Object.values(implementations[0].metrics).map((m) => m.version).join(', ')}; claim threshold ${threshold}`,
      'llm-judge': judgeNote,
      limit: Number.isFinite(limit) ? `${limit} pairs/items per set` : 'none (every pair)',
    }),
  );

  const orderingRows: (string | number)[][] = [];
  for (const task of tasks) {
    for (const impl of implementations) {
      const started = performance.now();
      const { outcome: o, results } = await runOrderingTask(task, impl.metrics[task.metric]);
      const s = summarizeAnswerMetric(results);
      const judge = s.judge ? `, ${s.judge.unparseable} unparseable` : '';
      orderingRows.push([
        task.set,
        task.metric,
        impl.label,
        task.contrast,
        o.pairs,
        fixed(o.accuracy, 3),
        fixed(o.strict, 3),
        `${o.wins}/${o.ties}/${o.losses}`,
        o.signTestP < 0.001 ? '<0.001' : fixed(o.signTestP, 3),
        `${o.undecided}${judge}`,
        fixed((performance.now() - started) / Math.max(1, results.length), 2),
      ]);
    }
  }
  console.log('\n## Ordering accuracy (better answer scored above worse; ties count half)\n');
  console.log(markdownTable(['set', 'metric', 'implementation', 'pairs compared', 'pairs', 'accuracy', 'strict', 'win/tie/loss', 'sign-test p', 'null pairs', 'ms/score'], orderingRows));

  console.log('\n## answer_correctness.jsonl: metric vs hand-made TP/FP/FN labels (label F = TP / (TP + (FP+FN)/2))\n');
  for (const impl of implementations) {
    const a = await runCorrectnessAgreement(sets.correctness.slice(0, limit), impl.metrics.answer_correctness);
    console.log(markdownTable(['item', 'labelled TP/FP/FN', 'label F', `${impl.label} TP/FP/FN`, `${impl.label} F`], a.items.map((i) => [i.id, i.labelled, fixed(i.labelF, 3), i.measured, i.metricF === null ? 'null' : fixed(i.metricF, 3)])));
    console.log(`\n${impl.label}: Pearson ${fixed(a.pearson, 3)}, Spearman ${fixed(a.spearman, 3)}, same side of 0.5 ${fixed(a.binaryAgreement, 3)}, concordance on differently-labelled pairs ${fixed(a.concordance, 3)}\n`);
  }

  console.log('## Score distributions (own contexts)\n');
  const distRows: (string | number)[][] = [];
  for (const [set, samples] of [['amnesty_qa', sets.amnesty.slice(0, limit)], ['solana', sets.solana.slice(0, limit)]] as const) {
    for (const name of ['faithfulness', 'answer_relevancy', 'context_precision', 'context_recall', 'answer_correctness'] as const) {
      if (set === 'solana' && name === 'answer_correctness') continue; // answer = ground truth there: 1 by construction
      for (const impl of implementations) {
        const results: MetricResult[] = [];
        for (const s of samples) results.push(await impl.metrics[name].score(s, benchContext(120_000)));
        const sum = summarizeAnswerMetric(results);
        const values = results.flatMap((r) => (r.value === null ? [] : [r.value]));
        distRows.push([set, name, impl.label, sum.count, sum.nulls, fixed(sum.mean ?? NaN, 3), fixed(quantile(values, 0), 2), fixed(quantile(values, 0.25), 2), fixed(quantile(values, 0.5), 2), fixed(quantile(values, 0.75), 2), fixed(quantile(values, 1), 2)]);
      }
    }
  }
  console.log(markdownTable(['set', 'metric', 'implementation', 'n', 'nulls', 'mean', 'min', 'p25', 'median', 'p75', 'max'], distRows));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
