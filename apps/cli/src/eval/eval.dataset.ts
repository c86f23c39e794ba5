import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError } from '@ragops/contracts';
import { datasetVersion, matchQaToQueries, parseQaJsonl, qrelsFromQa, type DatasetFile, type QaExample, type Qrels } from '@ragops/evaluation';
import { countLines, loadBeirDataset } from './beir.dataset.js';

/**
 * How the dataset directory was read: `beir` (corpus.jsonl, queries.jsonl, qrels/<split>.tsv), `beir+qa` (the same
 * with a QA file giving queries their ground truth by id), `qa` (a QA file whose rows are the queries).
 */
export type DatasetLayout = 'beir' | 'beir+qa' | 'qa';

export interface EvalQuery {
  id: string;
  text: string;
  /** Reference answer, from the query's QA row; absent when it has none. */
  groundTruth?: string;
  /** Passages that contain the answer, from the QA row (may be empty). */
  referenceContexts?: string[];
}

export interface EvalDataset {
  /** The directory's name, e.g. `beir-scifact`. */
  name: string;
  dir: string;
  /** The qrels split (BEIR); `test` for a QA dataset, which has no splits. */
  split: string;
  layout: DatasetLayout;
  /** `sha256:…` over every file the run read: the BEIR files, qa.jsonl, corpus.jsonl (see datasetVersion). */
  version: string;
  /** null: a QA dataset evaluated against a --target without a corpus.jsonl of its own. */
  corpusPath: string | null;
  documents: number | null;
  /** The queries evaluated, in qrels order (BEIR) or file order (QA), cut to `limit`. */
  queries: EvalQuery[];
  /** Relevance judgments; a query without an entry is unjudged (no retrieval metrics, answer metrics only). */
  qrels: Map<string, Qrels>;
  /** The QA file that was read, if any. */
  qaPath: string | null;
}

export interface LoadDatasetOptions {
  split: string;
  limit?: number;
  /** A QA file elsewhere (`--qa`); it replaces the directory's own qa.jsonl. */
  qaPath?: string;
  /** The run ingests the corpus (in-process): corpus.jsonl is required even for a QA dataset. */
  needCorpus: boolean;
}

/** The file name a QA file is versioned under, wherever it was read from, so `--qa` and a copy in the directory hash alike. */
const QA_FILE = 'qa.jsonl';

/**
 * Reads an evaluation dataset directory. A directory with queries.jsonl or qrels/ is BEIR (read as before); its
 * qa.jsonl (or `--qa`), when there is one, gives the queries with the same id their ground truth, and a row whose id
 * is no query in queries.jsonl is refused (a mistyped id would otherwise drop out of the answer metrics silently).
 * Otherwise a qa.jsonl (or `--qa`) alone is the dataset: its rows are the queries and their `relevant_doc_ids` the
 * qrels.
 */
export async function loadEvalDataset(dir: string, options: LoadDatasetOptions): Promise<EvalDataset> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  // loadBeirDataset words these errors; asking it keeps one wording for both layouts.
  if (!info?.isDirectory()) return fromBeir(await loadBeirDataset(dir, options.split, options.limit));

  const present = (name: string) => stat(join(root, name)).then(() => true, () => false);
  const qa = options.qaPath !== undefined ? { path: resolve(options.qaPath), shown: options.qaPath } : (await present(QA_FILE)) ? { path: join(root, QA_FILE), shown: join(dir, QA_FILE) } : undefined;
  const isBeir = (await present('queries.jsonl')) || (await present('qrels'));

  if (isBeir || !qa) {
    const beir = await loadBeirDataset(dir, options.split, options.limit);
    if (!qa) return fromBeir(beir);
    const { examples, file } = await readQa(qa.path, qa.shown);
    const { byId, unmatched } = matchQaToQueries(examples, beir.queryIds);
    if (unmatched.length) {
      const unnamed = unmatched.some((id) => id.startsWith('#')) ? '; rows without an "id" are numbered #<n> and can match nothing' : '';
      throw new AppError(
        'VALIDATION_FAILED',
        `${qa.shown}: ${unmatched.length} row${unmatched.length === 1 ? '' : 's'} of ${examples.length} match no query in ${join(dir, 'queries.jsonl')}: ${list(unmatched)} (beside BEIR queries, a QA row gives the query with the same id its ground truth${unnamed})`,
      );
    }
    return {
      ...fromBeir(beir),
      layout: 'beir+qa',
      version: datasetVersion([...beir.files, file]),
      queries: beir.queries.map((q) => {
        const ex = byId.get(q.id);
        return ex ? { ...q, groundTruth: ex.groundTruth, referenceContexts: ex.referenceContexts } : q;
      }),
      qaPath: qa.path,
    };
  }

  if (options.split !== 'test') {
    throw new AppError('VALIDATION_FAILED', `--split ${options.split}: dataset ${dir} is a QA dataset (qa.jsonl without queries.jsonl and qrels/), which has no splits`);
  }
  const { examples, file } = await readQa(qa.path, qa.shown);
  const files: DatasetFile[] = [file];
  let corpusPath: string | null = null;
  let documents: number | null = null;
  if (await present('corpus.jsonl')) {
    corpusPath = join(root, 'corpus.jsonl');
    const corpus = await readFile(corpusPath);
    files.push({ name: 'corpus.jsonl', content: corpus });
    documents = countLines(corpus);
  } else if (options.needCorpus) {
    throw new AppError('NOT_FOUND', `dataset ${dir} has no corpus.jsonl: an in-process run ingests it (BEIR corpus format, {"_id", "title", "text"} per line); with --target the gateway's own corpus is searched`);
  }
  const chosen = options.limit === undefined ? examples : examples.slice(0, options.limit);
  return {
    name: basename(root),
    dir: root,
    split: options.split,
    layout: 'qa',
    version: datasetVersion(files),
    corpusPath,
    documents,
    queries: chosen.map((ex) => ({ id: ex.id, text: ex.question, groundTruth: ex.groundTruth, referenceContexts: ex.referenceContexts })),
    qrels: qrelsFromQa(chosen),
    qaPath: qa.path,
  };
}

function fromBeir(beir: Awaited<ReturnType<typeof loadBeirDataset>>): EvalDataset {
  return {
    name: beir.name,
    dir: beir.dir,
    split: beir.split,
    layout: 'beir',
    version: beir.version,
    corpusPath: beir.corpusPath,
    documents: beir.documents,
    queries: beir.queries,
    qrels: beir.qrels,
    qaPath: null,
  };
}

/** Reads and parses a QA file; a parse error keeps the parser's line number and names the file. */
async function readQa(path: string, shown: string): Promise<{ examples: QaExample[]; file: DatasetFile }> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(cause)})`;
    throw new AppError('NOT_FOUND', `QA file ${shown}: ${why}`, undefined, { cause });
  }
  try {
    return { examples: parseQaJsonl(content.toString('utf8')), file: { name: QA_FILE, content } };
  } catch (cause) {
    if (cause instanceof AppError) throw new AppError(cause.code, `${shown}: ${cause.message}`, cause.details, { cause });
    throw cause;
  }
}

const list = (ids: readonly string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
