import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { AppError, type SourceDocument } from '@ragops/contracts';

const FORMATS: Record<string, SourceDocument['format']> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
};

/**
 * Reads documents from a file, a directory (recursively: .md, .html, .txt), or a BEIR corpus.jsonl
 * (`{ _id, title, text }` per line). Yields batches so a 100k-document corpus never sits in memory twice.
 */
export async function* loadDocuments(path: string, batchSize = 500): AsyncGenerator<SourceDocument[]> {
  const info = await stat(path).catch((cause) => {
    throw new AppError('NOT_FOUND', `no such file or directory: ${path}`, undefined, { cause });
  });
  if (info.isFile() && extname(path) === '.jsonl') {
    yield* readJsonl(path, batchSize);
    return;
  }
  const files = info.isDirectory() ? await listFiles(path) : [path];
  const root = info.isDirectory() ? path : join(path, '..');
  let batch: SourceDocument[] = [];
  for (const file of files) {
    const format = FORMATS[extname(file).toLowerCase()];
    if (!format) {
      if (!info.isDirectory()) throw new AppError('VALIDATION_FAILED', `unsupported file type ${extname(file) || '(none)'}: use .md, .html, .txt or a BEIR .jsonl`);
      continue;
    }
    const text = await readFile(file, 'utf8');
    if (!text.trim()) continue;
    const id = relative(root, file).split(sep).join('/').replace(/\.[^.]+$/, '');
    batch.push({ id, text, format, source: relative(process.cwd(), file) || basename(file), title: titleOf(text, format) });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function titleOf(text: string, format: SourceDocument['format']): string | undefined {
  if (format === 'markdown') return /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
  if (format === 'html') return /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() || undefined;
  return undefined;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function* readJsonl(path: string, batchSize: number): AsyncGenerator<SourceDocument[]> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let batch: SourceDocument[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let row: { _id?: unknown; id?: unknown; title?: unknown; text?: unknown; metadata?: unknown };
    try {
      row = JSON.parse(line);
    } catch (cause) {
      throw new AppError('VALIDATION_FAILED', `${path}:${n}: not valid JSON`, undefined, { cause });
    }
    const id = row._id ?? row.id;
    if ((typeof id !== 'string' && typeof id !== 'number') || typeof row.text !== 'string') {
      throw new AppError('VALIDATION_FAILED', `${path}:${n}: expected {"_id": string, "title"?: string, "text": string}`);
    }
    if (!row.text.trim() && !(typeof row.title === 'string' && row.title.trim())) continue;
    const title = typeof row.title === 'string' && row.title.trim() ? row.title : undefined;
    // BEIR documents can have an empty text with a title; index the title then.
    batch.push({ id: String(id), title, text: row.text.trim() ? row.text : (title as string), source: basename(path) });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
