import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalContent, contentHash } from './content-hash.service.js';

describe('contentHash', () => {
  it('is sha256:<64 hex> of the canonical form', () => {
    const doc = { title: 'T', text: 'body', format: 'markdown' };
    const hash = contentHash(doc);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).toBe(`sha256:${createHash('sha256').update(canonicalContent(doc)).digest('hex')}`);
  });

  it('dedups re-submissions that differ only in encoding details', () => {
    const base = contentHash({ title: 'Café notes', text: 'line one\nline two\n\nend', format: 'text' });
    const same = [
      { title: 'Cafe\u0301 notes', text: 'line one\nline two\n\nend', format: 'text' }, // NFD title
      { title: '  Café   notes ', text: 'line one\r\nline two\r\n\r\nend', format: 'text' }, // CRLF, title spaces
      { title: 'Café notes', text: 'line one  \nline two\t\n\nend \n\n', format: 'text' }, // trailing whitespace, final newlines
      { title: 'Café notes', text: '\ufeff\n\nline one\rline two\r\rend' }, // BOM, leading blank lines, CR, default format
    ];
    for (const doc of same) expect(contentHash(doc)).toBe(base);
  });

  it('treats a missing title as empty and a missing format as text', () => {
    expect(contentHash({ text: 'x' })).toBe(contentHash({ text: 'x', title: '', format: 'text' }));
  });

  it('changes with any real change', () => {
    const base = { title: 'Title', text: 'Alpha beta.\n  indented\n\ngamma', format: 'markdown' };
    const changed = [
      { ...base, text: 'Alpha beta!\n  indented\n\ngamma' },
      { ...base, text: 'Alpha beta.\nindented\n\ngamma' }, // leading indentation matters (code, Markdown)
      { ...base, text: 'Alpha beta.\n  indented\ngamma' }, // paragraph break removed
      { ...base, text: 'alpha beta.\n  indented\n\ngamma' },
      { ...base, title: 'Title 2' },
      { ...base, title: undefined },
      { ...base, format: 'html' },
    ];
    const hashes = new Set([base, ...changed].map(contentHash));
    expect(hashes.size).toBe(changed.length + 1);
  });

  it('cannot be fooled by moving text across the title/text/format boundary', () => {
    expect(contentHash({ title: 'a\ntext:1:b', text: 'c' })).not.toBe(contentHash({ title: 'a', text: 'b\ntext:1:c' }));
    expect(contentHash({ title: 'ab', text: 'c' })).not.toBe(contentHash({ title: 'a', text: 'bc' }));
    expect(contentHash({ format: 'text', title: '', text: 'x' })).not.toBe(contentHash({ format: 'tex', title: 't', text: 'x' }));
  });

  it('is stable under its own canonicalisation and distinguishes distinct canonical documents', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (t1, x1, t2, x2) => {
        const a = { title: t1, text: x1 };
        const b = { title: t2, text: x2 };
        expect(contentHash(a) === contentHash(b)).toBe(canonicalContent(a) === canonicalContent(b));
        // Line endings and trailing spaces never matter.
        expect(contentHash({ title: t1, text: x1.replace(/\n/g, '\r\n') })).toBe(contentHash(a));
        expect(contentHash({ title: t1, text: `${x1}  \n` })).toBe(contentHash(a));
      }),
    );
  });
});
