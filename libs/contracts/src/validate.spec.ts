import { describe, expect, it } from '@jest/globals';
import { AppError } from './app.error.js';
import { SourceDocument } from './document.schema.js';
import { parseOrThrow } from './validate.js';

describe('parseOrThrow', () => {
  it('names every bad field with its path', () => {
    let caught: unknown;
    try {
      parseOrThrow(SourceDocument, { id: 'a b', text: '   ', extra: 1 }, 'document');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('VALIDATION_FAILED');
    const paths = (err.details as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['(root)', 'id', 'text']);
  });

  it('accepts a valid document', () => {
    expect(parseOrThrow(SourceDocument, { id: 'doc-1', text: 'hello' }, 'document')).toEqual({ id: 'doc-1', text: 'hello' });
  });
});
