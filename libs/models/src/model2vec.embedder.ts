import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { AppError, systemClock, type Clock, type RequestContext } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import { parseSafetensors, type SafetensorsFile } from './safetensors.reader.js';

export interface Model2VecLoadOptions {
  /** Deadline checks. Default systemClock. */
  clock?: Clock;
  /** Tokens kept per text; null keeps all. Default 512, as model2vec's `StaticModel.encode`. */
  maxLength?: number | null;
  /** Overrides config.json's `normalize`. */
  normalize?: boolean;
  /** The embedder's `model` name. Default: config.json's `model_name`, else the model's folder name. */
  modelName?: string;
}

/** The three files of a model2vec model. */
export interface Model2VecFiles {
  config: string;
  tokenizer: string;
  model: string;
}

/** tokenizer.json model types this embedder accepts. */
const SUPPORTED_MODELS = ['WordPiece', 'Unigram', 'BPE'];
/** Texts embedded between deadline checks and yields to the event loop. */
const SLICE = 256;

/**
 * A model2vec static embedding model (github.com/MinishLab/model2vec) loaded from a directory holding
 * `config.json`, `tokenizer.json` and `model.safetensors`, encoding as Python `StaticModel.encode` does:
 *
 * 1. cut the text to `maxLength × median vocabulary token length` characters (model2vec's cheap pre-truncation);
 * 2. tokenize with tokenizer.json, without special tokens ([CLS]/[SEP]);
 * 3. drop the unknown token if the tokenizer model names one (`unk_token`: WordPiece, BPE; a Unigram model only
 *    has `unk_id`, and model2vec keeps its unknowns — model2vec-rs drops "[UNK]" there too; we follow Python),
 *    then keep the first `maxLength` ids;
 * 4. average the ids' rows — through `mapping` (token → row) and times `weights` (per token) when the file has
 *    them (vocabulary-quantized models) — and L2-normalise if config.json says `normalize: true`.
 *
 * A text with no tokens embeds as zeros. Embeddings of dtype F32, F16, I8 (and F64/BF16) are held as float32;
 * pooling rounds to float32 where numpy does (see `float32Pooling`), so outputs match the Python reference.
 * `kind` is ignored: model2vec models embed queries and documents alike. Tokenization is @huggingface/tokenizers
 * (tokenizer.json's WordPiece, Unigram or BPE model). To load from the Hugging Face Hub, see `loadModel2VecFromHub`.
 */
export class Model2VecEmbedder implements Embedder {
  /** Pooling scratch, reused: Float32Array where model2vec pools in float32 (see ModelTensors.float32Pooling), else Float64Array. */
  private readonly acc: Float32Array | Float64Array;

  private constructor(
    readonly model: string,
    readonly dimensions: number,
    private readonly tokenizer: Tokenizer,
    /** Row-major [rows × dimensions]. */
    private readonly embeddings: Float32Array,
    private readonly mapping: Int32Array | null,
    private readonly weights: Float64Array | null,
    private readonly unkId: number | null,
    private readonly normalize: boolean,
    private readonly maxLength: number | null,
    private readonly maxChars: number | null,
    private readonly clock: Clock,
    float32Pooling: boolean,
  ) {
    this.acc = float32Pooling ? new Float32Array(dimensions) : new Float64Array(dimensions);
  }

  /** Reads and validates a model directory; any missing or malformed file is a VALIDATION_FAILED naming it. */
  static async load(dir: string, options: Model2VecLoadOptions = {}): Promise<Model2VecEmbedder> {
    const root = resolve(dir);
    return Model2VecEmbedder.loadFiles({ config: join(root, 'config.json'), tokenizer: join(root, 'tokenizer.json'), model: join(root, 'model.safetensors') }, options);
  }

  /**
   * Same as {@link load} with each file named: a Hugging Face cache snapshot may hold the three files in different
   * snapshot folders (one per commit that last changed the file). The model name defaults to the config's folder.
   */
  static async loadFiles(files: Model2VecFiles, options: Model2VecLoadOptions = {}): Promise<Model2VecEmbedder> {
    const root = dirname(resolve(files.config));
    const [configText, tokenizerText, modelBytes] = await Promise.all([
      readModelFile(files.config, 'utf8'),
      readModelFile(files.tokenizer, 'utf8'),
      readModelFile(files.model),
    ]);
    const config = parseJsonObject(configText, files.config);
    const tokenizerJson = parseJsonObject(tokenizerText, files.tokenizer);
    const tensors = parseSafetensors(modelBytes, files.model);

    const maxLength = options.maxLength === undefined ? 512 : options.maxLength;
    if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new AppError('VALIDATION_FAILED', `model2vec maxLength must be a positive integer or null, got ${maxLength}`);
    }
    if (config.normalize !== undefined && config.normalize !== null && typeof config.normalize !== 'boolean') {
      throw invalid(files.config, `"normalize" must be a boolean, got ${JSON.stringify(config.normalize)}`);
    }
    // model2vec's own default when config.json is silent.
    const normalize = options.normalize ?? (config.normalize === true);

