import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { OpenApiValidator, toJsonSchema } from './openapi-spec.validator.js';

const specPath = (v: string) => fileURLToPath(new URL(`../../../../shared/data/qdrant-openapi/openapi-v${v}.x.json`, import.meta.url));

describe('toJsonSchema (OpenAPI 3.0 → JSON Schema)', () => {
  it('turns every form of nullable into an explicit null', () => {
    expect(toJsonSchema({ nullable: true }, 'base', false)).toEqual({ type: 'null' });
    expect(toJsonSchema({ type: 'integer', format: 'uint', minimum: 1, nullable: true, description: 'd' }, 'base', false)).toEqual({
      type: ['integer', 'null'],
      format: 'uint',
      minimum: 1,
      description: 'd',
    });
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true }, 'base', false)).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(toJsonSchema({ $ref: '#/components/schemas/X', nullable: true, description: 'd' }, 'base', false)).toEqual({
      description: 'd',
      anyOf: [{ $ref: 'base#/definitions/X' }, { type: 'null' }],
    });
  });

  it('drops example, repoints component refs, and closes objects only when asked', () => {
    const schema = { type: 'object', example: { a: 1 }, properties: { example: { type: 'string' }, b: { $ref: '#/components/schemas/B' } } };
    expect(toJsonSchema(schema, 'spec', false)).toEqual({ type: 'object', properties: { example: { type: 'string' }, b: { $ref: 'spec#/definitions/B' } } });
    expect(toJsonSchema(schema, 'spec', true)).toMatchObject({ additionalProperties: false });
    expect(toJsonSchema({ type: 'object', additionalProperties: true, properties: {} }, 'spec', true)).toMatchObject({ additionalProperties: true });
    expect(toJsonSchema({ type: 'object' }, 'spec', true)).toEqual({ type: 'object' });
  });
});

describe.each(['1.16', '1.19'])('OpenApiValidator on Qdrant %s', (version) => {
  const validator = OpenApiValidator.load(specPath(version));

  it('compiles every operation of the spec under strict Ajv', () => {
    const doc = JSON.parse(readFileSync(specPath(version), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    let operations = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))) {
        const path = template.replace(/\{[^}]+\}/g, 'x1');
        const route = validator.route(method.toUpperCase(), path);
        expect(route).toHaveProperty('operation');
        operations++;
      }
    }
    expect(operations).toBeGreaterThan(60);
  });

  it('prefers literal path segments and decodes parameters', () => {
    const aliases = validator.route('POST', '/collections/aliases');
    expect(aliases).toMatchObject({ operation: { operationId: 'update_aliases' }, params: {} });
    const named = validator.route('GET', '/collections/a%20b');
    expect(named).toMatchObject({ operation: { operationId: 'get_collection' }, params: { collection_name: 'a b' } });
    expect(validator.route('GET', '/collections/')).toMatchObject({ where: 'route' });
    expect(validator.route('PUT', '/nowhere')).toMatchObject({ where: 'route', message: expect.stringContaining('no path') });
  });

  it('validates responses by status, falling back to 4XX and default', () => {
    const route = validator.route('POST', '/collections/c/points/count');
    if ('where' in route) throw new Error(route.message);
    expect(validator.validateResponse(route, 200, { result: { count: 3 }, status: 'ok', time: 0.1 })).toEqual([]);
    expect(validator.validateResponse(route, 200, { result: { count: -1 }, status: 'ok', time: 0.1 })).toMatchObject([{ where: 'body' }]);
    expect(validator.validateResponse(route, 404, { status: { error: 'Not found' }, time: 0 })).toEqual([]);
    expect(validator.validateResponse(route, 500, { status: { error: 'boom' }, time: 0 })).toEqual([]);
    expect(validator.validateResponse(route, 404, { status: 'not an object' })).toMatchObject([{ where: 'body' }]);
  });
});
