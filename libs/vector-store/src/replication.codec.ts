import { AppError } from '@ragops/contracts';
import type { ChunkRecord } from '@ragops/rag';
import type { ChunkInput } from './memory.store.js';

/**
 * The write operations a ReplicatedVectorStore publishes to its JetStream stream. Every process applies them in
 * stream order, so they must be self-contained and deterministic. `origin` + `id` let the writing process match
 * an applied op to the caller waiting for it.
 *
 * Compatibility: ops only ever get added, under the same envelope version, so a build replays any older log. The
 * alias ops (switchAlias, deleteAlias, dropIndex) came later; a build without them rejects them as unknown, so
 * upgrade every replica before using aliases.
 */
export type ReplicatedOp =
  | { v: 1; origin: string; id: number; op: 'ensureIndex'; index: string; dimensions: number }
  | { v: 1; origin: string; id: number; op: 'upsert'; index: string; chunks: ChunkInput[] }
  | { v: 1; origin: string; id: number; op: 'delete'; index: string; tenant: string; docId: string; exceptHash?: string }
  | { v: 1; origin: string; id: number; op: 'switchAlias'; alias: string; index: string }
  | { v: 1; origin: string; id: number; op: 'deleteAlias'; alias: string }
  | { v: 1; origin: string; id: number; op: 'dropIndex'; index: string };

export const OP_VERSION = 1;

/** A chunk on the wire: vectors as base64 of little-endian Float32/Uint32 arrays, a third the size of JSON numbers. */
interface WireChunk extends Omit<ChunkRecord, 'dense' | 'sparse'> {
  dense: string;
  terms: string;
  weights: string;
}

const b64 = (a: Float32Array | Uint32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function fromB64<T extends Float32Array | Uint32Array>(s: string, make: (b: ArrayBuffer) => T): T {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('vector field is not a whole number of 4-byte values');
  // Copy into a fresh ArrayBuffer: Buffer.from may return a pooled, unaligned view.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  return make(aligned.buffer);
}

function encodeChunk(c: ChunkRecord): string {
  const { dense, sparse, ...payload } = c;
  const wire: WireChunk = {
    ...payload,
    dense: b64(Float32Array.from(dense)),
    terms: b64(Uint32Array.from(sparse.indices)),
    weights: b64(Float32Array.from(sparse.values)),
  };
  return JSON.stringify(wire);
}

function decodeChunk(w: WireChunk): ChunkInput {
  const { dense, terms, weights, ...payload } = w;
  return {
    ...payload,
    dense: fromB64(dense, (b) => new Float32Array(b)),
    sparse: {
      indices: Array.from(fromB64(terms, (b) => new Uint32Array(b))),
      values: Array.from(fromB64(weights, (b) => new Float32Array(b))),
    },
  };
}

export interface EncodedOp {
  id: number;
  data: Buffer;
}

/**
 * Encodes an upsert as as few ops as fit: each op's JSON stays within `maxBytes` (below the server's
 * max_payload), and holds at most `maxChunks` chunks. `nextId` numbers the ops.
 */
export function encodeUpserts(
  index: string,
  chunks: readonly ChunkRecord[],
  limits: { maxBytes: number; maxChunks: number },
  origin: string,
  nextId: () => number,
): EncodedOp[] {
  const { maxBytes, maxChunks } = limits;
  const out: EncodedOp[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const id = nextId();
    const head = JSON.stringify({ v: OP_VERSION, origin, id, op: 'upsert', index }).slice(0, -1);
    out.push({ id, data: Buffer.from(`${head},"chunks":[${batch.join(',')}]}`, 'utf8') });
    batch = [];
    size = 0;
  };
  // Room for the envelope: version, origin, id, op, index name and brackets.
  const envelope = 200 + Buffer.byteLength(index, 'utf8');
  for (const c of chunks) {
    const json = encodeChunk(c);
    const bytes = Buffer.byteLength(json, 'utf8') + 1;
    if (bytes + envelope > maxBytes) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `chunk ${c.chunkId} encodes to ${bytes} bytes, more than the ${maxBytes}-byte replication message limit; chunk documents smaller`,
        { chunkId: c.chunkId, bytes, maxBytes },
      );
    }
    if (batch.length === maxChunks || size + bytes + envelope > maxBytes) flush();
    batch.push(json);
    size += bytes;
  }
  flush();
  return out;
}

export function encodeOp(op: Exclude<ReplicatedOp, { op: 'upsert' }>): Buffer {
  return Buffer.from(JSON.stringify(op), 'utf8');
}

/** Decodes a published op; a malformed one is an AppError (every replica rejects it alike). */
export function decodeOp(data: Uint8Array): ReplicatedOp {
  let raw: { v?: unknown; op?: unknown; chunks?: WireChunk[] } & Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', 'replicated op is not valid JSON', undefined, { cause: e });
  }
  if (raw?.v !== OP_VERSION) {
    throw new AppError('VALIDATION_FAILED', `replicated op has version ${String(raw?.v)}; this build applies version ${OP_VERSION}`);
  }
  switch (raw.op) {
    case 'ensureIndex':
    case 'delete':
    case 'switchAlias':
    case 'deleteAlias':
    case 'dropIndex':
      return raw as unknown as ReplicatedOp;
    case 'upsert':
      try {
        return { ...(raw as unknown as ReplicatedOp & { op: 'upsert' }), chunks: (raw.chunks ?? []).map(decodeChunk) };
      } catch (e) {
        throw new AppError('VALIDATION_FAILED', `replicated upsert is malformed: ${(e as Error).message}`, undefined, { cause: e });
      }
    default:
      throw new AppError('VALIDATION_FAILED', `unknown replicated op ${String(raw.op)}`);
  }
}
