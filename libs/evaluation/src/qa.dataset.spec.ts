import { describe, expect, it } from '@jest/globals';
import { matchQaToQueries, qrelsFromQa } from './qa.dataset.js';
import { parseQaJsonl } from './qa.parser.js';

const rows = parseQaJsonl(
  [
    '{"id":"q1","question":"a?","ground_truth":"A.","relevant_doc_ids":["d1","d2"]}',
    '{"id":"q2","question":"b?","ground_truth":"B."}',
    '{"id":"q3","question":"c?","ground_truth":"C.","relevant_doc_ids":{"d3":2,"d4":0}}',
  ].join('\n'),
);

describe('qrelsFromQa', () => {
  it('turns relevant doc ids into graded qrels and leaves rows without any unjudged', () => {
    expect(qrelsFromQa(rows)).toEqual(
      new Map([
        ['q1', new Map([['d1', 1], ['d2', 1]])],
        ['q3', new Map([['d3', 2], ['d4', 0]])],
      ]),
    );
  });
});

describe('matchQaToQueries', () => {
  it('joins rows to query ids and lists the rows that name no query, in file order', () => {
    const { byId, unmatched } = matchQaToQueries(rows, new Set(['q2', 'q9']));
    expect([...byId.keys()]).toEqual(['q2']);
    expect(byId.get('q2')?.groundTruth).toBe('B.');
    expect(unmatched).toEqual(['q1', 'q3']);
  });
});
