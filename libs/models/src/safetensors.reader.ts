import { AppError } from '@ragops/contracts';

/**
 * A reader for the safetensors format (github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
 * unsigned header length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`,
 * then the raw little-endian tensor bytes, offsets relative to the end of the header.
 */

/** Bytes per element of every dtype the format defines that this reader can decode to numbers. */
const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The format's own cap on the header (safetensors rejects larger ones), so a corrupt length can't make us allocate. */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Element count (product of the shape; 1 for a scalar). */
  readonly size: number;
  /** Absolute byte range in the file. */
  readonly begin: number;
  readonly end: number;
}

export class SafetensorsFile {
  constructor(
    /** Used in error messages, e.g. the file's path. */
    readonly fileName: string,
    private readonly bytes: Uint8Array,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) {
      const names = [...this.tensors.keys()].join(', ') || 'none';
      throw invalid(this.fileName, `has no tensor "${name}" (tensors: ${names})`);
    }
    return info;
  }

  /** The tensor's values as float32 (F16/BF16 widened exactly; F64 and 64-bit ints rounded to nearest float32). */
  float32(name: string): Float32Array {
    const info = this.info(name);
    const out = new Float32Array(info.size);
    decodeInto(this.view(info), info.dtype, out);
    return out;
  }

  /** The tensor's values as float64 (exact for every dtype but I64 beyond 2^53). */
  float64(name: string): Float64Array {
    const info = this.info(name);
    const out = new Float64Array(info.size);
    decodeInto(this.view(info), info.dtype, out);
    return out;
  }

  /** An integer tensor's values; throws for float dtypes and for values outside int32. */
  int32(name: string): Int32Array {
    const info = this.info(name);
    if (info.dtype.startsWith('F') || info.dtype === 'BF16') {
      throw invalid(this.fileName, `tensor "${name}" must have an integer dtype, got ${info.dtype}`);
    }
    const wide = new Float64Array(info.size);
    decodeInto(this.view(info), info.dtype, wide);
    const out = new Int32Array(info.size);
    for (let i = 0; i < wide.length; i++) {
      if (wide[i] !== (wide[i] | 0)) {
        throw invalid(this.fileName, `tensor "${name}" holds ${wide[i]} at index ${i}, outside the int32 range`);
      }
      out[i] = wide[i];
    }
    return out;
  }

  private view(info: TensorInfo): DataView {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + info.begin, info.end - info.begin);
  }
}

/** Parses the header and checks every tensor's dtype, shape and byte range against the file; copies no data. */
export function parseSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): SafetensorsFile {
  if (bytes.length < 8) {
    throw invalid(fileName, `is truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const lengthView = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLength = lengthView.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw invalid(fileName, `header length ${headerLength} runs beyond the file (${bytes.length - 8} bytes after it): truncated or not safetensors`);
  }
  const n = Number(headerLength);
  if (n > MAX_HEADER_BYTES) throw invalid(fileName, `header length ${n} exceeds the format's ${MAX_HEADER_BYTES}-byte limit`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (cause) {
    throw invalid(fileName, `header is not valid UTF-8 JSON: ${(cause as Error).message}`, cause);
  }
  if (!isRecord(header)) throw invalid(fileName, 'header must be a JSON object of tensors');

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw invalid(fileName, '__metadata__ must be an object of strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    tensors.set(name, tensorInfo(fileName, name, entry, dataStart, dataLength));
  }
  return new SafetensorsFile(fileName, bytes, tensors, metadata);
}

function tensorInfo(fileName: string, name: string, entry: unknown, dataStart: number, dataLength: number): TensorInfo {
  if (!isRecord(entry)) throw invalid(fileName, `tensor "${name}" must be an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw invalid(fileName, `tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid(fileName, `tensor "${name}" shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw invalid(fileName, `tensor "${name}" data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw invalid(fileName, `tensor "${name}" data [${begin}, ${end}) runs beyond the file's ${dataLength} data bytes: truncated`);
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const width = DTYPE_BYTES[dtype as SafetensorsDtype];
  if (size * width !== end - begin) {
    throw invalid(fileName, `tensor "${name}" has ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${size * width}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], size, begin: dataStart + begin, end: dataStart + end };
}

function decodeInto(view: DataView, dtype: SafetensorsDtype, out: Float32Array | Float64Array): void {
  const n = out.length;
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return;
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return;
    case 'BF16':
      // bfloat16 is the top half of a float32.
      for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
      return;
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return;
  }
}

/** IEEE 754 binary16 → number, exactly: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals: fraction · 2^-14 · 2^-10
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25); // (1 + fraction/2^10) · 2^(exponent-15)
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
function bfloat16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, b << 16);
  return bf16Scratch.getFloat32(0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(fileName: string, problem: string, cause?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', `${fileName} ${problem}`, { file: fileName }, { cause });
}
