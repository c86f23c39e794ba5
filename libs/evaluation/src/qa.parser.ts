import { AppError } from '@ragops/contracts';
import { z } from 'zod';

/** One labelled question of a QA dataset. */
export interface QaExample {
  /** The row's `id`, or `#<n>` (n = 1-based position among the examples) when it has none. */
  id: string;
  question: string;
  /** Reference answer; a list of facts in the file is joined with line breaks (one claim per line). */
  groundTruth: string;
  /** Relevant doc id → graded relevance (qrels form, for the retrieval metrics); empty when the row has none. */
  relevantDocs: Map<string, number>;
  /** Passages that contain the answer, when the dataset gives them. */
  referenceContexts: string[];
}

const nonEmpty = z.string().refine((s) => s.trim().length > 0, 'must not be empty or blank');
const QaRow = z.object({
  id: z.union([nonEmpty, z.number().int()]).optional(),
  question: nonEmpty,
  ground_truth: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  relevant_doc_ids: z.union([z.array(nonEmpty), z.record(nonEmpty, z.number().finite())]).optional(),
  reference_contexts: z.array(z.string()).optional(),
});

/**
 * Parses a QA dataset in JSON Lines, one object per line:
 *
 * ```json
 * {"id": "q1", "question": "…", "ground_truth": "…" | ["fact", …], "relevant_doc_ids": ["d1"] | {"d1": 2}, "reference_contexts": ["…"]}
 * ```
 *
 * `question` and `ground_truth` are required; `id`, `relevant_doc_ids` (a list = grade 1 each, or doc id → grade)
 * and `reference_contexts` are optional, and other fields are ignored (Ragas and LlamaIndex exports carry extras).
 * A byte-order mark, CRLF line ends and blank lines are accepted. Every error names its line; duplicate ids and an
 * empty file are errors (an empty evaluation set would pass any gate).
 */
export function parseQaJsonl(jsonl: string): QaExample[] {
  const out: QaExample[] = [];
  const seen = new Map<string, number>();
  const text = jsonl.startsWith('\uFEFF') ? jsonl.slice(1) : jsonl;
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const lineNo = i + 1;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (cause) {
      throw new AppError('VALIDATION_FAILED', `qa line ${lineNo}: not valid JSON`, { line: lineNo }, { cause });
    }
    const row = QaRow.safeParse(json);
    if (!row.success) {
      const issues = row.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`);
      throw new AppError('VALIDATION_FAILED', `qa line ${lineNo}: ${issues.join('; ')}`, { line: lineNo, issues });
    }
    const r = row.data;
    const id = r.id === undefined ? `#${out.length + 1}` : String(r.id);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new AppError('VALIDATION_FAILED', `qa line ${lineNo}: id "${id}" was already used on line ${earlier}`, { line: lineNo });
    seen.set(id, lineNo);
    const relevantDocs = new Map<string, number>();
    if (Array.isArray(r.relevant_doc_ids)) for (const d of r.relevant_doc_ids) relevantDocs.set(d, 1);
    else if (r.relevant_doc_ids) for (const [d, grade] of Object.entries(r.relevant_doc_ids)) relevantDocs.set(d, grade);
    out.push({
      id,
      question: r.question,
      groundTruth: Array.isArray(r.ground_truth) ? r.ground_truth.join('\n') : r.ground_truth,
      relevantDocs,
      referenceContexts: r.reference_contexts ?? [],
    });
  });
  if (out.length === 0) throw new AppError('VALIDATION_FAILED', 'qa dataset has no examples');
  return out;
}
