import { z } from 'zod';
import { Limits } from './limits.js';

const MetadataValue = z.union([
  z.string().max(1000),
  z.number().finite(),
  z.boolean(),
  z.array(z.string().max(1000)).max(100),
]);

export const DocumentMetadata = z
  .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'metadata keys are 1-64 chars of [a-zA-Z0-9_.-]'), MetadataValue)
  .refine((m) => Object.keys(m).length <= Limits.maxMetadataKeys, {
    message: `at most ${Limits.maxMetadataKeys} metadata keys`,
  });
export type DocumentMetadata = z.infer<typeof DocumentMetadata>;

/** A source document as submitted. `id` is the caller's; re-submitting an id replaces that document. */
export const SourceDocument = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(Limits.maxDocumentIdLength)
    .regex(/^[^\s\p{Cc}]+$/u, 'id must not contain whitespace or control characters'),
  title: z.string().max(Limits.maxTitleChars).optional(),
  text: z
    .string()
    .max(Limits.maxDocumentChars, `text is limited to ${Limits.maxDocumentChars} characters`)
    .refine((t) => t.trim().length > 0, 'text must not be empty'),
  /** Where it came from (file path, URL); indexed so it can be filtered and deleted by. */
  source: z.string().max(2048).optional(),
  /** Markdown and HTML are chunked along their headings; plain text by paragraphs. */
  format: z.enum(['text', 'markdown', 'html']).optional(),
  metadata: DocumentMetadata.optional(),
});
export type SourceDocument = z.infer<typeof SourceDocument>;

/** A chunk as it is stored and returned: enough to cite and to rebuild the answer context. */
export const ChunkHit = z.strictObject({
  chunkId: z.string(),
  docId: z.string(),
  score: z.number(),
  text: z.string(),
  title: z.string().optional(),
  source: z.string().optional(),
  metadata: DocumentMetadata.optional(),
});
export type ChunkHit = z.infer<typeof ChunkHit>;

/**
 * Payload filter: every key must match (AND); an array value matches any of its elements (OR).
 * Keys: `docId`, `source`, or `metadata.<key>`. The tenant is never a filter key: it is always applied.
 */
export const SearchFilter = z
  .record(
    z.string().regex(/^(docId|source|metadata\.[a-zA-Z0-9_.-]{1,64})$/, 'filter keys are docId, source or metadata.<key>'),
    z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()])).min(1).max(100)]),
  )
  .refine((f) => Object.keys(f).length <= 16, 'at most 16 filter keys');
export type SearchFilter = z.infer<typeof SearchFilter>;
