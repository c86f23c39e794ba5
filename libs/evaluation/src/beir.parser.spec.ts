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
  });
  it('reads queries.jsonl', () => {
    expect(parseQueries('{"_id":"7","text":"what?"}\n\n{"_id":8,"text":"why?"}')).toEqual(new Map([['7', 'what?'], ['8', 'why?']]));
  });
});
