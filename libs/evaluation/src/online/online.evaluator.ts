import {
  AppError,
  type Clock,
  type FeedbackRecord,
  type InteractionRecord,
  POSITIVE_FEEDBACK_SCORE,
  type RequestContext,
} from '@ragops/contracts';
import type { AnswerMetric, AnswerMetricName, MetricResult, NullReason } from '../answer/answer-metric.types.js';
import { withoutCitationMarkers } from '../answer/claim.matcher.js';
import { isSampled } from './online.sampler.js';

/**
 * The answer metrics that need no reference answer, so they can score live traffic: faithfulness (answer vs
 * retrieved passages), answer relevancy (answer vs question) and context precision (which, without a ground truth,
 * judges the passages against the answer). Context recall and answer correctness need a ground truth.
 */
export const ONLINE_METRIC_NAMES = ['faithfulness', 'answer_relevancy', 'context_precision'] as const satisfies readonly AnswerMetricName[];
export type OnlineMetricName = (typeof ONLINE_METRIC_NAMES)[number];

/**
 * What happened to one interaction record: scored (`sampled`), or why not — outside the sample, a failed query,
 * texts not stored (INTERACTION_CONTENT=hash), no answer to judge (`no_context`), or a re-delivery already handled.
 */
export type InteractionDecision = 'sampled' | 'not_sampled' | 'error' | 'no_content' | 'no_answer' | 'duplicate';

/**
 * The part of an interaction record that decides everything short of scoring — a re-delivery, a failed query, a
 * request outside the sample. Small enough to travel as message headers, so those records need not be decoded.
 */
export interface InteractionSummary {
  tenant: string;
  requestId: string;
  /** The variant's id. */
  variant: string;
  timestamp: number;
  outcome: InteractionRecord['outcome'];
}

/** The variant label of feedback whose request the evaluator never saw (served before it started, or expired). */
export const UNKNOWN_VARIANT = 'unknown';

/** Reasons a judged score is a failure rather than "nothing to score". */
const FAILED: ReadonlySet<NullReason> = new Set(['unparseable', 'judge-error', 'deadline-exceeded']);

/** Where the evaluator's observations go (Prometheus metrics in the evaluation service; arrays in tests). */
export interface OnlineEvalObserver {
  interaction(variant: string, decision: InteractionDecision): void;
  /** One metric's score in [0, 1] for a sampled interaction. */
  score(variant: string, metric: OnlineMetricName, value: number): void;
  /** A sampled interaction finished: `failed` when any metric's judge failed (error, deadline, nothing parseable). */
  judged(variant: string, outcome: 'scored' | 'failed'): void;
  /** Judge outputs that did not parse (retries included) for one metric of one interaction. */
  unparseable(variant: string, metric: OnlineMetricName, count: number): void;
  /** Feedback on an answer of `variant`. */
  feedback(variant: string, rating: 'positive' | 'negative', score: number): void;
  /** Wall time of scoring one sampled interaction (all metrics), in seconds. */
  scoringSeconds?(seconds: number): void;
}

export interface OnlineEvaluatorOptions {
  /** The metric implementations to score with (deterministic or LLM judge), by name. */
  metrics: Partial<Record<OnlineMetricName, AnswerMetric>>;
  /** Share of interactions scored, in [0, 1]; decided by request id, so replicas agree. */
  sampleRate: number;
  clock: Clock;
  observer: OnlineEvalObserver;
  /** Time one interaction's judging may take (bounds judge calls). Default 60 s. */
  timeoutMs?: number;
  /** Requests remembered for joining feedback to its variant (and dropping re-deliveries). Default 100,000. */
  joinCapacity?: number;
  /** Deliveries of a feedback record whose interaction is not known yet before it counts as `unknown`. Default 5. */
  feedbackJoinAttempts?: number;
}

interface Seen {
  variant: string;
  /** The record's timestamp, once the record itself was read (index entries have none). */
  timestamp?: number;
}

/**
 * Online evaluation of live traffic: reads every interaction record — or only its summary, when that decides it —
 * remembering which variant served which request, scores a deterministic sample of them with the reference-free answer
 * metrics, and attributes feedback to the variant that served the answer. Everything observable goes to the observer, per variant. Pure apart from the metrics' own
 * model calls (LLM judge), which are bounded by `timeoutMs`.
 */
export class OnlineEvaluator {
  private readonly metrics: [OnlineMetricName, AnswerMetric][];
  private readonly seen = new Map<string, Seen>();
  private readonly timeoutMs: number;
  private readonly joinCapacity: number;
  private readonly feedbackJoinAttempts: number;

  constructor(private readonly options: OnlineEvaluatorOptions) {
    if (!(options.sampleRate >= 0 && options.sampleRate <= 1)) throw new AppError('VALIDATION_FAILED', `sampleRate must be in [0, 1], got ${options.sampleRate}`);
    this.metrics = ONLINE_METRIC_NAMES.flatMap((name) => {
      const metric = options.metrics[name];
      return metric ? [[name, metric] as [OnlineMetricName, AnswerMetric]] : [];
    });
    for (const [name, metric] of this.metrics) {
      if (metric.name !== name) throw new AppError('VALIDATION_FAILED', `metric ${metric.id} was given as ${name}`);
    }
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.joinCapacity = options.joinCapacity ?? 100_000;
    this.feedbackJoinAttempts = options.feedbackJoinAttempts ?? 5;
  }

  /** Which implementation scores (`deterministic` or `llm-judge`), for labelling; `none` without metrics. */
  get implementation(): string {
    return this.metrics[0]?.[1].implementation ?? 'none';
  }

