import { createHash } from 'node:crypto';

/** Namespace of ragops chunk ids (a random UUID fixed once): ids from other UUIDv5 users never collide with ours. */
export const CHUNK_ID_NAMESPACE = '0c0007b8-b5bb-498e-8b63-766ce9c4bd94';

/** A name-based UUID, version 5 (RFC 9562 §5.5): SHA-1 of the namespace's 16 bytes and the name's UTF-8. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The Qdrant point id of a chunk: uuidV5 of the pair (tenant, chunkId). Qdrant ids must be unsigned integers or
 * UUIDs, and chunk ids (`doc#3`) are neither; the tenant is part of the name because two tenants may use the same
 * document ids. The name is the JSON array `[tenant, chunkId]`, so no choice of separator can make two different
 * pairs collide ("a" + "b#0" vs "ab" + "#0"). Deterministic, so re-indexing a chunk overwrites its point.
 */
export function qdrantPointId(tenant: string, chunkId: string): string {
  return uuidV5(CHUNK_ID_NAMESPACE, JSON.stringify([tenant, chunkId]));
}
