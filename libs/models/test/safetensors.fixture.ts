/** Builds safetensors bytes for tests: tensors laid out in order, header padded to 8 bytes as the format's writer does. */
export interface TensorSpec {
  dtype: string;
  shape: number[];
  /** Raw little-endian bytes of the data. */
  data: Uint8Array;
}

export function encodeSafetensors(tensors: Record<string, TensorSpec>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

export const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
export const f64 = (values: number[]): Uint8Array => new Uint8Array(new Float64Array(values).buffer);
export const i32 = (values: number[]): Uint8Array => new Uint8Array(new Int32Array(values).buffer);
export const i8 = (values: number[]): Uint8Array => new Uint8Array(new Int8Array(values).buffer);
export const u16 = (values: number[]): Uint8Array => new Uint8Array(new Uint16Array(values).buffer);