    const { embeddings, rows, dimensions, mapping, weights, float32Pooling } = readTensors(tensors);
    const { tokenizer, unkId, vocabSize, medianLength } = buildTokenizer(tokenizerJson, files.tokenizer);
    const idRange = mapping ? mapping.length : rows;
    if (vocabSize > idRange) {
      throw invalid(
        tensors.fileName,
        `covers ${idRange} token ids (${mapping ? 'mapping' : 'embedding rows'}) but tokenizer.json has ${vocabSize}: files from different models?`,
      );
    }
    const name = options.modelName ?? (typeof config.model_name === 'string' && config.model_name !== '' ? config.model_name : basename(root));
    return new Model2VecEmbedder(
      name,
      dimensions,
      tokenizer,
      embeddings,
      mapping,
      weights,
      unkId,
      normalize,
      maxLength,
      maxLength === null ? null : maxLength * medianLength,
      options.clock ?? systemClock,
      float32Pooling,
    );
  }

  async embed(texts: string[], _kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    const out: number[][] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      if (i % SLICE === 0) {
        // Shares the event loop with other services in all-in-one mode: let them run between slices.
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        if (this.clock.now() >= ctx.deadline) {
          throw new AppError('DEADLINE_EXCEEDED', `deadline passed while embedding (${i} of ${texts.length} texts done)`, {
            done: i,
            total: texts.length,
          });
        }
      }
      out[i] = this.embedOne(texts[i]);
    }
    return out;
  }

  /** The token ids that are pooled for `text` (after truncation and unknown-token removal). */
  tokenIds(text: string): number[] {
    const ids = this.tokenizer.encode(truncateChars(text, this.maxChars), { add_special_tokens: false }).ids;
    const kept: number[] = [];
    const limit = this.maxLength ?? Infinity;
    for (let i = 0; i < ids.length && kept.length < limit; i++) {
      if (ids[i] !== this.unkId) kept.push(ids[i]);
    }
    return kept;
  }

  /** One text's vector, synchronously. */
  embedOne(text: string): number[] {
    const ids = this.tokenIds(text);
    const dims = this.dimensions;
    const acc = this.acc;
    acc.fill(0);
    const { embeddings, mapping, weights } = this;
    // In float32 mode acc is a Float32Array, so each `+=` rounds like a float32 add.
    for (const id of ids) {
      const base = (mapping ? mapping[id] : id) * dims;
      const w = weights ? weights[id] : 1;
      for (let d = 0; d < dims; d++) acc[d] += embeddings[base + d] * w;
    }
    const vector: number[] = [];
    if (ids.length === 0) {
      for (let d = 0; d < dims; d++) vector.push(0);
      return vector;
    }
    // Rounding to float32 at each step when model2vec (numpy) computes in float32; identity otherwise.
    const round = acc instanceof Float32Array ? Math.fround : identity;
    const n = ids.length;
    for (let d = 0; d < dims; d++) acc[d] = round(acc[d] / n);
    let scale = 1;
    if (this.normalize) {
      let sumSquares = 0;
      for (let d = 0; d < dims; d++) sumSquares = round(sumSquares + round(acc[d] * acc[d]));
      scale = round(round(Math.sqrt(sumSquares)) + 1e-32); // model2vec divides by (norm + 1e-32)
    }
    // Built with push: a pre-sized array is "holey" to V8 and slower to clone/serialise (see local.embedder.ts).
    for (let d = 0; d < dims; d++) vector.push(round(acc[d] / scale));
    return vector;
  }
}

const identity = (x: number): number => x;

interface ModelTensors {
  embeddings: Float32Array;
  rows: number;
  dimensions: number;
  mapping: Int32Array | null;
  weights: Float64Array | null;
  /**
   * Whether model2vec's numpy pooling runs in float32: it does for float embeddings of 32 bits or fewer without
   * weights (a float64 weight vector promotes the product to float64; int8 means are float64). Matching it keeps
   * parity to float32 rounding: pooling 512 equal rows in float32 drifts ~5e-6 from the exact mean.
   */
  float32Pooling: boolean;
}

