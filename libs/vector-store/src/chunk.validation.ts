import { AppError, type SparseVector } from '@ragops/contracts';
import type { HybridQuery } from '@ragops/rag';
import type { ChunkInput } from './memory.store.js';

/**
 * Checks one chunk of an upsert the way every store must (memory, replicated, Qdrant), so a bad record is refused
 * before anything of its batch is applied. `dimensions` is the index's, when the store knows it; without it the
 * store itself checks the length (Qdrant answers a dimension error).
 */
export function validateChunk(c: ChunkInput, position: number, index: string, dimensions?: number): void {
  const bad = (message: string, extra?: Record<string, unknown>) =>
    new AppError('VALIDATION_FAILED', `chunk ${position} (${String(c?.chunkId)}): ${message}`, { index, position, ...extra });
  for (const field of ['chunkId', 'docId', 'tenant', 'docHash'] as const) {
    if (typeof c[field] !== 'string' || c[field].length === 0) throw bad(`${field} must be a non-empty string`);
  }
  if (typeof c.text !== 'string') throw bad('text must be a string');
  if (!(Array.isArray(c.dense) || c.dense instanceof Float32Array) || (dimensions !== undefined && c.dense.length !== dimensions)) {
    throw bad(`dense vector has ${c.dense?.length} dimensions, index ${index} has ${dimensions}`);
  }
  for (let i = 0; i < c.dense.length; i++) {
    if (!Number.isFinite(c.dense[i])) throw bad('dense vector values must be finite numbers', { dimension: i });
  }
  checkSparse(c.sparse, true, bad);
}

/** Checks a search; `dimensions` as for validateChunk. */
export function validateQuery(q: HybridQuery, index: string, dimensions?: number): void {
  const bad = (message: string) => new AppError('VALIDATION_FAILED', `search in ${index}: ${message}`, { index });
  if (typeof q.tenant !== 'string' || q.tenant.length === 0) throw bad('tenant must be a non-empty string');
  if (!q.dense && !q.sparse) throw bad('give a dense vector, a sparse vector or both');
  if (!Number.isInteger(q.topK) || q.topK < 0) throw bad(`topK must be a non-negative integer, got ${q.topK}`);
  if (!Number.isInteger(q.candidates) || q.candidates < 0) {
    throw bad(`candidates must be a non-negative integer, got ${q.candidates}`);
  }
  if (!(Number.isFinite(q.rrfK) && q.rrfK >= 0)) throw bad(`rrfK must be a finite number ≥ 0, got ${q.rrfK}`);
  if (q.scoreThreshold !== undefined && !Number.isFinite(q.scoreThreshold)) throw bad(`scoreThreshold must be a finite number, got ${q.scoreThreshold}`);
  if (q.dense) {
    if (dimensions !== undefined && q.dense.length !== dimensions) {
      throw bad(`query vector has ${q.dense.length} dimensions, index ${index} has ${dimensions}`);
    }
    for (const v of q.dense) if (!Number.isFinite(v)) throw bad('query vector values must be finite numbers');
  }
  if (q.sparse) checkSparse(q.sparse, false, (m) => bad(`sparse query: ${m}`));
}

/** Stored vectors must be sorted and duplicate-free (as Qdrant requires); a query only needs matching lengths. */
function checkSparse(v: SparseVector, stored: boolean, bad: (message: string) => AppError): void {
  if (!v || !Array.isArray(v.indices) || !Array.isArray(v.values) || v.indices.length !== v.values.length) {
    throw bad('sparse vector needs equally long indices and values arrays');
  }
  const { indices, values } = v;
  for (let i = 0; i < indices.length; i++) {
    const t = indices[i];
    if (!(Number.isInteger(t) && t >= 0 && t <= 0xffffffff)) throw bad(`sparse index ${t} is not a uint32`);
    if (stored && i > 0 && t <= indices[i - 1]) {
      throw bad('sparse indices must be sorted ascending without duplicates (merge duplicate terms first)');
    }
    if (!Number.isFinite(values[i])) throw bad('sparse values must be finite numbers');
  }
}
