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
  /** Answer 200 with this JSON value as the body instead of the computed answer (malformed-response tests). */
  body?: unknown;
  /** Chat: leave `usage` out of the JSON body and the stream, as some servers do. */
  omitUsage?: boolean;
  /** Chat stream: send this many events, then nothing more while keeping the connection open. */
  stallAfterChunks?: number;
  /** Chat stream: send this many events, then end the response without a finish_reason or `[DONE]`. */
  truncateAfterChunks?: number;
  /** Chat stream: send the event with this 0-based number as invalid JSON. */
  invalidJsonChunk?: number;
  /** Chat stream: wait this long after the role chunk before the first text (time to first token). */
  firstTokenDelayMs?: number;
  /** Chat stream: wait this long between events. */
  chunkDelayMs?: number;
  /** Chat stream: send exactly these `data:` payloads (include `'[DONE]'` if wanted) instead of the computed events. */
  streamEvents?: string[];
}

/** A scripted chat answer, queued with replyWith(). */
export interface ScriptedChatReply {
  /** The text of every choice, or one text per choice (missing ones repeat the last). */
  content: string | string[];
  /** Default `stop`, or `length` when max_tokens cut the text. */
  finishReason?: string;
  /** Default: the requested model. */
  model?: string;
  /** Default: counted by the double (one token per word-with-trailing-space, see chatTokens). */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it did not parse. */
  body: unknown;
  /** Set when the client closed the connection before the answer was complete (a cancelled stream). */
  abandoned: boolean;
}

export interface OpenAIDoubleOptions {
  /** Vector length when the request has no `dimensions`. Default 32. */
  defaultDimensions?: number;
  /** When set, `Authorization: Bearer <apiKey>` is required (else 401, as OpenAI answers). */
  apiKey?: string;
  /** When set, other models get 404 `model_not_found`. */
  models?: string[];
  /** TEI's `--max-client-batch-size`: `/rerank` refuses more texts with 413. Default 32, as TEI. */
  teiMaxClientBatchSize?: number;
}

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const EMBEDDING_KEYS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);
/** Chat Completions request fields the double accepts (it implements the first row; the rest are accepted and ignored). */
const CHAT_KEYS = new Set([
  'model', 'messages', 'n', 'temperature', 'max_tokens', 'max_completion_tokens', 'stop', 'response_format', 'stream', 'stream_options',
  'top_p', 'seed', 'user', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'tools', 'tool_choice',
  'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'reasoning_effort',
]);
const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
  n?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  response_format?: { type: string };
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** One choice's text and why it ended. */
interface ChoiceOutcome {
  text: string;
  finishReason: string;
}

/**
 * A local server speaking OpenAI's HTTP protocol, for testing adapters through the real `openai` SDK:
 *
 * - `POST /v1/embeddings` (https://platform.openai.com/docs/api-reference/embeddings): vectors are deterministic
 *   functions of the input text, so tests can check order.
 * - `POST /v1/chat/completions` (https://platform.openai.com/docs/api-reference/chat): a JSON body, or with
 *   `stream: true` server-sent events as OpenAI sends them — `data: <chunk>` events (a role chunk per choice, text
 *   chunks, a finish chunk per choice, a usage chunk with `stream_options.include_usage`), then `data: [DONE]`.
 *   Answers come from a queue (replyWith) or, by default, a deterministic echo citing the first passages of a
 *   `[n]`-numbered context. `max_tokens` cuts the answer (finish `length`) and `stop` sequences end it.
 * - `POST /v1/rerank` in Jina's shape (as vLLM serves it) and `POST /rerank` in text-embeddings-inference's shape;
 *   scores are the share of query words a document contains.
 *
 * It answers OpenAI's error shapes, rejects malformed requests with 400 as the real servers do, records every
 * request, and injects faults into the next requests (latency, status codes with retry-after, hangs, dropped
 * connections, invalid JSON bodies, and for streams stalls, truncation and invalid events).
 */
