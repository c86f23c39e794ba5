import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { datasetVersion } from './dataset.version.js';

const v = (...files: [string, string | Uint8Array][]) => datasetVersion(files.map(([name, content]) => ({ name, content })));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('datasetVersion', () => {
  it('is sha256 over the documented framing', () => {
    const expected = createHash('sha256').update('ragops-dataset/1\nfile 8:qa.jsonl text 5:a\nb c\n').digest('hex');
    expect(v(['qa.jsonl', 'a\r\nb c\r\n'])).toBe(`sha256:${expected}`);
  });

  it('does not change with line endings, a BOM, trailing line breaks or the order files are listed in', () => {
    const base = v(['queries.jsonl', '{"_id":"1"}\n{"_id":"2"}'], ['qrels/test.tsv', 'q\td\t1\n']);
    expect(v(['qrels/test.tsv', '\uFEFFq\td\t1\r\n\r\n'], ['queries.jsonl', '{"_id":"1"}\r\n{"_id":"2"}\r\n'])).toBe(base);
    expect(v(['queries.jsonl', '{"_id":"1"}\r{"_id":"2"}\r'], ['qrels/test.tsv', 'q\td\t1'])).toBe(base);
  });

  it('hashes a string and its UTF-8 bytes alike (BOM included)', () => {
    expect(v(['a', utf8('\uFEFFCafé\r\n')])).toBe(v(['a', 'Café']));
  });

  it('changes with any content, name, row order or inner blank line', () => {
    const base = v(['qa.jsonl', 'a\nb']);
    const others = [v(['qa.jsonl', 'a\nc']), v(['qa.jsonl', 'b\na']), v(['qa.jsonl', 'a\n\nb']), v(['qa.jsonl', 'a \nb']), v(['qa2.jsonl', 'a\nb']), v(['qa.jsonl', 'a\nb'], ['x', ''])];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('frames files so content cannot imitate a boundary', () => {
    expect(v(['a', 'bc'])).not.toBe(v(['ab', 'c']));
    expect(v(['a', 'x'], ['b', 'y'])).not.toBe(v(['a', 'x\nfile 1:b text 1:y']));
  });

  it('hashes bytes that are not UTF-8 as they are, distinct from any text', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    expect(v(['w', bytes])).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v(['w', bytes])).toBe(v(['w', new Uint8Array([0xff, 0xfe, 0x00, 0x41])]));
    expect(v(['w', bytes])).not.toBe(v(['w', new Uint8Array([0xff, 0xfe, 0x00, 0x42])]));
  });

  it('rejects no files, duplicate names and empty names', () => {
    expect(() => datasetVersion([])).toThrow(/at least one file/);
    expect(() => v(['a', 'x'], ['a', 'y'])).toThrow(/listed twice/);
    expect(() => v(['', 'x'])).toThrow(/needs a name/);
  });

  it('is a pure function of the canonical contents', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), (lines) => {
        expect(v(['f', lines.join('\r\n')])).toBe(v(['f', `${lines.join('\n')}\n`]));
      }),
    );
  });
});
