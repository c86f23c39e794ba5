import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFile, HubApiError } from '@huggingface/hub';
import { AppError } from '@ragops/contracts';
import { Model2VecEmbedder, type Model2VecFiles, type Model2VecLoadOptions } from './model2vec.embedder.js';

export interface Model2VecHubOptions extends Model2VecLoadOptions {
  /** Hub repository, e.g. `minishlab/potion-base-8M`. */
  repo: string;
  /** Branch, tag or commit. Default `main`; pin a commit for reproducible indexes. */
  revision?: string;
  /** Where downloaded files are kept; a later start reuses them without touching the network. */
  cacheDir: string;
  /** Default https://huggingface.co (HF_ENDPOINT for mirrors). */
  hubUrl?: string;
  /** For gated or private models (HF_TOKEN). */
  accessToken?: string;
  /** Bound per file download. Default 120 s. */
  timeoutMs?: number;
}

const FILES = { config: 'config.json', tokenizer: 'tokenizer.json', model: 'model.safetensors' } as const;
const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const REVISION = /^[\w.-]+$/;

/**
 * Loads a model2vec model from the Hugging Face Hub, downloading its three files into `cacheDir` on first use.
 * `@huggingface/hub` speaks the Hub's protocol (redirects, Xet-stored files, auth); the cache layout is ours,
 * `<cacheDir>/<owner>--<name>/<revision>/<file>`, written through a temporary name so an interrupted download
 * never leaves a file that looks complete. A cached revision is used as is: pin a commit to pick up changes
 * deliberately.
 */
export async function loadModel2VecFromHub(options: Model2VecHubOptions): Promise<Model2VecEmbedder> {
  const files = await downloadModel2VecFiles(options);
  return Model2VecEmbedder.loadFiles(files, { modelName: options.repo, ...options });
}

export async function downloadModel2VecFiles(options: Model2VecHubOptions): Promise<Model2VecFiles> {
  const { repo, revision = 'main' } = options;
  if (!REPO.test(repo)) throw new AppError('VALIDATION_FAILED', `model2vec repo must look like owner/name, got ${JSON.stringify(repo)}`);
  if (!REVISION.test(revision)) throw new AppError('VALIDATION_FAILED', `model2vec revision must be a branch, tag or commit, got ${JSON.stringify(revision)}`);
  const dir = join(options.cacheDir, repo.replace('/', '--'), revision);
  await mkdir(dir, { recursive: true });
  const out = {} as Model2VecFiles;
  // One after another: the safetensors file dominates and the Hub rate-limits parallel anonymous downloads.
  for (const [key, file] of Object.entries(FILES) as Array<[keyof Model2VecFiles, string]>) {
    out[key] = await fetchIntoCache(options, revision, dir, file);
  }
  return out;
}

async function fetchIntoCache(options: Model2VecHubOptions, revision: string, dir: string, file: string): Promise<string> {
  const target = join(dir, file);
  if (await isFile(target)) return target;
  const where = `${options.repo}@${revision}/${file} from ${options.hubUrl ?? 'https://huggingface.co'}`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const boundedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: timeout });
  let bytes: Uint8Array;
  try {
    const blob = await downloadFile({
      repo: options.repo,
      path: file,
      revision,
      ...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
      ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      fetch: boundedFetch,
    });
    if (!blob) throw new AppError('NOT_FOUND', `cannot download ${where}: the repository has no such file (is it a model2vec model?)`);
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch (error) {
    throw mapHubError(error, where, timeout.aborted);
  }
  const partial = `${target}.incomplete-${process.pid}`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, target);
  } catch (cause) {
    await rm(partial, { force: true });
    throw new AppError('INTERNAL', `cannot write ${target}: ${(cause as Error).message} (check MODEL_CACHE_DIR)`, undefined, { cause });
  }
  return target;
}

function mapHubError(error: unknown, where: string, timedOut: boolean): AppError {
  if (error instanceof AppError) return error;
  const opts = { cause: error };
  if (timedOut) return new AppError('DEADLINE_EXCEEDED', `downloading ${where} took too long`, undefined, opts);
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    if (status === 401 || status === 403) {
      return new AppError('UNAUTHENTICATED', `cannot download ${where}: HTTP ${status} (a gated or private model needs HF_TOKEN)`, { status }, opts);
    }
    if (status === 404) return new AppError('NOT_FOUND', `cannot download ${where}: HTTP 404 (check the repo name and revision)`, { status }, opts);
    return new AppError('UPSTREAM_FAILED', `cannot download ${where}: HTTP ${status} ${error.message}`, { status }, opts);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('UNAVAILABLE', `cannot download ${where}: ${message} (no network? set MODEL2VEC_PATH to a local copy)`, undefined, opts);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
