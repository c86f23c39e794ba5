import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { AppError, type DocumentMetadata } from '@ragops/contracts';
import type { ChunkRecord } from '@ragops/rag';

/** One stored chunk's payload, as the snapshot keeps it (the vectors go to the binary sections). */
export type SnapshotChunk = Omit<ChunkRecord, 'dense' | 'sparse'>;

export interface SnapshotIndex {
  name: string;
  dimensions: number;
  /** In insertion order, which restores tie-breaking order exactly. */
  chunks: SnapshotChunk[];
  /** chunks.length × dimensions, row i is chunk i's unit-length vector. */
  vectors: Float32Array;
  /** Per chunk, how many sparse terms it has; `termIds`/`termWeights` hold them all, chunk after chunk. */
  termCounts: Uint32Array;
  termIds: Uint32Array;
  termWeights: Float32Array;
  /** The hash documentHash reports per (tenant, docId); it is not derivable while two versions coexist. */
  documents: { tenant: string; docId: string; hash: string }[];
}

export interface Snapshot {
  indexes: SnapshotIndex[];
  /** Every alias points at one of `indexes`. */
  aliases: { alias: string; index: string }[];
}

/*
 * File layout (all integers little-endian):
 *   0  magic "RAGOPSVS"            8 bytes
 *   8  format version (u32)        = 2 (1 is still read: it is 2 without aliases)
 *  12  reserved (u32)              = 0
 *  16  body length (u64)
 *  24  CRC-32 of bytes 0-23 and the body (u32)
 *  28  body: u32 JSON length, JSON (index names, dimensions, payloads, counts; from version 2 also the aliases
 *      as [alias, index] pairs), zero padding to a multiple of 4,
 *      then per index in JSON order: vectors f32[n·d], termCounts u32[n], termIds u32[t], termWeights f32[t].
 * The checksum covers every other byte, so truncation or bit rot is reported instead of loading garbage; typed
 * arrays go in raw (no base64) because they are most of the file.
 */
const MAGIC = Buffer.from('RAGOPSVS', 'latin1');
export const SNAPSHOT_VERSION = 2;
/** Versions decode() accepts: 1 (before aliases) and the current one. */
const READABLE_VERSIONS = new Set([1, SNAPSHOT_VERSION]);
const CRC_OFFSET = 24;
const HEADER_BYTES = 28;

interface MetaIndex {
  name: string;
  dimensions: number;
  /** [chunkId, docId, tenant, chunkIndex, docHash, text, title, source, metadata]; absent fields are null. */
  chunks: [string, string, string, number, string, string, string | null, string | null, DocumentMetadata | null][];
  terms: number;
  documents: [string, string, string][];
}

function assertLittleEndian(): void {
  // Typed arrays are written in the host's byte order; every platform Node ships for is little-endian.
  if (endianness() !== 'LE') throw new AppError('INTERNAL', 'vector-store snapshots need a little-endian host');
}

const bytesOf = (a: Float32Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The snapshot as buffers to write in order (no concatenation: the vectors can be hundreds of MB). */
export function encodeSnapshot(snapshot: Snapshot): Buffer[] {
  assertLittleEndian();
  const meta: MetaIndex[] = snapshot.indexes.map((ix) => ({
    name: ix.name,
    dimensions: ix.dimensions,
    chunks: ix.chunks.map((c) => [
      c.chunkId,
      c.docId,
      c.tenant,
      c.chunkIndex,
      c.docHash,
      c.text,
      c.title ?? null,
      c.source ?? null,
      c.metadata ?? null,
    ]),
    terms: ix.termIds.length,
    documents: ix.documents.map((d) => [d.tenant, d.docId, d.hash]),
  }));
  const aliases = snapshot.aliases.map((a) => [a.alias, a.index]);
  const json = Buffer.from(JSON.stringify({ indexes: meta, aliases }), 'utf8');
  const jsonLength = Buffer.alloc(4);
  jsonLength.writeUInt32LE(json.length);
  const body: Buffer[] = [jsonLength, json, Buffer.alloc((4 - (json.length % 4)) % 4)];
  for (const ix of snapshot.indexes) {
    body.push(bytesOf(ix.vectors), bytesOf(ix.termCounts), bytesOf(ix.termIds), bytesOf(ix.termWeights));
  }
  // Node's crc32 returns 0, not the running value, for a view of an empty ArrayBuffer: leave empty parts out.
  const parts = body.filter((part) => part.length > 0);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(SNAPSHOT_VERSION, 8);
  header.writeUInt32LE(0, 12);
  header.writeBigUInt64LE(BigInt(parts.reduce((n, part) => n + part.length, 0)), 16);
  let crc = crc32(header.subarray(0, CRC_OFFSET));
  for (const part of parts) crc = crc32(part, crc);
  header.writeUInt32LE(crc, CRC_OFFSET);
  return [header, ...parts];
}

/** Decodes a snapshot file; anything wrong with it is a VALIDATION_FAILED AppError naming `where`. */
export function decodeSnapshot(file: Buffer, where: string): Snapshot {
  assertLittleEndian();
  const corrupt = (why: string, cause?: unknown) =>
    new AppError(
      'VALIDATION_FAILED',
      `vector-store snapshot ${where} is unusable: ${why}; restore it from a backup or delete it and re-ingest`,
      { path: where },
      cause === undefined ? undefined : { cause },
    );
  if (file.length < HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt('not a ragops vector-store snapshot (bad magic)');
  }
  const version = file.readUInt32LE(8);
  if (!READABLE_VERSIONS.has(version)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `vector-store snapshot ${where} has format version ${version}; this build reads versions ${[...READABLE_VERSIONS].join(' and ')} — ` +
        'load it with a matching ragops version or re-ingest',
      { path: where, version, supported: [...READABLE_VERSIONS] },
    );
  }
  const length = file.readBigUInt64LE(16);
  if (length !== BigInt(file.length - HEADER_BYTES)) {
    throw corrupt(`body is ${file.length - HEADER_BYTES} bytes, header says ${length} (truncated or partly written)`);
  }
  const body = file.subarray(HEADER_BYTES);
  if (crc32(body, crc32(file.subarray(0, CRC_OFFSET))) !== file.readUInt32LE(CRC_OFFSET)) throw corrupt('checksum mismatch');

  try {
    return decodeBody(body, version, corrupt);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw corrupt(`malformed content (${e instanceof Error ? e.message : String(e)})`, e);
  }
}

