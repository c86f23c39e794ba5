import { AppError } from '@ragops/contracts';

/**
 * Parses BEIR qrels TSV (`query-id  corpus-id  score`, optional header, CRLF tolerated) into
 * query id → (doc id → graded relevance).
 */
export function parseQrels(tsv: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  tsv.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const [q, d, s] = line.split('\t');
    if (i === 0 && Number.isNaN(Number(s))) return; // header
    const score = Number(s);
    if (!q || !d || !Number.isFinite(score)) throw new AppError('VALIDATION_FAILED', `qrels line ${i + 1}: expected "query-id<TAB>corpus-id<TAB>score"`);
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map()));
    m.set(d, score);
  });
  return out;
}

/** Parses BEIR queries.jsonl into query id → text. */
export function parseQueries(jsonl: string): Map<string, string> {
  const out = new Map<string, string>();
  jsonl.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let row: { _id?: unknown; text?: unknown };
    try {
      row = JSON.parse(line);
    } catch (cause) {
      throw new AppError('VALIDATION_FAILED', `queries line ${i + 1}: not valid JSON`, undefined, { cause });
    }
    if (typeof row.text !== 'string' || (typeof row._id !== 'string' && typeof row._id !== 'number')) {
      throw new AppError('VALIDATION_FAILED', `queries line ${i + 1}: expected {"_id", "text"}`);
    }
    out.set(String(row._id), row.text);
  });
  return out;
}
