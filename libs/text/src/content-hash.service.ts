import { createHash } from 'node:crypto';
import { collapseWhitespace, normalizeLines } from './text.normalizer.js';

export interface HashableDocument {
  title?: string;
  text: string;
  format?: string;
}

/** Bumped whenever the canonical form changes, so old and new hashes can never be confused. */
const CANONICAL_VERSION = 'ragops-content/1';

/**
 * The canonical form that is hashed. Re-submissions that differ only in Unicode composition (NFC), line endings,
 * trailing whitespace, a byte-order mark, leading/trailing blank lines, title whitespace, or an omitted default
 * (`title` absent = empty, `format` absent = 'text') are the same document; any other change is a new one.
 * Fields are length-prefixed, so no title or text can imitate a field boundary.
 */
export function canonicalContent(doc: HashableDocument): string {
  const format = (doc.format ?? 'text').normalize('NFC');
  const title = collapseWhitespace((doc.title ?? '').normalize('NFC'));
  const text = normalizeLines(doc.text.normalize('NFC'));
  return `${CANONICAL_VERSION}\nformat:${format.length}:${format}\ntitle:${title.length}:${title}\ntext:${text.length}:${text}`;
}

/** `sha256:<64 hex>` of the document's canonical form: the dedup key for ingest. */
export function contentHash(doc: HashableDocument): string {
  return `sha256:${createHash('sha256').update(canonicalContent(doc), 'utf8').digest('hex')}`;
}