export class OpenAIDoubleServer {
  /** Every request received, in arrival order (faulted ones included). */
  readonly requests: RecordedOpenAIRequest[] = [];
  private readonly server: Server;
  private readonly faults: OpenAIDoubleFault[] = [];
  private readonly replies: ScriptedChatReply[] = [];
  private readonly defaultDimensions: number;
  private completions = 0;

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
    return `${this.rootURL}/v1`;
  }

  /** The server root, where TEI serves `/rerank`. */
  get rootURL(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queues answers for the next chat completions, one per request, before the default echo resumes. */
  replyWith(...replies: Array<string | ScriptedChatReply>): void {
    for (const reply of replies) this.replies.push(typeof reply === 'string' ? { content: reply } : reply);
  }

  /** Applies `fault` to each of the next `times` requests (after any faults already queued). */
  inject(fault: OpenAIDoubleFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Forgets queued faults, queued replies and recorded requests. */
  reset(): void {
    this.faults.length = 0;
    this.replies.length = 0;
    this.requests.length = 0;
  }

  /** The double's token count: one per word with its trailing whitespace (leading whitespace is one more). */
  static chatTokens(text: string): number {
    return text.match(TOKEN)?.length ?? 0;
  }

  /**
   * The default answer to a chat request: cites up to the first two `[n]` passages of the last user message's
   * context, or says it does not know when there are none. Deterministic, so tests can predict it.
   */
  static echoAnswer(lastUserMessage: string): string {
    const passages = [...lastUserMessage.matchAll(/^\[(\d+)\]/gm)].map((m) => Number(m[1]));
    const question = /Question:\s*(.+)/.exec(lastUserMessage)?.[1]?.trim() ?? lastUserMessage.trim().split('\n').pop() ?? '';
    if (passages.length === 0) return 'I do not know based on the indexed documents.';
    const cited = passages.slice(0, 2).map((n) => `[${n}]`).join('');
    return `The passages answer "${question.slice(0, 80)}" ${cited}.`;
  }

  /** Deterministic rerank relevance: the share of the query's distinct words that appear in the document. */
  static relevance(query: string, document: string): number {
    const words = (t: string) => new Set(t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
    const q = words(query);
    if (q.size === 0) return 0;
    const d = words(document);
    let shared = 0;
    for (const w of q) if (d.has(w)) shared++;
    return shared / q.size;
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
    this.replies.length = 0;
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
    const record: RecordedOpenAIRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, abandoned: false };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.abandoned = true;
    });

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
    const route = req.method === 'POST' ? ROUTES.get(path) : undefined;
    if (!route) {
      sendError(res, 404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error');
      return;
    }
    if (!parsed) {
      sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      return;
    }
    if (fault?.body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fault.body));
      return;
    }
    if (route === 'chat') return this.chat(body, fault, res);
    if (route === 'rerank') return this.rerankJina(body, fault, res);
    if (route === 'tei-rerank') return this.rerankTei(body, fault, res);
    this.embeddings(body, fault, res);
  }

  private embeddings(body: unknown, fault: OpenAIDoubleFault | undefined, res: ServerResponse): void {
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
    sendJson(res, answer, fault);
  }

  private async chat(body: unknown, fault: OpenAIDoubleFault | undefined, res: ServerResponse): Promise<void> {
    const problem = validateChatRequest(body);
    if (problem) {
      sendError(res, 400, problem.message, 'invalid_request_error', problem.param);
      return;
    }
    const request = body as ChatRequestBody;
    if (this.options.models && !this.options.models.includes(request.model)) {
      sendError(res, 404, `The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
      return;
    }
    const n = request.n ?? 1;
    const scripted = this.replies.shift();
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    const echo = OpenAIDoubleServer.echoAnswer(lastUser ? textOf(lastUser.content) : '');
    const json = request.response_format?.type === 'json_object';
    const maxTokens = request.max_completion_tokens ?? request.max_tokens;
    const stops = request.stop === undefined ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
    const outcomes: ChoiceOutcome[] = [];
    for (let i = 0; i < n; i++) {
      let text: string;
      if (scripted) {
        const contents = Array.isArray(scripted.content) ? scripted.content : [scripted.content];
        text = contents[Math.min(i, contents.length - 1)] ?? '';
      } else {
        const sample = i === 0 ? echo : `${echo} (sample ${i + 1})`;
        text = json ? JSON.stringify({ answer: sample, sample: i + 1 }) : sample;
      }
      outcomes.push(finishText(text, maxTokens, stops, scripted?.finishReason));
    }
    const model = scripted?.model ?? request.model;
    const usage = scripted?.usage ?? {
      prompt_tokens: request.messages.reduce((sum, m) => sum + 4 + OpenAIDoubleServer.chatTokens(textOf(m.content)), 3),
      completion_tokens: outcomes.reduce((sum, o) => sum + OpenAIDoubleServer.chatTokens(o.text), 0),
    };
    const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const id = `chatcmpl-double-${++this.completions}`;
    const created = 1_700_000_000 + this.completions;
    if (request.stream && fault?.streamEvents) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      for (const data of fault.streamEvents) res.write(`data: ${data}\n\n`);
      res.end();
      return;
    }
    if (request.stream) {
      await streamChat(res, { id, created, model, outcomes, usage: request.stream_options?.include_usage && !fault?.omitUsage ? fullUsage : undefined }, fault);
      return;
    }
    const answer = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: outcomes.map((o, index) => ({
        index,
        message: { role: 'assistant', content: o.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: o.finishReason,
      })),
      ...(fault?.omitUsage ? {} : { usage: fullUsage }),
      system_fingerprint: 'fp_double',
    });
    sendJson(res, answer, fault);
  }

  /** Jina / vLLM / Cohere-style rerank: `{ model, query, documents, top_n, return_documents }` → `{ results }`. */
  private rerankJina(body: unknown, fault: OpenAIDoubleFault | undefined, res: ServerResponse): void {
    const b = body as { model?: unknown; query?: unknown; documents?: unknown; top_n?: unknown; return_documents?: unknown } | null;
    const bad = (message: string) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }));
    };
    if (!b || typeof b !== 'object' || Array.isArray(b)) return bad('The request body must be a JSON object.');
    if (typeof b.model !== 'string' || !b.model) return bad('model is required');
    if (typeof b.query !== 'string') return bad('query must be a string');
    if (!Array.isArray(b.documents) || b.documents.length === 0 || b.documents.some((d) => typeof d !== 'string')) return bad('documents must be a non-empty array of strings');
    if (b.top_n !== undefined && (!Number.isInteger(b.top_n) || (b.top_n as number) < 1)) return bad('top_n must be a positive integer');
    if (this.options.models && !this.options.models.includes(b.model)) {
      sendError(res, 404, `The model \`${b.model}\` does not exist.`, 'NotFoundError', null, 'model_not_found');
      return;
    }
    const documents = b.documents as string[];
    const query = b.query;
    const ranked = rank(query, documents).slice(0, (b.top_n as number | undefined) ?? documents.length);
    const answer = JSON.stringify({
      id: `rerank-double-${++this.completions}`,
      model: b.model,
      usage: { total_tokens: documents.reduce((sum, d) => sum + OpenAIDoubleServer.chatTokens(d), OpenAIDoubleServer.chatTokens(query)) },
      results: ranked.map(({ index, score }) => ({
        index,
        ...(b.return_documents === true ? { document: { text: documents[index] } } : {}),
        relevance_score: score,
      })),
    });
    sendJson(res, answer, fault);
  }

  /** text-embeddings-inference rerank: `{ query, texts, truncate, raw_scores, return_text }` → `[{ index, score }]`. */
  private rerankTei(body: unknown, fault: OpenAIDoubleFault | undefined, res: ServerResponse): void {
    const b = body as { query?: unknown; texts?: unknown; return_text?: unknown } | null;
    // TEI's error body: { error, error_type } (router/src/http/server.rs).
    const fail = (status: number, error: string, errorType: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error, error_type: errorType }));
    };
    if (!b || typeof b !== 'object' || Array.isArray(b)) return fail(422, 'Failed to deserialize the JSON body', 'Validation');
    if (typeof b.query !== 'string' || !Array.isArray(b.texts) || b.texts.some((t) => typeof t !== 'string')) {
      return fail(422, 'Failed to deserialize the JSON body into the target type: missing field `query` or `texts`', 'Validation');
    }
    if (b.texts.length === 0) return fail(400, '`texts` cannot be empty', 'Validation');
    const limit = this.options.teiMaxClientBatchSize ?? 32;
    if (b.texts.length > limit) return fail(413, `batch size ${b.texts.length} > maximum allowed batch size ${limit}`, 'Validation');
    const texts = b.texts as string[];
    const answer = JSON.stringify(
      rank(b.query, texts).map(({ index, score }) => ({ index, ...(b.return_text === true ? { text: texts[index] } : {}), score })),
    );
    sendJson(res, answer, fault);
  }
}