function decodeBody(body: Buffer, version: number, corrupt: (why: string) => AppError): Snapshot {
  const jsonLength = body.readUInt32LE(0);
  if (4 + jsonLength > body.length) throw corrupt('metadata runs past the end of the file');
  const meta = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as { indexes: MetaIndex[]; aliases?: [string, string][] };
  if (!Array.isArray(meta?.indexes)) throw corrupt('metadata has no index list');
  let offset = 4 + jsonLength;
  offset += (4 - (offset % 4)) % 4;

  // Copies (not views): the file buffer's offset need not be 4-byte aligned, and the store keeps these.
  const take = <T extends Float32Array | Uint32Array>(count: number, make: (b: ArrayBuffer) => T): T => {
    const bytes = count * 4;
    if (!Number.isSafeInteger(count) || count < 0 || offset + bytes > body.length) {
      throw corrupt('a vector section runs past the end of the file');
    }
    const copy = new Uint8Array(bytes);
    copy.set(body.subarray(offset, offset + bytes));
    offset += bytes;
    return make(copy.buffer);
  };

  const indexes = meta.indexes.map((m): SnapshotIndex => {
    if (typeof m.name !== 'string' || !Number.isInteger(m.dimensions) || m.dimensions <= 0 || !Array.isArray(m.chunks)) {
      throw corrupt('an index entry lacks a name, dimensions or chunks');
    }
    const n = m.chunks.length;
    const vectors = take(n * m.dimensions, (b) => new Float32Array(b));
    const termCounts = take(n, (b) => new Uint32Array(b));
    const termIds = take(m.terms, (b) => new Uint32Array(b));
    const termWeights = take(m.terms, (b) => new Float32Array(b));
    let total = 0;
    for (const c of termCounts) total += c;
    if (total !== m.terms) throw corrupt(`index ${m.name}: term counts add up to ${total}, expected ${m.terms}`);
    const chunks = m.chunks.map(([chunkId, docId, tenant, chunkIndex, docHash, text, title, source, metadata]) => {
      const c: SnapshotChunk = { chunkId, docId, tenant, chunkIndex, docHash, text };
      if (title !== null) c.title = title;
      if (source !== null) c.source = source;
      if (metadata !== null) c.metadata = metadata;
      return c;
    });
    const documents = m.documents.map(([tenant, docId, hash]) => ({ tenant, docId, hash }));
    return { name: m.name, dimensions: m.dimensions, chunks, vectors, termCounts, termIds, termWeights, documents };
  });
  if (offset !== body.length) throw corrupt(`${body.length - offset} unexpected bytes after the last index`);
  return { indexes, aliases: decodeAliases(version === 1 ? [] : meta.aliases, new Set(indexes.map((ix) => ix.name)), corrupt) };
}

function decodeAliases(raw: unknown, indexes: Set<string>, corrupt: (why: string) => AppError): Snapshot['aliases'] {
  if (!Array.isArray(raw)) throw corrupt('metadata has no alias list');
  const seen = new Set<string>();
  return raw.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw corrupt('an alias entry is not an [alias, index] pair');
    }
    const [alias, index] = pair as [string, string];
    if (!indexes.has(index)) throw corrupt(`alias ${alias} points at ${index}, which the snapshot does not contain`);
    if (indexes.has(alias) || seen.has(alias)) throw corrupt(`alias ${alias} is defined twice or is also an index`);
    seen.add(alias);
    return { alias, index };
  });
}
