import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError } from '@ragops/contracts';
import { datasetVersion, parseQrels, parseQueries, type DatasetFile, type Qrels } from '@ragops/evaluation';

export interface BeirDataset {
  /** The directory's name, e.g. `beir-scifact`. */
  name: string;
  dir: string;
  split: string;
  /** `sha256:…` over corpus.jsonl, queries.jsonl and qrels/<split>.tsv (see datasetVersion). */
  version: string;
  corpusPath: string;
  documents: number;
  /** The judged queries of the split, in qrels order (cut to `limit`). */
  queries: { id: string; text: string }[];
  qrels: Map<string, Qrels>;
  /** Every query id in queries.jsonl, judged in this split or not (QA rows are matched against these). */
  queryIds: ReadonlySet<string>;
  /** The files `version` covers, for a caller that versions them together with more (qa.jsonl). */
  files: DatasetFile[];
}

const LAYOUT = 'a BEIR dataset directory holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv; a QA dataset directory holds qa.jsonl, and corpus.jsonl to ingest';

/** Reads a BEIR directory: the split's queries with their qrels, the corpus size, and the content version. */
export async function loadBeirDataset(dir: string, split: string, limit?: number): Promise<BeirDataset> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new AppError('NOT_FOUND', `dataset directory ${dir}: no such directory (${LAYOUT})`);
  if (!info.isDirectory()) throw new AppError('VALIDATION_FAILED', `dataset ${dir} is not a directory (${LAYOUT})`);
  if (!/^[A-Za-z0-9._-]+$/.test(split)) throw new AppError('VALIDATION_FAILED', `--split ${JSON.stringify(split)}: use a qrels file name such as test, dev or train`);

  const qrelsName = `qrels/${split}.tsv`;
  const need = async (name: string) => {
    try {
      return await readFile(join(root, name));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
      let hint = LAYOUT;
      if (name === qrelsName) {
        const splits = (await readdir(join(root, 'qrels')).catch(() => [] as string[])).filter((f) => f.endsWith('.tsv')).map((f) => f.slice(0, -4));
        if (splits.length) hint = `splits available: ${splits.sort().join(', ')}`;
      }
      throw new AppError('NOT_FOUND', `dataset ${dir} has no ${name} (${hint})`, undefined, { cause });
    }
  };
  const [corpus, queriesFile, qrelsFile] = await Promise.all([need('corpus.jsonl'), need('queries.jsonl'), need(qrelsName)]);

  const inFile = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (cause) {
      if (cause instanceof AppError) throw new AppError(cause.code, `${join(dir, name)}: ${cause.message}`, cause.details, { cause });
      throw cause;
    }
  };
  const texts = inFile('queries.jsonl', () => parseQueries(queriesFile.toString('utf8')));
  const qrels = inFile(qrelsName, () => parseQrels(qrelsFile.toString('utf8')));
  if (qrels.size === 0) throw new AppError('VALIDATION_FAILED', `${join(dir, qrelsName)} judges no query: an empty evaluation passes any gate`);

  const ids = [...qrels.keys()];
  const missing = ids.filter((id) => !texts.has(id));
  if (missing.length) {
    throw new AppError('VALIDATION_FAILED', `${join(dir, qrelsName)} judges ${missing.length} quer${missing.length === 1 ? 'y' : 'ies'} that queries.jsonl lacks: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  const chosen = limit === undefined ? ids : ids.slice(0, limit);
  const selected = new Map(chosen.map((id) => [id, qrels.get(id) as Qrels]));
  const files = [
    { name: 'corpus.jsonl', content: corpus },
    { name: 'queries.jsonl', content: queriesFile },
    { name: qrelsName, content: qrelsFile },
  ];

  return {
    name: basename(root),
    dir: root,
    split,
    version: datasetVersion(files),
    corpusPath: join(root, 'corpus.jsonl'),
    documents: countLines(corpus),
    queries: chosen.map((id) => ({ id, text: texts.get(id) as string })),
    qrels: selected,
    queryIds: new Set(texts.keys()),
    files,
  };
}

/** Non-blank lines (documents) of a JSONL buffer, without decoding it into one large string. */
export function countLines(buf: Buffer): number {
  let n = 0;
  let blank = true;
  for (const byte of buf) {
    if (byte === 0x0a) {
      if (!blank) n++;
      blank = true;
    } else if (byte !== 0x0d && byte !== 0x20 && byte !== 0x09) {
      blank = false;
    }
  }
  return blank ? n : n + 1;
}