const ROUTES = new Map<string, 'embeddings' | 'chat' | 'rerank' | 'tei-rerank'>([
  ['/v1/embeddings', 'embeddings'],
  ['/v1/chat/completions', 'chat'],
  ['/v1/rerank', 'rerank'],
  ['/rerank', 'tei-rerank'],
]);

/** What the double counts as a token: a run of non-space with its trailing spaces, or leading spaces. */
const TOKEN = /\S+\s*|\s+/g;

/** Applies stop sequences and max tokens to a choice's text, as the server would while generating. */
function finishText(text: string, maxTokens: number | undefined, stops: string[], scriptedFinish: string | undefined): ChoiceOutcome {
  let out = text;
  let finishReason = 'stop';
  let cut = out.length;
  for (const stop of stops) {
    const at = out.indexOf(stop);
    if (at >= 0 && at < cut) cut = at;
  }
  out = out.slice(0, cut);
  if (maxTokens !== undefined) {
    const pieces = out.match(TOKEN) ?? [];
    if (pieces.length > maxTokens) {
      out = pieces.slice(0, maxTokens).join('');
      finishReason = 'length';
    }
  }
  return { text: out, finishReason: scriptedFinish ?? finishReason };
}

/** Sends a chat completion as OpenAI streams it, applying the stream faults. */
async function streamChat(
  res: ServerResponse,
  reply: { id: string; created: number; model: string; outcomes: ChoiceOutcome[]; usage: object | undefined },
  fault: OpenAIDoubleFault | undefined,
): Promise<void> {
  const base = { id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, system_fingerprint: 'fp_double' };
  // With include_usage, OpenAI sends `usage: null` on every chunk and the totals on a last chunk with no choices.
  const usageField = reply.usage ? { usage: null } : {};
  const chunk = (choices: object[]) => ({ ...base, choices, ...usageField });
  const choice = (index: number, delta: object, finish: string | null) => ({ index, delta, logprobs: null, finish_reason: finish });

  const events: Array<{ data: string; firstText?: boolean }> = [];
  reply.outcomes.forEach((_, i) => events.push({ data: JSON.stringify(chunk([choice(i, { role: 'assistant', content: '', refusal: null }, null)])) }));
  const pieces = reply.outcomes.map((o) => o.text.match(TOKEN) ?? []);
  let first = true;
  for (let step = 0; pieces.some((p) => step < p.length); step++) {
    // Choices interleave, one per chunk, as OpenAI sends them for n > 1.
    pieces.forEach((p, i) => {
      if (step < p.length) {
        events.push({ data: JSON.stringify(chunk([choice(i, { content: p[step] }, null)])), firstText: first });
        first = false;
      }
    });
  }
  reply.outcomes.forEach((o, i) => events.push({ data: JSON.stringify(chunk([choice(i, {}, o.finishReason)])) }));
  if (reply.usage) events.push({ data: JSON.stringify({ ...base, choices: [], usage: reply.usage }) });
  events.push({ data: '[DONE]' });

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders(); // headers go out at once, before any event, as a real server's do
  for (let i = 0; i < events.length; i++) {
    if (fault?.stallAfterChunks !== undefined && i >= fault.stallAfterChunks) return; // the socket stays open
    if (fault?.truncateAfterChunks !== undefined && i >= fault.truncateAfterChunks) {
      res.end();
      return;
    }
    if (res.destroyed) return;
    if (events[i]!.firstText && fault?.firstTokenDelayMs) await sleep(fault.firstTokenDelayMs);
    else if (i > 0 && fault?.chunkDelayMs) await sleep(fault.chunkDelayMs);
    const data = fault?.invalidJsonChunk === i ? events[i]!.data.slice(0, Math.max(1, events[i]!.data.length >> 1)) : events[i]!.data;
    res.write(`data: ${data}\n\n`);
  }
  res.end();
}

