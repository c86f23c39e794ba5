import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

/** One problem found in a request or a response, in terms of the spec. */
export interface SpecProblem {
  /** Which part of the message was wrong. */
  where: 'route' | 'path' | 'query' | 'body' | 'status';
  message: string;
  /**
   * True when every schema error is a range or format check (minimum, maximum, uniqueItems, format…): the message
   * parsed, but a value is out of bounds. Qdrant answers those 422 ("Validation error"); shape errors 400.
   */
  rangeOnly: boolean;
}

export interface SpecOperation {
  method: string;
  /** The path template as the spec writes it, e.g. `/collections/{collection_name}/points`. */
  template: string;
  operationId: string;
}

export interface SpecRoute {
  operation: SpecOperation;
  /** Decoded path parameters. */
  params: Record<string, string>;
}

export interface OpenApiValidatorOptions {
  /**
   * Treat properties the spec does not declare as errors (default true). The spec leaves most objects open and Qdrant
   * ignores unknown fields, so a misspelt field would silently do nothing: for a test double that is a client bug.
   */
  closedObjects?: boolean;
}

interface RawParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

interface RawOperation {
  operationId?: string;
  parameters?: RawParameter[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface CompiledOperation extends SpecOperation {
  pathParams: Map<string, ValidateFunction>;
  queryParams: Map<string, { required: boolean; validate: ValidateFunction }>;
  body: ValidateFunction | undefined;
  responses: Map<string, ValidateFunction | undefined>;
}

interface Template {
  template: string;
  segments: string[];
  literals: number;
  methods: Map<string, RawOperation>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** Schema keywords whose failure means "value out of range", not "wrong shape". */
const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'uniqueItems', 'format', 'multipleOf']);
/** OpenAPI 3.0 keywords that JSON Schema does not have (handled or dropped by `toJsonSchema`). */
const OPENAPI_ONLY = new Set(['nullable', 'example', 'xml', 'externalDocs', 'discriminator']);
const ANNOTATIONS = new Set(['description', 'title', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
const SUBSCHEMAS = new Set(['items', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf', 'if', 'then', 'else', 'contains', 'propertyNames']);

const MAX_U64 = 2 ** 64 - 1;
const MAX_F32 = 3.4028234663852886e38;
const uintFormat = (max: number) => ({ type: 'number' as const, validate: (x: number) => Number.isInteger(x) && x >= 0 && x <= max });

/**
 * Converts one OpenAPI 3.0 Schema Object to JSON Schema (draft-07, as Ajv runs it): `nullable: true` becomes a
 * `null` type; a bare `{ nullable: true }` (how Qdrant's generator writes "or null" inside anyOf) becomes
 * `{ type: "null" }`, because OpenAPI 3.0.3 gives nullable without a type no meaning and Qdrant means exactly null;
 * `example` is dropped; component refs are pointed at `refBase` + `#/definitions/<name>`.
 */
export function toJsonSchema(node: unknown, refBase: string, closedObjects: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, refBase, closedObjects));
  if (!node || typeof node !== 'object') return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (OPENAPI_ONLY.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith('#/components/schemas/') ? `${refBase}#/definitions/${value.slice('#/components/schemas/'.length)}` : value;
    } else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, refBase, closedObjects)]));
    } else if (SUBSCHEMAS.has(key) && typeof value === 'object' && value !== null) {
      out[key] = toJsonSchema(value, refBase, closedObjects);
    } else {
      out[key] = value;
    }
  }
  if (closedObjects && out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (src.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  const constraints = Object.keys(out).filter((k) => !ANNOTATIONS.has(k));
  if (constraints.length === 0) return { ...out, type: 'null' };
  const annotations = Object.fromEntries(Object.entries(out).filter(([k]) => ANNOTATIONS.has(k)));
  const inner = Object.fromEntries(Object.entries(out).filter(([k]) => !ANNOTATIONS.has(k)));
  return { ...annotations, anyOf: [inner, { type: 'null' }] };
}

const cache = new Map<string, OpenApiValidator>();

/**
 * Validates HTTP requests and responses against an OpenAPI 3.0 document with Ajv: the route (path template and
 * method), path and query parameters, the JSON body, and a response body against the schema of its status code
 * (exact, `4XX`-style, or `default`). Schemas compile lazily per operation and are cached per document.
 */
export class OpenApiValidator {
  /** The document's `info.version`. */
  readonly version: string;
  private readonly ajv: Ajv;
  private readonly templates: Template[];
  private readonly compiled = new Map<string, CompiledOperation>();
  private readonly refBase: string;
  private readonly closedObjects: boolean;

  private constructor(doc: Record<string, unknown>, options: OpenApiValidatorOptions, id: string) {
    this.closedObjects = options.closedObjects ?? true;
    this.version = String((doc.info as { version?: unknown } | undefined)?.version ?? 'unknown');
    this.refBase = id;
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, allowUnionTypes: true });
    addFormats(this.ajv, ['date-time', 'uuid', 'uri', 'binary']);
    this.ajv.addFormat('uint', uintFormat(MAX_U64));
    this.ajv.addFormat('uint64', uintFormat(MAX_U64));
    this.ajv.addFormat('uint32', uintFormat(0xffffffff));
    this.ajv.addFormat('uint8', uintFormat(255));
    this.ajv.addFormat('int64', { type: 'number', validate: (x: number) => Number.isInteger(x) && Math.abs(x) <= 2 ** 63 });
    this.ajv.addFormat('float', { type: 'number', validate: (x: number) => Number.isFinite(x) && Math.abs(x) <= MAX_F32 });
    this.ajv.addFormat('double', { type: 'number', validate: (x: number) => Number.isFinite(x) });
    // RFC 3339 date-time whose time zone (and time) may be left out, as Qdrant's datetime ranges take it.
    this.ajv.addFormat('partial-date-time', /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/);

    const components = ((doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {}) as Record<string, unknown>;
    const definitions = Object.fromEntries(Object.entries(components).map(([k, v]) => [k, toJsonSchema(v, '', this.closedObjects)]));
    this.ajv.addSchema({ $id: id, definitions });

    const paths = (doc.paths ?? {}) as Record<string, Record<string, RawOperation>>;
    this.templates = Object.entries(paths).map(([template, item]) => {
      const segments = template.split('/').slice(1);
      const methods = new Map<string, RawOperation>();
      for (const m of METHODS) if (item[m]) methods.set(m.toUpperCase(), item[m]);
      return { template, segments, literals: segments.filter((s) => !s.startsWith('{')).length, methods };
    });
    // A literal segment beats a parameter: POST /collections/aliases is not a collection named "aliases".
    this.templates.sort((a, b) => b.literals - a.literals);
  }

  /** Loads (once per file and options) the OpenAPI document at `specPath`. */
  static load(specPath: string, options: OpenApiValidatorOptions = {}): OpenApiValidator {
    const key = `${specPath}\u0000${options.closedObjects ?? true}`;
    let validator = cache.get(key);
    if (!validator) {
      const doc = JSON.parse(readFileSync(specPath, 'utf8')) as Record<string, unknown>;
      validator = new OpenApiValidator(doc, options, `openapi-${cache.size}`);
      cache.set(key, validator);
    }
    return validator;
  }

  /** The operation for a method and URL path, or a route problem (unknown path, or a method the path lacks). */
  route(method: string, pathname: string): SpecRoute | SpecProblem {
    const parts = pathname.split('/').slice(1);
    let pathKnown = false;
    for (const t of this.templates) {
      if (t.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = t.segments[i];
        if (seg.startsWith('{')) {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(parts[i]);
          } catch {
            ok = false;
          }
          ok &&= parts[i].length > 0;
        } else ok = seg === parts[i];
      }
      if (!ok) continue;
      pathKnown = true;
      const op = t.methods.get(method.toUpperCase());
      if (op) return { operation: this.operation(t.template, method.toUpperCase(), op), params };
    }
    return {
      where: 'route',
      message: pathKnown ? `${method} is not an operation of ${pathname} in the spec` : `no path of the spec matches ${pathname}`,
      rangeOnly: false,
    };
  }

  /** Problems with a request to `route`; `body` is undefined when the request had none. */
  validateRequest(route: SpecRoute, query: URLSearchParams, body: unknown): SpecProblem[] {
    const op = this.compiled.get(`${route.operation.method} ${route.operation.template}`)!;
    const problems: SpecProblem[] = [];
    for (const [name, validate] of op.pathParams) {
      const value = route.params[name];
      if (!validate(value)) problems.push(this.problem('path', `path parameter ${name}`, validate.errors));
    }
    for (const name of new Set(query.keys())) {
      const param = op.queryParams.get(name);
      if (!param) {
        problems.push({ where: 'query', message: `query parameter ${name} is not a parameter of ${op.operationId}`, rangeOnly: false });
        continue;
      }
      const values = query.getAll(name);
      if (values.length > 1) problems.push({ where: 'query', message: `query parameter ${name} is given ${values.length} times`, rangeOnly: false });
      // A query string has no types: accept the value if any reading of it (string, number, boolean) is valid.
      const readings: unknown[] = [values[0]];
      if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(values[0])) readings.push(Number(values[0]));
      if (values[0] === 'true' || values[0] === 'false') readings.push(values[0] === 'true');
      if (!readings.some((r) => param.validate(r))) problems.push(this.problem('query', `query parameter ${name}=${values[0]}`, param.validate.errors));
    }
    for (const [name, param] of op.queryParams) {
      if (param.required && !query.has(name)) problems.push({ where: 'query', message: `required query parameter ${name} is missing`, rangeOnly: false });
    }
    if (op.body) {
      if (body === undefined) problems.push({ where: 'body', message: `${op.operationId} needs a JSON body`, rangeOnly: false });
      else if (!op.body(body)) problems.push(this.problem('body', 'body', op.body.errors));
    } else if (body !== undefined) {
      problems.push({ where: 'body', message: `${op.operationId} takes no body`, rangeOnly: false });
    }
    return problems;
  }

  /** Problems with a JSON response of `status` to `route` (none when the spec gives that status no JSON schema). */
  validateResponse(route: SpecRoute, status: number, body: unknown): SpecProblem[] {
    const op = this.compiled.get(`${route.operation.method} ${route.operation.template}`)!;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => op.responses.has(k));
    if (key === undefined) {
      return [{ where: 'status', message: `the spec lists no response ${status} for ${op.operationId}`, rangeOnly: false }];
    }
    const validate = op.responses.get(key);
    if (validate && !validate(body)) return [this.problem('body', `response ${status}`, validate.errors)];
    return [];
  }

  private operation(template: string, method: string, raw: RawOperation): CompiledOperation {
    const key = `${method} ${template}`;
    const existing = this.compiled.get(key);
    if (existing) return existing;
    const compile = (schema: unknown): ValidateFunction => this.ajv.compile(toJsonSchema(schema ?? {}, this.refBase, this.closedObjects) as object);
    const pathParams = new Map<string, ValidateFunction>();
    const queryParams = new Map<string, { required: boolean; validate: ValidateFunction }>();
    for (const p of raw.parameters ?? []) {
      if (p.in === 'path') pathParams.set(p.name, compile(p.schema));
      if (p.in === 'query') queryParams.set(p.name, { required: p.required === true, validate: compile(p.schema) });
    }
    const bodySchema = raw.requestBody?.content?.['application/json']?.schema;
    const responses = new Map<string, ValidateFunction | undefined>();
    for (const [status, response] of Object.entries(raw.responses ?? {})) {
      const schema = response.content?.['application/json']?.schema;
      responses.set(status, schema === undefined ? undefined : compile(schema));
    }
    const op: CompiledOperation = {
      method,
      template,
      operationId: raw.operationId ?? key,
      pathParams,
      queryParams,
      body: raw.requestBody ? compile(bodySchema) : undefined,
      responses,
    };
    this.compiled.set(key, op);
    return op;
  }

  private problem(where: SpecProblem['where'], what: string, errors: ErrorObject[] | null | undefined): SpecProblem {
    // anyOf reports every branch's failure: show the deepest errors first, they say most about what is wrong.
    const depth = (e: ErrorObject) => e.instancePath.split('/').length;
    const list = (errors ?? []).filter((e) => e.keyword !== 'anyOf').sort((a, b) => depth(b) - depth(a));
    const text = list.slice(0, 6).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${e.instancePath || '/'} ${e.message}${extra}`;
    });
    const deepest = list.length ? depth(list[0]) : 0;
    return {
      where,
      message: `${what}: ${text.join('; ')}${list.length > 6 ? ` (+${list.length - 6} more)` : ''}`,
      // The deepest errors come from the branch that parsed furthest: if they are all range checks, the shape was right.
      rangeOnly: list.length > 0 && list.filter((e) => depth(e) === deepest).every((e) => RANGE_KEYWORDS.has(e.keyword)),
    };
  }
}
