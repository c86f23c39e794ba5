import { describe, expect, it } from '@jest/globals';
import { parseQrels, parseQueries } from './beir.parser.js';

describe('BEIR parsing', () => {
  it('reads qrels with a header and CRLF line ends', () => {
    const q = parseQrels('query-id\tcorpus-id\tscore\r\n1\td1\t1\r\n1\td2\t2\r\n2\td3\t0\r\n');
    expect(q.get('1')).toEqual(new Map([['d1', 1], ['d2', 2]]));
    expect(q.get('2')?.get('d3')).toBe(0);
  });
  it('rejects a malformed line with its number', () => {
    expect(() => parseQrels('1\td1\t1\n2\td2\n')).toThrow(/line 2/);
    expect(() => parseQrels('1\td1\t1\r\n\r\n2\td2\thigh\r\n')).toThrow(/line 3/);
  });
  it('keeps graded relevance (CRLF, BOM, blank lines, header after a blank line, spaces around cells)', () => {
    const q = parseQrels('\uFEFF\r\nquery-id\tcorpus-id\tscore\r\nq1\td1\t2\r\n\r\nq1\td2\t1 \r\nq1\td3\t0\r\nq2\td4\t-1\r\n');
    expect(q).toEqual(new Map([['q1', new Map([['d1', 2], ['d2', 1], ['d3', 0]])], ['q2', new Map([['d4', -1]])]]));
  });
  it('reads a BOM-prefixed file without a header', () => {
    expect(parseQrels('\uFEFF1\td1\t1\n')).toEqual(new Map([['1', new Map([['d1', 1]])]]));
  });
  it('does not take a first line without a score for a header', () => {
    expect(() => parseQrels('1\td1\n2\td2\t1\n')).toThrow(/line 1/);
  });
  it('reads queries.jsonl with a BOM and CRLF, naming a bad line', () => {
    expect(parseQueries('\uFEFF{"_id":"1","text":"a"}\r\n{"_id":"2","text":"b"}\r\n')).toEqual(new Map([['1', 'a'], ['2', 'b']]));
    expect(() => parseQueries('{"_id":"1","text":"a"}\r\n{"_id":"2"}\r\n')).toThrow(/line 2/);
  });
  it('reads queries.jsonl', () => {
    expect(parseQueries('{"_id":"7","text":"what?"}\n\n{"_id":8,"text":"why?"}')).toEqual(new Map([['7', 'what?'], ['8', 'why?']]));
  });
});
