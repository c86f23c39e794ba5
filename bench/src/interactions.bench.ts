/**
 * What interaction records and online evaluation cost:
 * 1. Online scoring per sampled interaction with the deterministic evaluators (faithfulness, answer relevancy, context
 *    precision): real interaction records of the 58 golden questions (all-in-one, in this process, default content
 *    setting), scored over and over by the evaluator the evaluation service runs; ms per interaction and
 *    interactions/s on one core.
 * 2. Query latency with interaction publishing on vs off, in the same run, rotating the order per round: distributed
 *    (the gateway publishes to JetStream; "on" also runs the evaluation service at its default 10 % sampling) and
 *    all-in-one (in-memory log and in-process evaluation).
 *
 *   node bench/dist/interactions.bench.js [--modes distributed,all-in-one] [--rounds 2] [--duration 8] [--warmup 2]
 *     [--rate 200] [--passes 20]
 *
 * Needs a build (`node scripts/build.mjs`) and nats-server for distributed mode.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDeterministicMetrics, type InteractionDecision, OnlineEvaluator } from '@ragops/evaluation';
import { type ChunkHit, defaultVariant, type GenerateReply, systemClock, type InteractionRecord } from '@ragops/contracts';
import { buildInteractionRecord, type InteractionMaterial, InteractionRecorder } from '@ragops/rag';
import { redactPii } from '@ragops/telemetry';
import { loadClient, loadCommands, loadPlatform, repoRoot } from './cli.loader.js';
import { runLoad } from './load.runner.js';
import type { LoadResult } from './load.types.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { startAllInOneProcess, startDistributed, type Target, type TargetMode } from './platform.targets.js';
import { cleanEnv, cpuSeconds, freePort, spawnChild, stopAll } from './process.harness.js';
import { fixed, median, quantile } from './stats.math.js';

const { values: args } = parseArgs({
  options: {
    modes: { type: 'string', default: 'distributed,all-in-one' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
    passes: { type: 'string', default: '20' },
  },
});
const modes = args.modes.split(',').filter(Boolean) as TargetMode[];
for (const m of modes) if (m !== 'all-in-one' && m !== 'distributed') throw new Error(`--modes: unknown mode ${m}`);
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const rate = Number(args.rate);
const passes = Number(args.passes);

const root = fileURLToPath(repoRoot);
const corpusDir = join(root, 'data/sample-corpus/docs');
const questions = (await readFile(join(root, 'data/sample-corpus/golden-qa.jsonl'), 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { question: string }).question);
const requests = questions.map((q) => ({ method: 'POST' as const, path: '/v1/query', body: JSON.stringify({ query: q }) }));

console.log(
  formatConditions('Interaction records and online evaluation: scoring cost, and query latency with publishing on vs off', {
    scoring: `deterministic faithfulness + answer_relevancy + context_precision over the interaction records of ${questions.length} golden-qa questions (all-in-one in this process, INTERACTION_CONTENT=redacted, topK 5, extractive answers), ${passes} passes, one core, no I/O`,
    modes: modes.join(', '),
    rounds: `${rounds}, order rotating (off→on, on→off); a fresh platform per measurement`,
    corpus: 'data/sample-corpus/docs (58 Markdown docs) ingested over POST /v1/documents before loading',
    requests: `POST /v1/query rotating ${questions.length} golden-qa questions (sparse retrieval, extractive generator)`,
    latency: `autocannon at ${rate} req/s overall (${Math.ceil(rate / 50)} connections), ${duration} s after ${warmup} s warm-up; exact per-response times of 2xx answers`,
    'publishing on': 'INTERACTIONS=on (default): distributed → JetStream stream RAGOPS_INTERACTIONS + the evaluation service (EVAL_SAMPLE_RATE 0.1, deterministic); all-in-one → memory log + in-process evaluation (0.1)',
    'publishing off': 'INTERACTIONS=off: no record built, nothing published, no evaluation service',
  }),
);

// ---- 1. scoring cost ---------------------------------------------------------------------------------------------
const { startAllInOne } = await loadPlatform();
const { GatewayClient } = await loadClient();
const { ingestPath } = await loadCommands();
const platform = await startAllInOne({
  env: { RAGOPS_DATA_DIR: 'none', RAGOPS_SAMPLE_CORPUS: 'none', LOG_LEVEL: 'warn', EVAL_SAMPLE_RATE: '0', METRICS_PORT: '0' },
  port: 0,
  evaluationPort: 0,
});
let records: InteractionRecord[];
const materials: InteractionMaterial[] = [];
try {
  const client = new GatewayClient(platform.url);
  await ingestPath(client, corpusDir);
  for (const [i, q] of questions.entries()) {
    const answer = (await client.query(q)) as Awaited<ReturnType<typeof client.query>> & { finishReason: GenerateReply['finishReason']; usage: GenerateReply['usage'] };
    const found = await client.search(q, 5);
    // What QueryService hands the recorder for this query: the search reply and the generation reply, by reference.
    const reply: GenerateReply = { answer: answer.answer, citations: answer.citations, model: 'extractive', usage: answer.usage, finishReason: answer.finishReason, droppedChunks: 0, promptHash: `sha256:${'0'.repeat(64)}` };
    materials.push({
      ctx: { requestId: `bench-${i}`, tenant: 'default', deadline: Date.now() + 10_000, variant: defaultVariant },
      query: q,
      filtered: false,
      startedAt: Date.now(),
      search: { index: 'default', hits: found.hits as ChunkHit[], timings: { searchMs: 1 } },
      reply,
      retrievalMs: 1,
      generationMs: 1,
      totalMs: 2,
    });
  }
  const log = platform.interactions?.interactions;
  if (!log) throw new Error('the all-in-one platform records no interactions (INTERACTIONS=off?)');
  for (let i = 0; i < 100 && log.recent().length < questions.length; i++) await new Promise((r) => setTimeout(r, 20));
  records = log.recent();
} finally {
  await platform.close();
}
const decisions = new Map<InteractionDecision, number>();
const evaluator = new OnlineEvaluator({
  metrics: createDeterministicMetrics(),
  sampleRate: 1,
  clock: systemClock,
  observer: { interaction: (_v, d) => decisions.set(d, (decisions.get(d) ?? 0) + 1), score: () => undefined, judged: () => undefined, unparseable: () => undefined, feedback: () => undefined },
});
// Every pass re-reads the same records as new requests (a fresh id each time), so none is skipped as a duplicate.
const perInteractionMs: number[] = [];
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
let scored = 0;
for (let pass = 0; pass < passes; pass++) {
  for (const r of records) {
    const copy = { ...r, requestId: `${r.requestId}-p${pass}` };
    const t = performance.now();
    const decision = await evaluator.onInteraction(copy);
    if (decision === 'sampled') {
      perInteractionMs.push(performance.now() - t);
      scored++;
    }
  }
}
const wallSec = (performance.now() - wall0) / 1000;
const cpu = process.cpuUsage(cpu0);
const contextChars = median(records.map((r) => (r.retrieval?.hits ?? []).reduce((n, h) => n + (h.text?.length ?? 0), 0)));
console.log('\n## 1. Online scoring cost per sampled interaction (deterministic evaluators)\n');
console.log(
  markdownTable(
    ['records', 'scored', 'skipped', 'median context chars', 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'interactions/s (wall)', 'CPU ms / interaction'],
    [
      [
        records.length,
        scored,
        [...decisions].filter(([d]) => d !== 'sampled').map(([d, n]) => `${d} ${n}`).join(', ') || '0',
        fixed(contextChars, 0),
        fixed(perInteractionMs.reduce((a, b) => a + b, 0) / Math.max(1, scored), 3),
        fixed(quantile(perInteractionMs, 0.5), 3),
        fixed(quantile(perInteractionMs, 0.99), 3),
        fixed(Math.max(...perInteractionMs), 3),
        fixed(scored / wallSec, 0),
        fixed((cpu.user + cpu.system) / 1000 / Math.max(1, scored), 3),
      ],
    ],
  ),
);

// ---- 1b. what recording costs the gateway per query ---------------------------------------------------------------
// On the request path: record() (queue a reference). Off it: building the record (redaction of query, answer and
// passages; hashes) and encoding it as JSON, as the JetStream sink does.
const recorder = new InteractionRecorder({ sink: { publish: async () => undefined }, content: 'redacted', redact: redactPii, clock: systemClock, queueSize: 1_000_000 });
const recordUs: number[] = [];
const buildUs: number[] = [];
const bytes: number[] = [];
for (let pass = 0; pass < passes; pass++) {
  for (const m of materials) {
    let t = performance.now();
    recorder.record(m);
    recordUs.push((performance.now() - t) * 1000);
    t = performance.now();
    const json = JSON.stringify(buildInteractionRecord(m, 'redacted', redactPii));
    buildUs.push((performance.now() - t) * 1000);
    bytes.push(Buffer.byteLength(json));
  }
  await recorder.flush();
}
console.log('\n## 1b. Recording cost per query (gateway, INTERACTION_CONTENT=redacted)\n');
console.log(
  markdownTable(
    ['queries', 'record() on the request path, p50 / p99 µs', 'build + redact + JSON off the path, p50 / p99 µs', 'record size p50 / max bytes'],
    [[recordUs.length, `${fixed(quantile(recordUs, 0.5), 1)} / ${fixed(quantile(recordUs, 0.99), 1)}`, `${fixed(quantile(buildUs, 0.5), 0)} / ${fixed(quantile(buildUs, 0.99), 0)}`, `${fixed(quantile(bytes, 0.5), 0)} / ${fixed(Math.max(...bytes), 0)}`]],
  ),
);

// ---- 2. query latency, publishing on vs off ----------------------------------------------------------------------
type Setting = 'off' | 'on';
interface Row {
  mode: TargetMode;
  setting: Setting;
  round: number;
  paced: LoadResult;
  cpuMsPerQuery: number;
}
const rows: Row[] = [];
const started = performance.now();
try {
  for (const mode of modes) {
    for (let round = 1; round <= rounds; round++) {
      const order: Setting[] = round % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
      for (const setting of order) {
        // Every service of this checkout serves /metrics on METRICS_PORT; 0 lets each take a free port.
        const env = { INTERACTIONS: setting, METRICS_PORT: '0' };
        const target: Target = mode === 'all-in-one' ? await startAllInOneProcess({ env }) : await startDistributed({ env });
        const extra = setting === 'on' && mode === 'distributed' ? [await startEvaluationProcess(target)] : [];
        try {
          const client = new GatewayClient(target.url);
          await ingestPath(client, corpusDir);
          const probe = await client.query(questions[0]!);
          if (!probe.answer) throw new Error(`${mode}: the probe query got no answer`);
          const processes = [...target.processes, ...extra];
          const cpuBefore = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
          const paced = await runLoad({ url: target.url, generator: 'autocannon', connections: Math.ceil(rate / 50), duration, warmup, overallRate: rate, requests });
          const cpuAfter = await Promise.all(processes.map((p) => cpuSeconds(p.pid)));
          const cpuSec = cpuAfter.reduce((sum, after, i) => sum + after - cpuBefore[i]!, 0);
          const row: Row = { mode, setting, round, paced, cpuMsPerQuery: (cpuSec * 1000) / (rate * (duration + warmup)) };
          rows.push(row);
          console.log(
            `  ${mode} round ${round} interactions ${setting.padEnd(3)}  @${rate}/s p50 ${fixed(paced.latency.p50)} p99 ${fixed(paced.latency.p99)} ms` +
              `  CPU ${fixed(row.cpuMsPerQuery)} ms/query  errors ${paced.errors}`,
          );
        } finally {
          for (const p of extra) await p.stop();
          await target.stop();
        }
      }
    }
  }
} finally {
  await stopAll();
}

/** The evaluation service process on the distributed target's NATS (as the Helm chart would run it). */
async function startEvaluationProcess(target: Target) {
  const port = await freePort();
  const child = spawnChild('evaluation', process.execPath, [join(root, 'services/evaluation/dist/main.js')], cleanEnv({ NATS_URL: target.natsUrl!, LOG_LEVEL: 'warn', METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' }), root);
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  await child.stop();
  throw new Error('the evaluation service did not start');
}

console.log('\n## 2. Query latency, interaction publishing on vs off (every measurement)\n');
console.log(
  markdownTable(
    ['mode', 'round', 'interactions', `p50 @${rate}/s`, `p90 @${rate}/s`, `p99 @${rate}/s`, 'CPU ms/query (all processes)', 'errors'],
    rows.map((r) => [r.mode, r.round, r.setting, fixed(r.paced.latency.p50), fixed(r.paced.latency.p90), fixed(r.paced.latency.p99), fixed(r.cpuMsPerQuery), r.paced.errors]),
  ),
);
console.log('\n## Medians over rounds\n');
const pick = (mode: TargetMode, setting: Setting, f: (r: Row) => number) => median(rows.filter((r) => r.mode === mode && r.setting === setting).map(f));
console.log(
  markdownTable(
    ['mode', 'interactions', `p50 @${rate}/s ms`, `p99 @${rate}/s ms`, 'CPU ms/query'],
    modes.flatMap((mode) => (['off', 'on'] as const).map((s) => [mode, s, fixed(pick(mode, s, (r) => r.paced.latency.p50)), fixed(pick(mode, s, (r) => r.paced.latency.p99)), fixed(pick(mode, s, (r) => r.cpuMsPerQuery))])),
  ),
);
console.log(`\ntotal wall time ${fixed((performance.now() - started) / 1000, 1)} s`);
