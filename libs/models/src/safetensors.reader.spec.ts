import { describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { encodeSafetensors, f32, f64, i32, i8, u16 } from '../test/safetensors.fixture.js';
import { halfToFloat, parseSafetensors } from './safetensors.reader.js';

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VALIDATION_FAILED');
    expect((error as AppError).message).toMatch(/^m\.safetensors /);
    expect((error as AppError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a VALIDATION_FAILED AppError');
}

describe('halfToFloat', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504], // largest finite half
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('decodes half code %i exactly', (bits, value) => {
    expect(halfToFloat(bits)).toBe(value);
  });

  it('decodes NaN and negative zero', () => {
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('is strictly increasing over the positive codes and odd in the sign bit (all 2^16 codes)', () => {
    const bad: number[] = [];
    let previous = -1;
    for (let h = 0; h <= 0x7c00; h++) {
      const v = halfToFloat(h);
      if (!(v > previous) || !Object.is(halfToFloat(h | 0x8000), -v)) bad.push(h);
      previous = v;
    }
    for (let h = 0x7c01; h <= 0x7fff; h++) if (!Number.isNaN(halfToFloat(h)) || !Number.isNaN(halfToFloat(h | 0x8000))) bad.push(h);
    expect(bad).toEqual([]);
  });
});

describe('parseSafetensors', () => {
  it('reads every supported dtype, shape and metadata', () => {
    const bytes = encodeSafetensors(
      {
        a: { dtype: 'F32', shape: [2, 2], data: f32([1, -2.5, 3, 0.125]) },
        b: { dtype: 'F16', shape: [3], data: u16([0x3c00, 0xc000, 0x3555]) },
        c: { dtype: 'I8', shape: [3], data: i8([-128, 0, 127]) },
        d: { dtype: 'F64', shape: [2], data: f64([Math.PI, -1e-300]) },
        e: { dtype: 'I32', shape: [2], data: i32([7, -3]) },
        f: { dtype: 'BF16', shape: [2], data: u16([0x3f80, 0xc040]) },
        scalar: { dtype: 'F32', shape: [], data: f32([42]) },
        empty: { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) },
      },
      { format: 'np' },
    );
    const file = parseSafetensors(bytes, 'm.safetensors');
    expect(file.metadata).toEqual({ format: 'np' });
    expect([...file.tensors.keys()]).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'scalar', 'empty']);
    expect(file.info('a').shape).toEqual([2, 2]);
    expect([...file.float32('a')]).toEqual([1, -2.5, 3, 0.125]);
    expect([...file.float32('b')]).toEqual([1, -2, 0.333251953125]);
    expect([...file.float32('c')]).toEqual([-128, 0, 127]);
    expect([...file.float64('d')]).toEqual([Math.PI, -1e-300]);
    expect([...file.int32('e')]).toEqual([7, -3]);
    expect([...file.float32('f')]).toEqual([1, -3]);
    expect([...file.float32('scalar')]).toEqual([42]);
    expect(file.float32('empty')).toHaveLength(0);
  });

  it('reads tensors from a view at an odd offset into a larger buffer', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: f32([1.5, -4]) } });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect([...parseSafetensors(padded.subarray(3), 'm.safetensors').float32('x')]).toEqual([1.5, -4]);
  });

  it('rejects a file shorter than the 8-byte length prefix', () => {
    expectInvalid(() => parseSafetensors(new Uint8Array(5), 'm.safetensors'), /truncated: 5 bytes/);
  });

  it('rejects a header length beyond the file', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [1], data: f32([1]) } });
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
    expectInvalid(() => parseSafetensors(bytes, 'm.safetensors'), /header length \d+ runs beyond the file/);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    expectInvalid(() => parseSafetensors(bytes, 'm.safetensors'), /runs beyond the file/);
  });

  it('rejects a header that is not JSON, or not an object', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [1], data: f32([1]) } });
    bytes[8] = 0x78; // 'x' instead of '{'
    expectInvalid(() => parseSafetensors(bytes, 'm.safetensors'), /header is not valid UTF-8 JSON/);
    const array = new Uint8Array(8 + 2);
    new DataView(array.buffer).setBigUint64(0, 2n, true);
    array.set(new TextEncoder().encode('[]'), 8);
    expectInvalid(() => parseSafetensors(array, 'm.safetensors'), /header must be a JSON object/);
  });

  it.each(['F8_E4M3', 'Q4_0', 'U64', 'BOOL', 42])('rejects the unsupported dtype %p, naming it', (dtype) => {
    const bytes = encodeSafetensors({ x: { dtype: dtype as string, shape: [4], data: new Uint8Array(4) } });
    expectInvalid(() => parseSafetensors(bytes, 'm.safetensors'), /tensor "x" has unsupported dtype/);
  });

  it('rejects truncated tensor data and sizes that disagree with the shape', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [4], data: f32([1, 2, 3, 4]) } });
    expectInvalid(() => parseSafetensors(bytes.subarray(0, bytes.length - 1), 'm.safetensors'), /runs beyond the file's 15 data bytes: truncated/);
    const wrong = encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: f32([1, 2, 3, 4]) } });
    expectInvalid(() => parseSafetensors(wrong, 'm.safetensors'), /has 16 bytes but shape \[3\] of F32 needs 12/);
  });

  it('rejects malformed shapes and offsets', () => {
    const header = (entry: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify({ x: entry }));
      const out = new Uint8Array(8 + json.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    expectInvalid(() => parseSafetensors(header({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), 'm.safetensors'), /shape must be/);
    expectInvalid(() => parseSafetensors(header({ dtype: 'F32', shape: [1], data_offsets: [4, 0] }), 'm.safetensors'), /data_offsets must be/);
    expectInvalid(() => parseSafetensors(header({ dtype: 'F32', shape: [1] }), 'm.safetensors'), /data_offsets must be/);
    expectInvalid(() => parseSafetensors(header('F32'), 'm.safetensors'), /must be an object/);
  });

  it('names the missing tensor and the ones present', () => {
    const file = parseSafetensors(encodeSafetensors({ a: { dtype: 'I8', shape: [1], data: i8([1]) } }), 'm.safetensors');
    expectInvalid(() => file.float32('embeddings'), /has no tensor "embeddings" \(tensors: a\)/);
    expectInvalid(() => parseSafetensors(encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: f32([1]) } }), 'm.safetensors').int32('a'), /must have an integer dtype/);
  });
});
