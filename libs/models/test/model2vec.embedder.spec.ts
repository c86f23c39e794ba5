import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, defaultVariant, ManualClock, type RequestContext } from '@ragops/contracts';
import { Model2VecEmbedder, type Model2VecLoadOptions } from '@ragops/models';
import { encodeSafetensors, f32, f64, i32, i8, u16, type TensorSpec } from './safetensors.fixture.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(repoRoot, '../shared/data/model2vec-test-fixtures');
const ctx: RequestContext = { requestId: 'req-1', tenant: 'acme', deadline: 10_000, variant: defaultVariant };

/** A tiny WordPiece tokenizer: ids 0..4 = [UNK], a, b, c, ##s. */
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: null,
  decoder: null,
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: { '[UNK]': 0, a: 1, b: 2, c: 3, '##s': 4 },
  },
};
/** Rows for ids 0..4, 2-d. */
const rows = [
  [9, 9],
  [1, 0],
  [0, 2],
  [3, 4],
  [-1, 1],
];

let root: string;
let counter = 0;

async function writeModel(
  files: { config?: unknown; tokenizer?: unknown; tensors?: Record<string, TensorSpec>; model?: Uint8Array } = {},
): Promise<string> {
  const dir = join(root, `model-${counter++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify(files.config ?? { model_type: 'model2vec', normalize: false }));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizer ?? tokenizerJson));
  const tensors = files.tensors ?? { embeddings: { dtype: 'F32', shape: [5, 2], data: f32(rows.flat()) } };
  await writeFile(join(dir, 'model.safetensors'), files.model ?? encodeSafetensors(tensors));
  return dir;
}

/** Loads with a clock before ctx's deadline. */
const load = (dir: string, options: Model2VecLoadOptions = {}) => Model2VecEmbedder.load(dir, { clock: new ManualClock(0), ...options });

async function loadFailure(dir: string, options?: Model2VecLoadOptions): Promise<AppError> {
  try {
    await Model2VecEmbedder.load(dir, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VALIDATION_FAILED');
    return error as AppError;
  }
  throw new Error(`expected loading ${dir} to fail`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ragops-model2vec-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Model2VecEmbedder encoding', () => {
  it('mean-pools the rows of the tokens, without special tokens, dropping [UNK]', async () => {
    const model = await load(await writeModel());
    expect(model.dimensions).toBe(2);
    expect(model.tokenIds('A b zzz cs')).toEqual([1, 2, 3, 4]); // "zzz" → [UNK], dropped; "cs" → c ##s
    const [ab, ac, unknownOnly, empty] = await model.embed(['A b', 'a zzz c', 'zzz qqq', ''], 'document', ctx);
    expect(ab).toEqual([0.5, 1]);
    expect(ac).toEqual([2, 2]);
    expect(unknownOnly).toEqual([0, 0]);
    expect(empty).toEqual([0, 0]);
  });

  it('normalises when config.json says so, or when told to', async () => {
    const normalized = await Model2VecEmbedder.load(await writeModel({ config: { normalize: true } }));
    // Float32 embeddings pool in float32, as numpy does: the output is float32-rounded.
    expect(normalized.embedOne('c')).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(normalized.embedOne('zzz')).toEqual([0, 0]); // no tokens: zeros, not NaN
    const silent = await writeModel({ config: {} });
    expect((await Model2VecEmbedder.load(silent)).embedOne('c')).toEqual([3, 4]); // model2vec's default: false
    expect((await Model2VecEmbedder.load(silent, { normalize: true })).embedOne('c')).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('keeps the first maxLength tokens after dropping unknowns', async () => {
    // Five long filler tokens lift the median token length to 7, so the character pre-cut (2 × 7) keeps the text.
    const filler = Object.fromEntries([5, 6, 7, 8, 9].map((id) => [`filler${id}xxx`, id]));
    const dir = await writeModel({
      tokenizer: { ...tokenizerJson, model: { ...tokenizerJson.model, vocab: { ...tokenizerJson.model.vocab, ...filler } } },
      tensors: { embeddings: { dtype: 'F32', shape: [10, 2], data: f32([...rows.flat(), ...new Array(10).fill(0)]) } },
    });
    const two = await Model2VecEmbedder.load(dir, { maxLength: 2 });
    expect(two.tokenIds('zzz a zzz b c')).toEqual([1, 2]);
    expect(two.embedOne('a zzz b c')).toEqual([0.5, 1]);
    expect((await Model2VecEmbedder.load(dir, { maxLength: null })).tokenIds('a '.repeat(2000))).toHaveLength(2000);
    await expect(Model2VecEmbedder.load(dir, { maxLength: 0 })).rejects.toThrow(/maxLength must be a positive integer/);
  });

  it('pre-truncates text to maxLength × the median vocabulary token length in characters', async () => {
    // Token lengths 5,1,1,1,3 → median 1: with maxLength 3 only "a b" (3 characters) reaches the tokenizer.
    const model = await Model2VecEmbedder.load(await writeModel(), { maxLength: 3 });
    expect(model.tokenIds('a b c')).toEqual([1, 2]);
    // Python slices code points: "b😀 a" is 4 of them (5 UTF-16 units), so it survives a 4-character cut whole.
    const four = await Model2VecEmbedder.load(await writeModel(), { maxLength: 4 });
    expect(four.tokenIds('b😀 a')).toEqual([1]); // "b😀" is unknown, dropped
  });

  it('maps tokens to shared rows and scales them by per-token weights (vocabulary quantization)', async () => {
    const dir = await writeModel({
      tensors: {
        embeddings: { dtype: 'F32', shape: [2, 2], data: f32([1, 0, 0, 1]) },
        mapping: { dtype: 'I32', shape: [5], data: i32([0, 0, 1, 1, 0]) },
        weights: { dtype: 'F64', shape: [5], data: f64([1, 2, 3, 0.5, 4]) },
      },
    });
    const model = await load(dir);
    expect(model.dimensions).toBe(2);
    // a → row 0 × 2, b → row 1 × 3, c → row 1 × 0.5; mean over the 3 tokens.
    expect(model.embedOne('a b c')).toEqual([2 / 3, 3.5 / 3]);
  });

  it('reads F16 and I8 embeddings', async () => {
    const half = await writeModel({
      tensors: { embeddings: { dtype: 'F16', shape: [5, 2], data: u16([0, 0, 0x3c00, 0, 0, 0x4000, 0x4200, 0x4400, 0xbc00, 0x3c00]) } },
    });
    expect((await Model2VecEmbedder.load(half)).embedOne('a b c')).toEqual([4 / 3, 6 / 3].map(Math.fround));
    const int8 = await writeModel({ tensors: { embeddings: { dtype: 'I8', shape: [5, 2], data: i8([0, 0, 127, -128, 1, 2, 3, 4, 5, 6]) } } });
    expect((await Model2VecEmbedder.load(int8)).embedOne('a b')).toEqual([64, -63]);
  });

  it('names the model after config.json model_name, else the directory', async () => {
    expect((await Model2VecEmbedder.load(await writeModel({ config: { model_name: 'potion-test' } }))).model).toBe('potion-test');
    const dir = await writeModel();
    expect((await Model2VecEmbedder.load(dir)).model).toBe(dir.split('/').pop());
  });

  it('stops at the deadline and yields between slices', async () => {
    const clock = new ManualClock(20_000);
    const model = await Model2VecEmbedder.load(await writeModel(), { clock });
    await expect(model.embed(['a'], 'query', ctx)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    clock.set(0);
    const many = await model.embed(new Array(600).fill('a b'), 'query', ctx);
    expect(many).toHaveLength(600);
    expect(many[599]).toEqual([0.5, 1]);
  });
});

describe('Model2VecEmbedder validation', () => {
  it.each(['config.json', 'tokenizer.json', 'model.safetensors'])('names a missing %s', async (file) => {
    const dir = await writeModel();
    await rm(join(dir, file));
    const error = await loadFailure(dir);
    expect(error.message).toContain(join(dir, file));
    expect(error.message).toMatch(/is missing/);
  });

  it('rejects JSON that does not parse, or is not an object', async () => {
    const dir = await writeModel();
    await writeFile(join(dir, 'config.json'), '{ "normalize": tru');
    expect((await loadFailure(dir)).message).toMatch(/config\.json is not valid JSON/);
    await writeFile(join(dir, 'config.json'), '[1]');
    expect((await loadFailure(dir)).message).toMatch(/config\.json must be a JSON object/);
    await writeFile(join(dir, 'config.json'), '{"normalize":"yes"}');
    expect((await loadFailure(dir)).message).toMatch(/config\.json "normalize" must be a boolean/);
  });

  it('rejects a tokenizer it cannot build, or whose unk_token is not in the vocabulary', async () => {
    const unknownType = await writeModel({ tokenizer: { ...tokenizerJson, model: { type: 'WordLevel', vocab: {} } } });
    expect((await loadFailure(unknownType)).message).toMatch(/tokenizer\.json model type "WordLevel" is not supported/);
    const broken = await writeModel({ tokenizer: { ...tokenizerJson, model: { type: 'Unigram', vocab: 7 } } });
    expect((await loadFailure(broken)).message).toMatch(/tokenizer\.json could not be loaded/);
    const badUnk = await writeModel({ tokenizer: { ...tokenizerJson, model: { ...tokenizerJson.model, unk_token: '<unk>' } } });
    expect((await loadFailure(badUnk)).message).toMatch(/tokenizer\.json names unk_token "<unk>" but it is not in the vocabulary/);
  });

  it('rejects embeddings that do not cover the vocabulary, or the wrong dtype or rank', async () => {
    const fewRows = await writeModel({ tensors: { embeddings: { dtype: 'F32', shape: [4, 2], data: f32(rows.slice(0, 4).flat()) } } });
    expect((await loadFailure(fewRows)).message).toMatch(/covers 4 token ids \(embedding rows\) but tokenizer\.json has 5/);
    const ints = await writeModel({ tensors: { embeddings: { dtype: 'I32', shape: [5, 2], data: i32(rows.flat()) } } });
    expect((await loadFailure(ints)).message).toMatch(/embedding dtype I32 is not supported/);
    const flat = await writeModel({ tensors: { embeddings: { dtype: 'F32', shape: [10], data: f32(rows.flat()) } } });
    expect((await loadFailure(flat)).message).toMatch(/must be a non-empty 2-d/);
    const misnamed = await writeModel({ tensors: { vectors: { dtype: 'F32', shape: [5, 2], data: f32(rows.flat()) } } });
    expect((await loadFailure(misnamed)).message).toMatch(/has no tensor "embeddings" \(tensors: vectors\)/);
  });

  it('rejects a mapping outside the embedding rows and weights of the wrong length', async () => {
    const embeddings: TensorSpec = { dtype: 'F32', shape: [2, 2], data: f32([1, 0, 0, 1]) };
    const badRow = await writeModel({ tensors: { embeddings, mapping: { dtype: 'I32', shape: [5], data: i32([0, 1, 2, 0, 0]) } } });
    expect((await loadFailure(badRow)).message).toMatch(/mapping\[2\] = 2 is not a row of the 2-row embeddings/);
    const shortWeights = await writeModel({
      tensors: { embeddings, mapping: { dtype: 'I32', shape: [5], data: i32([0, 1, 1, 0, 0]) }, weights: { dtype: 'F64', shape: [4], data: f64([1, 1, 1, 1]) } },
    });
    expect((await loadFailure(shortWeights)).message).toMatch(/weights has 4 entries, expected one per token id \(5\)/);
  });

  describe('a corrupted copy of test-model-float32', () => {
    async function corrupt(edit: (bytes: Buffer) => Uint8Array): Promise<AppError> {
      const dir = join(root, `corrupt-${counter++}`);
      await mkdir(dir);
      for (const file of ['config.json', 'tokenizer.json']) await copyFile(join(fixtures, 'test-model-float32', file), join(dir, file));
      const bytes = await readFile(join(fixtures, 'test-model-float32', 'model.safetensors'));
      await writeFile(join(dir, 'model.safetensors'), edit(bytes));
      const error = await loadFailure(dir);
      expect(error.message).toContain(join(dir, 'model.safetensors'));
      return error;
    }

    it('truncated data', async () => {
      expect((await corrupt((b) => b.subarray(0, b.length - 100))).message).toMatch(/tensor "embeddings" data \[0, 236224\) runs beyond .*truncated/);
    });
    it('truncated inside the header, and before the length prefix ends', async () => {
      expect((await corrupt((b) => b.subarray(0, 40))).message).toMatch(/header length 80 runs beyond the file/);
      expect((await corrupt((b) => b.subarray(0, 3))).message).toMatch(/truncated: 3 bytes/);
    });
    it('header length beyond the file', async () => {
      const error = await corrupt((b) => {
        const copy = Buffer.from(b);
        copy.writeBigUInt64LE(BigInt(copy.length) * 2n, 0);
        return copy;
      });
      expect(error.message).toMatch(/header length \d+ runs beyond the file/);
    });
    it('unknown dtype', async () => {
      const error = await corrupt((b) => Buffer.from(b.toString('latin1').replace('"F32"', '"X32"'), 'latin1'));
      expect(error.message).toMatch(/tensor "embeddings" has unsupported dtype "X32"/);
    });
  });
});
