import { z } from 'zod';
import { Limits, parseOrThrow, SearchFilter, SourceDocument } from '@ragops/contracts';
import { assertDocumentCount } from '@ragops/rag';

const QueryText = z
  .string()
  .max(Limits.maxQueryChars, `query is limited to ${Limits.maxQueryChars} characters`)
  .refine((q) => q.trim().length > 0, 'query must not be empty or only whitespace');

/** Body of POST /v1/search and POST /v1/query. Unknown keys are rejected so typos don't pass silently. */
export const QueryBody = z.strictObject({
  query: QueryText,
  topK: z.number().int('topK must be a whole number').min(1, 'topK must be at least 1').max(Limits.maxTopK, `topK must be at most ${Limits.maxTopK}`).optional(),
  filter: SearchFilter.optional(),
});
export type QueryBody = z.infer<typeof QueryBody>;

// Two steps for POST /v1/documents: the envelope and the count first, so an oversized request is refused as
// TOO_MANY_DOCUMENTS before thousands of documents are validated one by one.
const DocumentsEnvelope = z.strictObject({
  documents: z.array(z.unknown()).min(1, 'documents must contain at least one document'),
});
const Documents = z.array(SourceDocument);

/** Validates the body of POST /v1/documents; errors name each bad field as `documents[i].field`. */
export function parseDocumentsBody(body: unknown): SourceDocument[] {
  const { documents } = parseOrThrow(DocumentsEnvelope, body, 'documents request');
  assertDocumentCount(documents.length);
  return parseOrThrow(z.strictObject({ documents: Documents }), { documents }, 'documents request').documents;
}

/** Job ids are generated UUIDs; anything else cannot name a job. */
export const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'job id is 1-128 characters of [A-Za-z0-9_-]');
