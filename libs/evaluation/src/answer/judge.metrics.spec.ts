import { describe, expect, it } from '@jest/globals';
import { AppError, ManualClock, defaultVariant, type RequestContext } from '@ragops/contracts';
import type { ChatCompletion, ChatModel, ChatRequest } from '@ragops/rag';
import { z } from 'zod';
import type { AnswerSample } from './answer-metric.types.js';
import { createJudgeMetric, createJudgeMetrics, parseJudgeOutput } from './judge.metrics.js';
import { contextPrecisionPrompt, faithfulnessPrompt, judgePrompts } from './judge.prompts.js';

type Step = (request: ChatRequest, ctx: RequestContext) => Partial<ChatCompletion> | Error;

/** A ChatModel that plays a script, one step per call, and records what it was asked; an unscripted call fails. */
class ScriptedChatModel implements ChatModel {
  readonly model = 'judge-model';
  readonly calls: { request: ChatRequest; ctx: RequestContext }[] = [];
  constructor(private readonly steps: Step[]) {}
  async complete(request: ChatRequest, ctx: RequestContext): Promise<ChatCompletion> {
    this.calls.push({ request, ctx });
    const step = this.steps.shift();
    if (!step) throw new Error(`unscripted call ${this.calls.length}`);
    const out = step(request, ctx);
    if (out instanceof Error) throw out;
    return { choices: [], finishReason: 'stop', model: 'judge-model-2025', usage: { promptTokens: 100, completionTokens: 20, estimated: false }, costUsd: 0.001, ...out };
  }
}

const reply = (...choices: string[]): Step => () => ({ choices });
const claims = (...supported: boolean[]) => JSON.stringify({ claims: supported.map((s, i) => ({ claim: `claim ${i}`, supported: s })) });

const clock = new ManualClock(1_000);
const ctx: RequestContext = { requestId: 'r1', tenant: 't', deadline: 61_000, variant: defaultVariant };
const sample: AnswerSample = { id: 'q1', question: 'Where is the tower?', answer: 'It is in Paris. It opened in 1889.', contexts: ['The tower is in Paris.', 'It opened in 1889.'], groundTruth: 'Paris.' };

function faithfulness(steps: Step[], options: { samples?: number; maxRetries?: number } = {}) {
  const model = new ScriptedChatModel(steps);
  return { model, metric: createJudgeMetric(faithfulnessPrompt, { model, clock, ...options }) };
}