function rank(query: string, documents: string[]): Array<{ index: number; score: number }> {
  return documents
    .map((d, index) => ({ index, score: OpenAIDoubleServer.relevance(query, d) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

function textOf(content: string | Array<{ type: string; text?: string }>): string {
  return typeof content === 'string' ? content : content.map((p) => p.text ?? '').join('');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A 200 JSON answer, cut in half with the `invalidJson` fault. */
function sendJson(res: ServerResponse, answer: string, fault: OpenAIDoubleFault | undefined): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(fault?.invalidJson ? answer.slice(0, Math.max(1, answer.length >> 1)) : answer);
}

function validateChatRequest(body: unknown): { message: string; param: string } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { message: 'The request body must be a JSON object.', param: 'body' };
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!CHAT_KEYS.has(key)) return { message: `Unrecognized request argument supplied: ${key}`, param: key };
  }
  if (typeof b.model !== 'string' || b.model.length === 0) return { message: 'you must provide a model parameter', param: 'model' };
  if (!Array.isArray(b.messages) || b.messages.length === 0) return { message: "'messages' must be a non-empty array", param: 'messages' };
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i] as { role?: unknown; content?: unknown } | null;
    if (!m || typeof m !== 'object' || !CHAT_ROLES.has(m.role as string)) {
      return { message: `Invalid value for 'messages[${i}].role': expected one of system, developer, user, assistant, tool`, param: `messages.[${i}].role` };
    }
    const content = m.content;
    const ok = typeof content === 'string' || (Array.isArray(content) && content.every((p) => p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'));
    if (!ok) return { message: `Invalid type for 'messages[${i}].content': expected a string or an array of text parts`, param: `messages.[${i}].content` };
  }
  if (b.n !== undefined && (!Number.isInteger(b.n) || (b.n as number) < 1 || (b.n as number) > 128)) return { message: "'n' must be an integer in 1..128", param: 'n' };
  if (b.temperature !== undefined && (typeof b.temperature !== 'number' || b.temperature < 0 || b.temperature > 2)) {
    return { message: "'temperature' must be a number in 0..2", param: 'temperature' };
  }
  for (const key of ['max_tokens', 'max_completion_tokens'] as const) {
    if (b[key] !== undefined && b[key] !== null && (!Number.isInteger(b[key]) || (b[key] as number) < 1)) return { message: `'${key}' must be a positive integer`, param: key };
  }
  const stop = b.stop;
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.length <= 4 && stop.every((s) => typeof s === 'string'))) {
    return { message: "'stop' must be a string or an array of at most 4 strings", param: 'stop' };
  }
  if (b.stream !== undefined && typeof b.stream !== 'boolean') return { message: "'stream' must be a boolean", param: 'stream' };
  if (b.stream_options !== undefined && b.stream_options !== null && b.stream !== true) {
    return { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options' };
  }
  const format = b.response_format as { type?: unknown } | undefined;
  if (format !== undefined) {
    if (!format || !['text', 'json_object', 'json_schema'].includes(format.type as string)) {
      return { message: "'response_format.type' must be one of text, json_object, json_schema", param: 'response_format' };
    }
    if (format.type === 'json_object' && !/json/i.test(JSON.stringify(b.messages))) {
      return { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", param: 'messages' };
    }
  }
  return undefined;
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