function readTensors(tensors: SafetensorsFile): ModelTensors {
  const file = tensors.fileName;
  const embeddingName = tensors.has('embeddings') ? 'embeddings' : tensors.has('0') ? '0' : 'embeddings';
  const info = tensors.info(embeddingName);
  if (!['F32', 'F16', 'BF16', 'F64', 'I8'].includes(info.dtype)) {
    throw invalid(file, `embedding dtype ${info.dtype} is not supported (F32, F16, BF16, F64 or I8)`);
  }
  if (info.shape.length !== 2 || info.shape[0] === 0 || info.shape[1] === 0) {
    throw invalid(file, `embeddings must be a non-empty 2-d [tokens, dimensions] matrix, got shape ${JSON.stringify(info.shape)}`);
  }
  const [rows, dimensions] = info.shape as [number, number];
  const embeddings = tensors.float32(embeddingName);

  const mapping = tensors.has('mapping') ? tensors.int32('mapping') : null;
  if (mapping) {
    const bad = mapping.findIndex((row) => row < 0 || row >= rows);
    if (bad >= 0) throw invalid(file, `mapping[${bad}] = ${mapping[bad]} is not a row of the ${rows}-row embeddings`);
  }
  let weights: Float64Array | null = null;
  if (tensors.has('weights')) {
    const w = tensors.info('weights');
    if (!w.dtype.startsWith('F') && w.dtype !== 'BF16') throw invalid(file, `weights must be floating point, got ${w.dtype}`);
    weights = tensors.float64('weights');
    const expected = mapping ? mapping.length : rows;
    if (weights.length !== expected) {
      throw invalid(file, `weights has ${weights.length} entries, expected one per token id (${expected})`);
    }
  }
  const float32Pooling = weights === null && ['F32', 'F16', 'BF16'].includes(info.dtype);
  return { embeddings, rows, dimensions, mapping, weights, float32Pooling };
}

function buildTokenizer(
  json: Record<string, unknown>,
  file: string,
): { tokenizer: Tokenizer; unkId: number | null; vocabSize: number; medianLength: number } {
  const model = json.model as Record<string, unknown> | undefined;
  // The types tokenizers.js implements; it would quietly fall back to a pass-through model for anything else.
  if (!SUPPORTED_MODELS.includes(model?.type as string)) {
    throw invalid(file, `model type ${JSON.stringify(model?.type)} is not supported (${SUPPORTED_MODELS.join(', ')})`);
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, {});
  } catch (cause) {
    throw invalid(file, `could not be loaded: ${(cause as Error).message}`, cause);
  }
  const vocab = tokenizer.get_vocab(true);
  if (vocab.size === 0) throw invalid(file, 'has an empty vocabulary');
  let maxId = -1;
  const lengths: number[] = [];
  for (const [token, id] of vocab) {
    if (id > maxId) maxId = id;
    lengths.push(codePointLength(token));
  }
  // model2vec: int(np.median(lengths)) over the vocabulary, in characters.
  lengths.sort((a, b) => a - b);
  const mid = lengths.length >> 1;
  const median = lengths.length % 2 ? lengths[mid] : (lengths[mid - 1] + lengths[mid]) / 2;
  const medianLength = Math.max(1, Math.trunc(median));

  let unkId: number | null = null;
  if (typeof model?.unk_token === 'string') {
    const id = tokenizer.token_to_id(model.unk_token);
    if (id === undefined) throw invalid(file, `names unk_token "${model.unk_token}" but it is not in the vocabulary`);
    unkId = id;
  }
  return { tokenizer, unkId, vocabSize: maxId + 1, medianLength };
}

/** The first `maxChars` characters (code points, as Python slices), or the text itself. */
function truncateChars(text: string, maxChars: number | null): string {
  // UTF-16 length bounds the code-point count: the common case needs no scan.
  if (maxChars === null || text.length <= maxChars) return text;
  let units = 0;
  for (let chars = 0; chars < maxChars && units < text.length; chars++) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, units);
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count everything but low surrogates
  }
  return n;
}

async function readModelFile(path: string): Promise<Uint8Array>;
async function readModelFile(path: string, encoding: 'utf8'): Promise<string>;
async function readModelFile(path: string, encoding?: 'utf8'): Promise<Uint8Array | string> {
  try {
    return encoding ? await readFile(path, encoding) : await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'is missing: a model2vec directory needs config.json, tokenizer.json and model.safetensors' : `could not be read (${code ?? (cause as Error).message})`;
    throw invalid(path, problem, cause);
  }
}

function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid(file, `is not valid JSON: ${(cause as Error).message}`, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, 'must be a JSON object');
  return value as Record<string, unknown>;
}

function invalid(file: string, problem: string, cause?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', `${file} ${problem}`, { file }, { cause });
}