describe('LLM-judge metric', () => {
  it('scores a valid judgment, labelled with implementation and prompt version, and accounts usage and cost', async () => {
    const { model, metric } = faithfulness([reply(claims(true, true, false))]);
    const r = await metric.score(sample, ctx);
    expect(r).toMatchObject({ metric: 'faithfulness', implementation: 'llm-judge', version: 'faithfulness@1', judgePromptVersion: 'faithfulness@1', sampleId: 'q1' });
    expect(metric).toMatchObject({ name: 'faithfulness', implementation: 'llm-judge', judgePromptVersion: 'faithfulness@1', id: 'faithfulness/llm-judge/faithfulness@1/judge-model' });
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.judge).toEqual({
      model: 'judge-model-2025',
      requested: 1,
      parsed: 1,
      unparseable: 0,
      calls: 1,
      usage: { promptTokens: 100, completionTokens: 20, estimated: false },
      costUsd: 0.001,
      unpricedCalls: 0,
      values: [r.value],
    });
    const { request, ctx: passed } = model.calls[0];
    expect(passed).toBe(ctx); // the model bounds its call by the caller's deadline
    expect(request).toMatchObject({ n: 1, json: true, temperature: 0 });
    const prompt = request.messages.map((m) => m.content).join('\n');
    for (const text of [sample.question, sample.answer, ...sample.contexts]) expect(prompt).toContain(text);
  });

  it('retries after unparseable output and counts it', async () => {
    const { model, metric } = faithfulness([reply('Sure! The claims are supported.'), reply(claims(true, false))]);
    const r = await metric.score(sample, ctx);
    expect(r.value).toBe(0.5);
    expect(r.judge).toMatchObject({ parsed: 1, unparseable: 1, calls: 2 });
    expect(model.calls).toHaveLength(2);
  });

  it('gives up after maxRetries, counting every bad output, with value null (never NaN)', async () => {
    const bad = [reply('{"claims": ['), reply('{"claims": [{"claim": "x", "supported": "yes"}]}'), reply('null')];
    const { model, metric } = faithfulness(bad, { maxRetries: 2 });
    const r = await metric.score(sample, ctx);
    expect(r).toMatchObject({ value: null, nullReason: 'unparseable', judge: { parsed: 0, unparseable: 3, calls: 3 } });
    expect(model.calls).toHaveLength(3);
  });

  it('with maxRetries 0 makes exactly one call', async () => {
    const { metric } = faithfulness([reply('nope')], { maxRetries: 0 });
    expect(await metric.score(sample, ctx)).toMatchObject({ value: null, nullReason: 'unparseable', judge: { calls: 1, unparseable: 1 } });
  });

  it('averages n sampled judgments, asking with temperature for several', async () => {
    const { model, metric } = faithfulness([reply(claims(true), claims(true, false), claims(false))], { samples: 3 });
    const r = await metric.score(sample, ctx);
    expect(r.value).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(r.judge).toMatchObject({ requested: 3, parsed: 3, values: [1, 0.5, 0], calls: 1 });
    expect(model.calls[0].request).toMatchObject({ n: 3, temperature: 0.7 });
  });

  it('asks again only for the judgments still missing, averaging the valid ones', async () => {
    const { model, metric } = faithfulness([reply(claims(true), 'garbage', claims(false)), reply(claims(true, true))], { samples: 3 });
    const r = await metric.score(sample, ctx);
    expect(model.calls.map((c) => c.request.n)).toEqual([3, 1]);
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.judge).toMatchObject({ parsed: 3, unparseable: 1, calls: 2 });
  });

  it('fills in when a server ignores n, without spending retries on it', async () => {
    const { model, metric } = faithfulness([reply(claims(true)), reply(claims(false)), reply(claims(true))], { samples: 3, maxRetries: 0 });
    const r = await metric.score(sample, ctx);
    expect(model.calls.map((c) => c.request.n)).toEqual([3, 2, 1]);
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.judge?.unparseable).toBe(0);
  });

  it('ignores choices beyond those asked for, and counts a reply without choices as unparseable', async () => {
    const { metric } = faithfulness([reply(), reply(claims(true), claims(false))], { samples: 1 });
    const r = await metric.score(sample, ctx);
    expect(r.value).toBe(1);
    expect(r.judge).toMatchObject({ parsed: 1, unparseable: 1, calls: 2, values: [1] });
  });

  it('starts no call once the deadline has passed', async () => {
    const late = new ManualClock(ctx.deadline);
    const model = new ScriptedChatModel([]);
    const r = await createJudgeMetric(faithfulnessPrompt, { model, clock: late }).score(sample, ctx);
    expect(model.calls).toHaveLength(0);
    expect(r).toMatchObject({ value: null, nullReason: 'deadline-exceeded', judge: { calls: 0 } });
  });

  it('stops retrying when a slow call used up the deadline, keeping the count', async () => {
    const c = new ManualClock(1_000);
    const slowAndBad: Step = () => {
      c.advance(60_000); // the call took until the deadline
      return { choices: ['not json'] };
    };
    const model = new ScriptedChatModel([slowAndBad, reply(claims(true))]);
    const r = await createJudgeMetric(faithfulnessPrompt, { model, clock: c, maxRetries: 5 }).score(sample, ctx);
    expect(model.calls).toHaveLength(1);
    expect(r).toMatchObject({ value: null, nullReason: 'deadline-exceeded', judge: { unparseable: 1, calls: 1 } });
  });

  it('keeps the judgments it got before the deadline', async () => {
    const c = new ManualClock(1_000);
    const model = new ScriptedChatModel([
      () => {
        c.advance(70_000);
        return { choices: [claims(true, false)] };
      },
    ]);
    const r = await createJudgeMetric(faithfulnessPrompt, { model, clock: c, samples: 2 }).score(sample, ctx);
    expect(r.value).toBe(0.5);
    expect(r.nullReason).toBeUndefined();
    expect(r.judge).toMatchObject({ requested: 2, parsed: 1 });
  });

  it('records a model error as the reason instead of throwing, without retrying', async () => {
    const { model, metric } = faithfulness([() => new AppError('UPSTREAM_FAILED', 'model server returned 500')]);
    const r = await metric.score(sample, ctx);
    expect(model.calls).toHaveLength(1);
    expect(r).toMatchObject({ value: null, nullReason: 'judge-error', judge: { error: 'UPSTREAM_FAILED: model server returned 500', calls: 1 } });
    const timedOut = await faithfulness([() => new AppError('DEADLINE_EXCEEDED', 'no reply in time')]).metric.score(sample, ctx);
    expect(timedOut).toMatchObject({ value: null, nullReason: 'deadline-exceeded' });
  });

  it('rethrows what is not an AppError (a bug, not a judgment)', async () => {
    const { metric } = faithfulness([() => new TypeError('x is undefined')]);
    await expect(metric.score(sample, ctx)).rejects.toThrow(TypeError);
  });

  it('reports null (no claims) when every valid judgment has nothing to score', async () => {
    const { metric } = faithfulness([reply(claims(), claims())], { samples: 2 });
    expect(await metric.score(sample, ctx)).toMatchObject({ value: null, nullReason: 'no-claims', judge: { parsed: 2 } });
  });

  it('leaves cost undefined and counts unpriced calls when the model has no price', async () => {
    const { metric } = faithfulness([() => ({ choices: [claims(true)], costUsd: undefined, usage: { promptTokens: 5, completionTokens: 1, estimated: true } })]);
    const r = await metric.score(sample, ctx);
    expect(r.judge?.costUsd).toBeUndefined();
    expect(r.judge).toMatchObject({ unpricedCalls: 1, usage: { promptTokens: 5, completionTokens: 1, estimated: true } });
  });

  it('makes no call when the sample lacks an input, or when the inputs decide the score', async () => {
    const model = new ScriptedChatModel([]);
    const metrics = createJudgeMetrics({ model, clock });
    const noTruth = { ...sample, groundTruth: undefined };
    expect(await metrics.context_recall.score(noTruth, ctx)).toMatchObject({ value: null, nullReason: 'missing-input', implementation: 'llm-judge' });
    expect(await metrics.answer_correctness.score(noTruth, ctx)).toMatchObject({ value: null, nullReason: 'missing-input' });
    expect(await metrics.context_precision.score({ ...sample, contexts: [] }, ctx)).toMatchObject({ value: 0, judge: { calls: 0 } });
    expect(await metrics.context_recall.score({ ...sample, contexts: [] }, ctx)).toMatchObject({ value: 0, judge: { calls: 0 } });
    expect(await metrics.answer_relevancy.score({ ...sample, question: ' ' }, ctx)).toMatchObject({ value: null, nullReason: 'missing-input' });
    expect(await metrics.faithfulness.score({ ...sample, answer: ' ' }, ctx)).toMatchObject({ value: null, nullReason: 'no-claims' });
    expect(await metrics.answer_relevancy.score({ ...sample, answer: '' }, ctx)).toMatchObject({ value: 0 });
    expect(await metrics.answer_correctness.score({ ...sample, answer: '' }, ctx)).toMatchObject({ value: 0 });
    expect(model.calls).toHaveLength(0);
  });

  it('validates its options and the sample', async () => {
    const model = new ScriptedChatModel([]);
    for (const samples of [0, 1.5, 21]) expect(() => createJudgeMetric(faithfulnessPrompt, { model, clock, samples })).toThrow(/samples/);
    for (const maxRetries of [-1, 0.5, 11]) expect(() => createJudgeMetric(faithfulnessPrompt, { model, clock, maxRetries })).toThrow(/maxRetries/);
    expect(() => createJudgeMetrics({ model, clock, prompts: { faithfulness: contextPrecisionPrompt } })).toThrow(/context_precision@1 is for context_precision/);
    await expect(createJudgeMetric(faithfulnessPrompt, { model, clock }).score({ question: 'q' } as AnswerSample, ctx)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('the five judge metrics', () => {
  it('each scores its judgment as defined', async () => {
    const script: Record<string, string> = {
      faithfulness: claims(true, false, false, false),
      answer_relevancy: JSON.stringify({ statements: [{ statement: 'a', relevant: true }, { statement: 'b', relevant: false }], noncommittal: false }),
      context_precision: JSON.stringify({ verdicts: [{ passage: 2, useful: true }, { passage: 1, useful: false }] }),
      context_recall: JSON.stringify({ statements: [{ statement: 'a', attributed: true }, { statement: 'b', attributed: true }, { statement: 'c', attributed: false }] }),
      answer_correctness: JSON.stringify({ tp: ['a', 'b'], fp: ['c'], fn: ['d', 'e', 'f'] }),
    };
    const expected = { faithfulness: 0.25, answer_relevancy: 0.5, context_precision: 0.5, context_recall: 2 / 3, answer_correctness: 2 / (2 + 2) };
    for (const [name, out] of Object.entries(script)) {
      const model = new ScriptedChatModel([reply(out)]);
      const metric = createJudgeMetrics({ model, clock })[name as keyof typeof expected];
      const r = await metric.score(sample, ctx);
      expect(r).toMatchObject({ metric: name, version: `${name}@1`, implementation: 'llm-judge' });
      expect(r.value).toBeCloseTo(expected[name as keyof typeof expected], 12);
    }
  });

  it('answer relevancy is 0 for a noncommittal answer', async () => {
    const out = JSON.stringify({ statements: [{ statement: 'I do not know', relevant: true }], noncommittal: true });
    const r = await createJudgeMetrics({ model: new ScriptedChatModel([reply(out)]), clock }).answer_relevancy.score(sample, ctx);
    expect(r.value).toBe(0);
  });

  it('context precision counts verdicts that do not match the passages as unparseable', async () => {
    const wrong = [
      { verdicts: [{ passage: 1, useful: true }] }, // one missing
      { verdicts: [{ passage: 1, useful: true }, { passage: 1, useful: false }] }, // repeated
      { verdicts: [{ passage: 1, useful: true }, { passage: 3, useful: false }] }, // out of range
    ].map((v) => reply(JSON.stringify(v)));
    const r = await createJudgeMetric(contextPrecisionPrompt, { model: new ScriptedChatModel(wrong), clock, maxRetries: 2 }).score(sample, ctx);
    expect(r).toMatchObject({ value: null, nullReason: 'unparseable', judge: { unparseable: 3 } });
  });

  it('context precision judges against the ground truth when there is one, else the answer', () => {
    const withTruth = contextPrecisionPrompt.messages(sample)[1].content;
    expect(withTruth).toContain('<reference_answer>\nParis.\n</reference_answer>');
    const without = contextPrecisionPrompt.messages({ ...sample, groundTruth: undefined })[1].content;
    expect(without).toContain(`<answer>\n${sample.answer}\n</answer>`);
    expect(without).not.toContain('reference_answer');
  });

  it('every prompt is versioned <metric>@<n> and asks for JSON only', () => {
    for (const [name, prompt] of Object.entries(judgePrompts)) {
      expect(prompt.metric).toBe(name);
      expect(prompt.version).toMatch(new RegExp(`^${name}@\\d+$`));
      const [system, user] = prompt.messages(sample);
      expect(system.role).toBe('system');
      expect(system.content).toMatch(/single JSON object/);
      expect(user.content).toContain(sample.question);
    }
  });
});

describe('parseJudgeOutput', () => {
  const schema = z.object({ ok: z.boolean() });

  it('accepts bare JSON, a fenced block, and JSON inside prose', () => {
    for (const text of ['{"ok": true}', '  ```json\n{"ok": true}\n```  ', '```\n{"ok":true}\n```', 'Here is my verdict: {"ok": true} Hope this helps.']) {
      expect(parseJudgeOutput(text, schema)).toEqual({ ok: true, value: { ok: true } });
    }
  });

  it('says why it rejects', () => {
    expect(parseJudgeOutput('', schema)).toEqual({ ok: false, error: 'not valid JSON' });
    expect(parseJudgeOutput('{"ok": tru', schema)).toEqual({ ok: false, error: 'not valid JSON' });
    const r = parseJudgeOutput('{"ok": "yes"}', schema);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^schema: ok /);
  });
});
