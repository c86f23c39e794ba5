import { createHash } from 'node:crypto';
import {
  type GenerateReply,
  INTERACTION_SCHEMA_VERSION,
  type InteractionContentMode,
  type InteractionHit,
  InteractionLimits,
  type InteractionRecord,
  type RequestContext,
  type SearchReply,
  type StoredText,
} from '@ragops/contracts';

/** Masks personal data in free text (the telemetry lib's redactPii in production); must not throw. */
export type Redactor = (text: string) => string;

/** Everything one query produced, captured on the request path as plain references; the record is built later. */
export interface InteractionMaterial {
  ctx: RequestContext;
  query: string;
  filtered: boolean;
  /** Epoch ms when the query started. */
  startedAt: number;
  traceId?: string;
  search?: SearchReply;
  reply?: GenerateReply;
  retrievalMs?: number;
  generationMs?: number;
  totalMs: number;
  error?: { code: string; stage: 'retrieval' | 'generation' };
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** `text` as `mode` allows it (undefined: store nothing), before any length cap. */
export function renderContent(text: string, mode: InteractionContentMode, redact: Redactor): string | undefined {
  switch (mode) {
    case 'full':
      return text;
    case 'redacted':
      return redact(text);
    case 'hash':
      return undefined;
  }
}

/** A text as stored: rendered per `mode` and capped at `max` characters, with the hash of the original. */
export function storeText(text: string, mode: InteractionContentMode, redact: Redactor, max: number = InteractionLimits.maxTextChars): StoredText {
  const rendered = renderContent(text, mode, redact);
  const out: StoredText = { hash: sha256(text) };
  if (rendered === undefined) return out;
  if (rendered.length > max) {
    out.text = rendered.slice(0, max);
    out.truncated = true;
  } else {
    out.text = rendered;
  }
  return out;
}

/**
 * Builds the interaction record of one query. Texts follow the content mode: the query, the answer, the passages and
 * the prompt messages are redacted (default), kept (full) or reduced to hashes (hash); the prompt itself only under
 * `full`. Passage texts are kept in rank order until InteractionLimits.maxContextChars, then only their hashes, so a
 * top-200 query still fits one NATS message. Pure: the same material gives the same record.
 */
export function buildInteractionRecord(m: InteractionMaterial, mode: InteractionContentMode, redact: Redactor): InteractionRecord {
  const { ctx } = m;
  const record: InteractionRecord = {
    schemaVersion: INTERACTION_SCHEMA_VERSION,
    requestId: ctx.requestId,
    tenant: ctx.tenant,
    timestamp: m.startedAt,
    variant: ctx.variant,
    content: mode,
    outcome: m.error ? 'error' : 'ok',
    query: storeText(m.query, mode, redact),
    filtered: m.filtered,
    latencyMs: { total: m.totalMs },
  };
  if (m.traceId && /^[0-9a-f]{32}$/.test(m.traceId) && !/^0+$/.test(m.traceId)) record.traceId = m.traceId;
  if (m.error) record.error = m.error;
  if (m.retrievalMs !== undefined) record.latencyMs.retrieval = m.retrievalMs;
  if (m.generationMs !== undefined) record.latencyMs.generation = m.generationMs;
  if (m.search) {
    record.latencyMs.retrievalStages = { ...m.search.timings };
    record.retrieval = retrievalPart(m.search, ctx, mode, redact);
  }
  if (m.reply) record.generation = generationPart(m.reply, mode, redact);
  return record;
}

/**
 * The record cut down until its JSON is at most `maxBytes` (UTF-8): first the prompt, then the passage texts, then the
 * answer and query texts go (their hashes stay, and `truncated`/`contextsTruncated` say so). Undefined when even the
 * bare record is larger, which the limits make impossible for a valid request.
 */
export function shrinkToFit(record: InteractionRecord, maxBytes: number): InteractionRecord | undefined {
  const size = (r: InteractionRecord) => Buffer.byteLength(JSON.stringify(r), 'utf8');
  if (size(record) <= maxBytes) return record;
  const r: InteractionRecord = structuredClone(record);
  const steps: (() => void)[] = [
    () => void (r.generation && delete r.generation.prompt),
    () => {
      if (!r.retrieval) return;
      for (const h of r.retrieval.hits) delete h.text;
      r.retrieval.contextsTruncated = true;
    },
    () => {
      if (r.generation?.answer.text === undefined) return;
      delete r.generation.answer.text;
      r.generation.answer.truncated = true;
    },
    () => {
      if (r.query.text === undefined) return;
      delete r.query.text;
      r.query.truncated = true;
    },
  ];
  for (const step of steps) {
    step();
    if (size(r) <= maxBytes) return r;
  }
  return undefined;
}

function retrievalPart(search: SearchReply, ctx: RequestContext, mode: InteractionContentMode, redact: Redactor): NonNullable<InteractionRecord['retrieval']> {
  let budget: number = InteractionLimits.maxContextChars;
  let truncated = false;
  const hits = search.hits.map((h): InteractionHit => {
    const hit: InteractionHit = { chunkId: h.chunkId, docId: h.docId, score: h.score, textHash: sha256(h.text) };
    const rendered = renderContent(h.text, mode, redact);
    if (rendered === undefined) return hit;
    if (rendered.length <= budget) {
      hit.text = rendered;
      budget -= rendered.length;
    } else {
      truncated = true;
    }
    return hit;
  });
  const out: NonNullable<InteractionRecord['retrieval']> = { index: search.index, hits };
  // The retrieval reply carries the final order only; it reports rerankMs exactly when the rerank stage ran.
  if (ctx.variant.retrieval.rerank && search.timings.rerankMs !== undefined) out.rerankedIds = search.hits.map((h) => h.chunkId);
  if (truncated) out.contextsTruncated = true;
  return out;
}

function generationPart(reply: GenerateReply, mode: InteractionContentMode, redact: Redactor): NonNullable<InteractionRecord['generation']> {
  const out: NonNullable<InteractionRecord['generation']> = {
    model: reply.model,
    answer: storeText(reply.answer, mode, redact),
    citations: reply.citations,
    finishReason: reply.finishReason,
    usage: reply.usage,
    droppedChunks: reply.droppedChunks,
  };
  if (reply.costUsd !== undefined) out.costUsd = reply.costUsd;
  if (reply.promptHash !== undefined) out.promptHash = reply.promptHash;
  if (mode === 'full' && reply.prompt) {
    out.prompt = reply.prompt.map((p) => ({ role: p.role, content: p.content.slice(0, InteractionLimits.maxContextChars) }));
  }
  return out;
}