  /**
   * Learns which variant served a request without reading its record (the interaction index every replica follows):
   * feedback handled by this replica can then be attributed even when another replica scores that record.
   */
  rememberVariant(tenant: string, requestId: string, variant: string): void {
    const k = key(tenant, requestId);
    if (this.seen.get(k)?.variant === variant) return;
    this.remember(k, { variant });
  }

  /**
   * Decides an interaction from its summary alone when that is enough, and counts it exactly as onInteraction would:
   * decide() checks re-delivery, then a failed query, then the sample, before anything in the record's content, so
   * every `duplicate`, `error` and `not_sampled` is decided here (no skipped record is reclassified; records outside
   * the sample never reached the content checks `no_answer` / `no_content`). Undefined when the request is in the
   * sample: then nothing is remembered or counted, and the record goes to onInteraction.
   */
  previewInteraction(summary: InteractionSummary): InteractionDecision | undefined {
    const decision = this.decideFromSummary(summary);
    if (decision === undefined) return undefined;
    if (decision !== 'duplicate') this.remember(key(summary.tenant, summary.requestId), { variant: summary.variant, timestamp: summary.timestamp });
    this.options.observer.interaction(summary.variant, decision);
    return decision;
  }

  /** Handles one interaction record; resolves with what was decided once any scoring is done. */
  async onInteraction(record: InteractionRecord): Promise<InteractionDecision> {
    const variant = record.variant.id;
    const decision = this.decide(record);
    this.options.observer.interaction(variant, decision);
    if (decision !== 'sampled') return decision;
    await this.score(record, variant);
    return decision;
  }

  /**
   * Handles one feedback record: counts it for the variant that served the answer. When that is not known yet (the
   * interaction stream is read independently and may lag), asks for redelivery (`retry`) up to feedbackJoinAttempts
   * deliveries, then counts it as `unknown`.
   */
  onFeedback(record: FeedbackRecord, attempt: number): 'ack' | 'retry' {
    const variant = record.variant ?? this.seen.get(key(record.tenant, record.requestId))?.variant;
    if (variant === undefined && attempt < this.feedbackJoinAttempts) return 'retry';
    const rating = record.score >= POSITIVE_FEEDBACK_SCORE ? 'positive' : 'negative';
    this.options.observer.feedback(variant ?? UNKNOWN_VARIANT, rating, record.score);
    return 'ack';
  }

  private decide(record: InteractionRecord): InteractionDecision {
    const { tenant, requestId, timestamp, outcome } = record;
    const early = this.decideFromSummary({ tenant, requestId, variant: record.variant.id, timestamp, outcome }, record.generation !== undefined);
    if (early !== 'duplicate') this.remember(key(tenant, requestId), { variant: record.variant.id, timestamp });
    if (early !== undefined) return early;
    if (!record.generation) return 'error'; // decided above (not `answered`); narrows the type
    if (record.generation.finishReason === 'no_context') return 'no_answer';
    if (record.query.text === undefined || record.generation.answer.text === undefined) return 'no_content';
    return 'sampled';
  }

  /**
   * The decisions that need only the summary, in decide()'s order; undefined: in the sample, the content decides.
   * `answered`: the record has a generation — from a summary, assumed for an `ok` record (the gateway's record builder
   * always includes the generation of an answered query).
   */
  private decideFromSummary(s: InteractionSummary, answered = true): InteractionDecision | undefined {
    const before = this.seen.get(key(s.tenant, s.requestId));
    if (before && before.timestamp === s.timestamp && before.variant === s.variant) return 'duplicate';
    if (s.outcome === 'error' || !answered) return 'error';
    if (!isSampled(s.requestId, this.options.sampleRate)) return 'not_sampled';
    return undefined;
  }

  private async score(record: InteractionRecord, variant: string): Promise<void> {
    const { clock, observer } = this.options;
    const started = clock.now();
    const sample = {
      id: record.requestId,
      question: record.query.text as string,
      answer: withoutCitationMarkers(record.generation?.answer.text as string),
      // Passages whose text was not stored (beyond the record's size cap) cannot be judged and are left out.
      contexts: (record.retrieval?.hits ?? []).flatMap((h) => (h.text === undefined ? [] : [h.text])),
    };
    const ctx: RequestContext = {
      requestId: record.requestId,
      tenant: record.tenant,
      deadline: started + this.timeoutMs,
      variant: record.variant,
    };
    const results = await Promise.all(this.metrics.map(([name, metric]) => scoreOne(metric, sample, ctx).then((r) => [name, r] as const)));
    let failed = false;
    for (const [name, result] of results) {
      if (result.value !== null) observer.score(variant, name, result.value);
      else if (result.nullReason && FAILED.has(result.nullReason)) failed = true;
      const unparseable = result.judge?.unparseable ?? 0;
      if (unparseable > 0) observer.unparseable(variant, name, unparseable);
    }
    observer.judged(variant, failed ? 'failed' : 'scored');
    observer.scoringSeconds?.((clock.now() - started) / 1000);
  }

  private remember(k: string, seen: Seen): void {
    this.seen.delete(k);
    this.seen.set(k, seen);
    if (this.seen.size > this.joinCapacity) this.seen.delete(this.seen.keys().next().value as string);
  }
}

function key(tenant: string, requestId: string): string {
  return `${tenant}\u0000${requestId}`;
}

/** A metric that throws (a bug, or a sample it rejects) is one failed judgment, not a lost interaction. */
async function scoreOne(metric: AnswerMetric, sample: Parameters<AnswerMetric['score']>[0], ctx: RequestContext): Promise<MetricResult> {
  try {
    return await metric.score(sample, ctx);
  } catch {
    return { metric: metric.name, implementation: metric.implementation, version: metric.version, value: null, nullReason: 'judge-error' };
  }
}
