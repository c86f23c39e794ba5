import { AppError } from '@ragops/contracts';

const stripBom = (text: string) => (text.startsWith('\uFEFF') ? text.slice(1) : text);

/**
 * Parses BEIR qrels TSV (`query-id  corpus-id  score`, optional header) into query id → (doc id → graded
 * relevance). Grades are kept as given (2 = highly relevant; 0 and negatives mean not relevant to the metrics).
 * A byte-order mark, CRLF line ends, blank lines and spaces around cells are tolerated.
 */
export function parseQrels(tsv: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  let first = true;
  stripBom(tsv).split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const [q, d, s] = line.split('\t').map((cell) => cell.trim());
    // A header is a first line whose score cell is a word ("score"); a missing score is an error, not a header.
    const header = first && s !== undefined && s !== '' && Number.isNaN(Number(s));
    first = false;
    if (header && q && d) return;
    const score = s === '' || s === undefined ? NaN : Number(s);
    if (!q || !d || !Number.isFinite(score)) throw new AppError('VALIDATION_FAILED', `qrels line ${i + 1}: expected "query-id<TAB>corpus-id<TAB>score"`);
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map()));
    m.set(d, score);
  });
  return out;
}

/** Parses BEIR queries.jsonl into query id → text (BOM, CRLF and blank lines tolerated). */
export function parseQueries(jsonl: string): Map<string, string> {
  const out = new Map<string, string>();
  stripBom(jsonl).split(/\r?\n/).forEach((line, i) => {
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
