import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One fault, applied to one request instead of (or before) the normal answer. */
export interface OpenAIDoubleFault {
  /** Wait this long before answering (or before applying the other fault). */
  latencyMs?: number;
  /** Answer with this HTTP status and OpenAI's error body instead of a result (429, 500, 503, …). */
  status?: number;
  /** With `status`: the `retry-after` header value (seconds, or an HTTP date). */
  retryAfter?: number | string;
  /** With `status`: the error message (default: one shaped like OpenAI's). */
  message?: string;
  /** Answer 200 with `application/json` but a truncated body. */
  invalidJson?: boolean;
  /** Never answer; the socket stays open until the client gives up or the double closes. */
  hang?: boolean;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
  /** Answer normally but with vectors of this length, whatever was asked. */
  vectorLength?: number;
}

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it did not parse. */
  body: unknown;
}

export interface OpenAIDoubleOptions {
  /** Vector length when the request has no `dimensions`. Default 32. */
  defaultDimensions?: number;
  /** When set, `Authorization: Bearer <apiKey>` is required (else 401, as OpenAI answers). */
  apiKey?: string;
  /** When set, other models get 404 `model_not_found`. */
  models?: string[];
}

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const EMBEDDING_KEYS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);

/**
 * A local server speaking OpenAI's HTTP protocol (`POST /v1/embeddings`), for testing adapters through the real
 * `openai` SDK. It answers OpenAI's response and error shapes (https://platform.openai.com/docs/api-reference/embeddings),
 * rejects malformed requests with 400 as OpenAI does, records every request, and injects faults into the next
 * requests. Vectors are deterministic functions of the input text, so tests can check order.
 */
export class OpenAIDoubleServer {
  /** Every request received, in arrival order (faulted ones included). */
  readonly requests: RecordedOpenAIRequest[] = [];
  private readonly server: Server;
  private readonly faults: OpenAIDoubleFault[] = [];
  private readonly defaultDimensions: number;

  private constructor(private readonly options: OpenAIDoubleOptions) {
    this.defaultDimensions = options.defaultDimensions ?? 32;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, String(error), 'server_error');
      });
    });
  }

  static async start(options: OpenAIDoubleOptions = {}): Promise<OpenAIDoubleServer> {
    const double = new OpenAIDoubleServer(options);
    await new Promise<void>((resolve, reject) => {
      double.server.once('error', reject);
      double.server.listen(0, '127.0.0.1', () => resolve());
    });
    return double;
  }

  /** Base URL for the SDK (`new OpenAI({ baseURL })`), ending in `/v1`. */
  get baseURL(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** Applies `fault` to each of the next `times` requests (after any faults already queued). */
  inject(fault: OpenAIDoubleFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Forgets queued faults and recorded requests. */
  reset(): void {
    this.faults.length = 0;
    this.requests.length = 0;
  }

  /** The vector this double returns for `text` at `dimensions`: unit length, deterministic. */
  static vectorFor(text: string, dimensions: number): number[] {
    // FNV-1a of the text seeds an xorshift32 stream; float32-rounded so base64 and float answers agree exactly.
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    let state = h | 1;
    const raw: number[] = [];
    let norm = 0;
    for (let i = 0; i < dimensions; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const v = (state | 0) / 2147483648;
      raw.push(v);
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(norm);
    return raw.map((v) => Math.fround(v * scale));
  }

  async close(): Promise<void> {
    this.faults.length = 0;
    // Hanging requests keep their sockets open: cut them, or close() would wait for them forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let body: unknown = text;
    let parsed = false;
    try {
      body = text ? JSON.parse(text) : undefined;
      parsed = true;
    } catch {
      // recorded as raw text; answered 400 below
    }
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    const fault = this.faults.shift();
    if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault?.hang) return;
    if (fault?.dropConnection) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      const [type, code] = fault.status === 429 ? ['requests', 'rate_limit_exceeded'] : ['server_error', null];
      sendError(res, fault.status, fault.message ?? defaultMessage(fault.status), type, null, code, headers);
      return;
    }

    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/embeddings') {
      sendError(res, 404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error');
      return;
    }
    if (!parsed) {
      sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      return;
    }
    const problem = validateEmbeddingRequest(body);
    if (problem) {
      sendError(res, 400, problem.message, 'invalid_request_error', problem.param);
      return;
    }
    const request = body as { model: string; input: string | string[]; dimensions?: number; encoding_format?: string };
    if (this.options.models && !this.options.models.includes(request.model)) {
      sendError(res, 404, `The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
      return;
    }

    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const dimensions = fault?.vectorLength ?? request.dimensions ?? this.defaultDimensions;
    const base64 = request.encoding_format === 'base64';
    let tokens = 0;
    const data = inputs.map((input, index) => {
      tokens += Math.ceil(input.length / 4);
      const vector = OpenAIDoubleServer.vectorFor(input, dimensions);
      return { object: 'embedding', index, embedding: base64 ? encodeFloat32(vector) : vector };
    });
    const answer = JSON.stringify({
      object: 'list',
      data,
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
    if (fault?.invalidJson) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer.slice(0, Math.max(1, answer.length >> 1)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  }
}

function validateEmbeddingRequest(body: unknown): { message: string; param: string } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { message: 'The request body must be a JSON object.', param: 'body' };
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!EMBEDDING_KEYS.has(key)) return { message: `Unrecognized request argument supplied: ${key}`, param: key };
  }
  if (typeof b.model !== 'string' || b.model.length === 0) return { message: "you must provide a model parameter", param: 'model' };
  const input = b.input;
  const inputs = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 2048) {
    return { message: "'input' must be a string or an array of 1 to 2048 strings", param: 'input' };
  }
  for (let i = 0; i < inputs.length; i++) {
    if (typeof inputs[i] !== 'string' || (inputs[i] as string).length === 0) {
      return { message: `'$.input[${i}]' is invalid: expected a non-empty string`, param: 'input' };
    }
  }
  if (b.dimensions !== undefined && (!Number.isInteger(b.dimensions) || (b.dimensions as number) < 1)) {
    return { message: "'dimensions' must be a positive integer", param: 'dimensions' };
  }
  if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64') {
    return { message: "'encoding_format' must be 'float' or 'base64'", param: 'encoding_format' };
  }
  if (b.user !== undefined && typeof b.user !== 'string') return { message: "'user' must be a string", param: 'user' };
  return undefined;
}

/** Little-endian float32 bytes, base64: what OpenAI returns for `encoding_format: 'base64'`. */
function encodeFloat32(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests. Please try again later.';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return `Request failed with status ${status}.`;
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
): void {
  const body: OpenAIErrorBody = { error: { message, type, param, code } };
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
