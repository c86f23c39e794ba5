import { createHash } from 'node:crypto';
import { AppError } from '@ragops/contracts';

/** A file of a dataset: its path inside the dataset (`qrels/test.tsv`) and its contents. */
export interface DatasetFile {
  name: string;
  /** Text, or raw bytes (decoded as UTF-8 when valid, so a string and its UTF-8 bytes hash alike). */
  content: string | Uint8Array;
}

/** Bumped whenever the canonical form changes, so versions from two forms are never equal. */
const CANONICAL_VERSION = 'ragops-dataset/1';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Canonical text of one file: the BOM dropped, CRLF and lone CR turned into LF, and trailing line breaks removed,
 * so a dataset re-saved on another OS keeps its version. Everything else (blank lines inside, spaces, JSON key
 * order, row order) counts: row order decides a seeded bootstrap's resamples. Bytes that are not UTF-8 are kept
 * as they are.
 */
function canonicalText(text: string): string {
  return (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}

function canonicalBytes(content: string | Uint8Array): { kind: 'text' | 'bytes'; bytes: Uint8Array } {
  if (typeof content === 'string') return { kind: 'text', bytes: encoder.encode(canonicalText(content)) };
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    return { kind: 'bytes', bytes: content };
  }
  return { kind: 'text', bytes: encoder.encode(canonicalText(text)) };
}

/**
 * The version of a dataset: `sha256:<64 hex>` over its files' canonical contents, sorted by name (so listing order
 * does not matter), each framed by its name and byte length (so no content can imitate a file boundary). Equal
 * versions mean equal evaluation inputs; any change to a question, label, document or file name is a new version.
 */
export function datasetVersion(files: readonly DatasetFile[]): string {
  if (files.length === 0) throw new AppError('VALIDATION_FAILED', 'a dataset version needs at least one file');
  const names = new Set<string>();
  for (const f of files) {
    if (typeof f.name !== 'string' || !f.name) throw new AppError('VALIDATION_FAILED', 'every dataset file needs a name');
    if (names.has(f.name)) throw new AppError('VALIDATION_FAILED', `dataset file "${f.name}" is listed twice`);
    names.add(f.name);
  }
  const hash = createHash('sha256').update(`${CANONICAL_VERSION}\n`);
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const { kind, bytes } = canonicalBytes(f.content);
    const name = encoder.encode(f.name);
    hash.update(`file ${name.length}:`).update(name).update(` ${kind} ${bytes.length}:`).update(bytes).update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}
