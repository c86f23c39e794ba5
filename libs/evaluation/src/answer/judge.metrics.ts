import { AppError, isAppError, type Clock, type RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatModel } from '@ragops/rag';
import type { z } from 'zod';
import { answerMetricNames, type AnswerMetric, type AnswerMetricName, type AnswerSample, type JudgeStats, type MetricResult, type NullReason } from './answer-metric.types.js';
import { assertAnswerSample } from './deterministic.metrics.js';
import { judgePrompts, type JudgePrompt } from './judge.prompts.js';

export interface JudgeMetricOptions {
  /** The judge. Its adapter owns transport retries (429/5xx); the judge only retries output it cannot parse. */
  model: ChatModel;
  /** Checked before every call: no call starts once `ctx.deadline` has passed. */
  clock: Clock;
  /** Valid judgments averaged per sample (requested as `n` choices). Default 1. */
  samples?: number;
  /** Extra calls allowed after a call whose output did not parse (or fit the schema). Default 2. */
  maxRetries?: number;
  /** Default 0 for one sample; 0.7 for several, which would otherwise all be the same judgment. */
  temperature?: number;
  /** Completion budget per judgment. Default 2048 (claim lists of long answers are long). */
  maxTokens?: number;
  /** Prompts to use instead of the current ones (another version), by metric. */
  prompts?: Partial<{ [K in AnswerMetricName]: JudgePrompt }>;
}

export type ParsedJudgment<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads one judge output: the JSON object itself, or one wrapped in a Markdown code fence or surrounded by prose
 * (models add both despite being told not to), validated against the prompt's schema.
 */
export function parseJudgeOutput<T>(text: string, schema: z.ZodType<T>): ParsedJudgment<T> {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed)?.[1];
  const candidates = [fenced ?? trimmed];
  const first = trimmed.indexOf('{');
  const last = trimmed.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(trimmed.slice(first, last + 1));
  let error = 'not valid JSON';
  for (const candidate of candidates) {
    let json: unknown;
    try {
      json = JSON.parse(candidate);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    error = `schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`;
  }
  return { ok: false, error };
}

/**
 * One metric scored by an LLM judge. Per sample: ask for `samples` judgments (choices), parse each with the
 * prompt's schema, ask again for the missing ones after unparseable output (at most `maxRetries` times), and
 * average the valid judgments' scores. Unparseable outputs are counted, never guessed; with no valid judgment the
 * value is null with the reason. Model errors (AppErrors) end the sample and are recorded, not thrown, so one
 * failing sample does not lose a run; anything else is a bug and is rethrown.
 */
export function createJudgeMetric(prompt: JudgePrompt, options: JudgeMetricOptions): AnswerMetric {
  const { model, clock, samples = 1, maxRetries = 2, maxTokens = 2048 } = options;
  if (!Number.isInteger(samples) || samples < 1 || samples > 20) throw new AppError('VALIDATION_FAILED', `judge samples must be an integer in 1..20, got ${samples}`);
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) throw new AppError('VALIDATION_FAILED', `judge maxRetries must be an integer in 0..10, got ${maxRetries}`);
  const temperature = options.temperature ?? (samples === 1 ? 0 : 0.7);

  const score = async (sample: AnswerSample, ctx: RequestContext): Promise<MetricResult> => {
    assertAnswerSample(sample);
    const stats: JudgeStats = {
      model: model.model,
      requested: samples,
      parsed: 0,
      unparseable: 0,
      calls: 0,
      usage: { promptTokens: 0, completionTokens: 0, estimated: false },
      unpricedCalls: 0,
      values: [],
    };
    const done = (value: number | null, nullReason?: NullReason): MetricResult => {
      const out: MetricResult = { metric: prompt.metric, implementation: 'llm-judge', version: prompt.version, judgePromptVersion: prompt.version, value, judge: stats };
      if (value === null) out.nullReason = nullReason;
      if (sample.id !== undefined) out.sampleId = sample.id;
      return out;
    };

    const missing = prompt.missing(sample);
    if (missing) return done(null, missing);
    const decided = prompt.decided?.(sample);
    if (decided !== undefined) return done(decided);

    const messages = prompt.messages(sample);
    let retriesLeft = maxRetries;
    let stopped: NullReason | undefined;
    while (stats.parsed < samples) {
      if (clock.now() >= ctx.deadline) {
        stopped = 'deadline-exceeded';
        break;
      }
      const wanted = samples - stats.parsed;
      let completion: ChatCompletion;
      stats.calls++;
      try {
        completion = await model.complete({ messages, n: wanted, json: true, temperature, maxTokens }, ctx);
      } catch (error) {
        if (!isAppError(error)) throw error;
        stats.error = `${error.code}: ${error.message}`;
        stopped = error.code === 'DEADLINE_EXCEEDED' ? 'deadline-exceeded' : 'judge-error';
        break;
      }
      account(stats, completion);
      // Extra choices beyond those asked for are ignored; a reply with none counts as one unparseable output.
      const outputs = completion.choices.slice(0, wanted);
      let bad = outputs.length === 0 ? 1 : 0;
      for (const output of outputs) {
        const value = judge(prompt, output, sample);
        if (value === undefined) bad++;
        else {
          stats.parsed++;
          stats.values.push(value);
        }
      }
      stats.unparseable += bad;
      if (bad > 0 && retriesLeft-- === 0) break;
    }

    const scored = stats.values.filter((v): v is number => v !== null);
    if (scored.length > 0) return done(scored.reduce((a, b) => a + b, 0) / scored.length);
    if (stats.parsed > 0) return done(null, 'no-claims');
    return done(null, stopped ?? 'unparseable');
  };

  return {
    name: prompt.metric,
    implementation: 'llm-judge',
    version: prompt.version,
    judgePromptVersion: prompt.version,
    id: `${prompt.metric}/llm-judge/${prompt.version}/${model.model}`,
    score,
  };
}

/** Score of one output: a number or null (valid, nothing to score), or undefined when the output is unusable. */
function judge(prompt: JudgePrompt, output: string, sample: AnswerSample): number | null | undefined {
  const parsed = parseJudgeOutput(output, prompt.schema);
  if (!parsed.ok) return undefined;
  try {
    const value = prompt.score(parsed.value, sample);
    // A prompt's scoring bug must not leak NaN or out-of-range values into averages.
    if (value !== null && !(value >= 0 && value <= 1)) return undefined;
    return value;
  } catch {
    return undefined; // the judgment does not fit the sample (e.g. verdicts for passages that do not exist)
  }
}

function account(stats: JudgeStats, completion: ChatCompletion): void {
  stats.model = completion.model || stats.model;
  stats.usage.promptTokens += completion.usage.promptTokens;
  stats.usage.completionTokens += completion.usage.completionTokens;
  stats.usage.estimated ||= completion.usage.estimated;
  if (completion.costUsd === undefined) stats.unpricedCalls++;
  else stats.costUsd = (stats.costUsd ?? 0) + completion.costUsd;
}

/** The five metrics' LLM-judge implementations over one model, with the current prompt versions. */
export function createJudgeMetrics(options: JudgeMetricOptions): Record<AnswerMetricName, AnswerMetric> {
  const out = {} as Record<AnswerMetricName, AnswerMetric>;
  for (const name of answerMetricNames) {
    const prompt = options.prompts?.[name] ?? judgePrompts[name];
    if (prompt.metric !== name) throw new AppError('VALIDATION_FAILED', `prompt ${prompt.version} is for ${prompt.metric}, not ${name}`);
    out[name] = createJudgeMetric(prompt, options);
  }
  return out;
}
