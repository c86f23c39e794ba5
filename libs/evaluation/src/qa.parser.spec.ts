import { describe, expect, it } from '@jest/globals';
import { parseQaJsonl } from './qa.parser.js';

describe('parseQaJsonl', () => {
  it('reads the full form: ids, ground-truth facts, graded relevant docs and reference contexts', () => {
    const text = [
      '{"id":"q1","question":"Where is the tower?","ground_truth":"In Paris.","relevant_doc_ids":["d1","d2"],"reference_contexts":["The tower is in Paris."]}',
      '{"id":7,"question":"When?","ground_truth":["Built 1887-1889.","Opened 1889."],"relevant_doc_ids":{"d3":2,"d4":0},"extra":"ignored"}',
    ].join('\n');
    expect(parseQaJsonl(text)).toEqual([
      { id: 'q1', question: 'Where is the tower?', groundTruth: 'In Paris.', relevantDocs: new Map([['d1', 1], ['d2', 1]]), referenceContexts: ['The tower is in Paris.'] },
      { id: '7', question: 'When?', groundTruth: 'Built 1887-1889.\nOpened 1889.', relevantDocs: new Map([['d3', 2], ['d4', 0]]), referenceContexts: [] },
    ]);
  });

  it('tolerates a BOM, CRLF line ends and blank lines, and numbers missing ids by position', () => {
    const text = '\uFEFF{"question":"a?","ground_truth":"A."}\r\n\r\n   \r\n{"question":"b?","ground_truth":"B."}\r\n';
    const rows = parseQaJsonl(text);
    expect(rows.map((r) => [r.id, r.question])).toEqual([['#1', 'a?'], ['#2', 'b?']]);
  });

  it('names the line of an invalid row, counting blank lines', () => {
    const ok = '{"question":"a?","ground_truth":"A."}';
    expect(() => parseQaJsonl(`${ok}\n\n{"question": "b?", "ground_truth": }`)).toThrow(/^qa line 3: not valid JSON$/);
    expect(() => parseQaJsonl(`${ok}\r\n{"ground_truth":"B."}`)).toThrow(/^qa line 2: question: /);
    expect(() => parseQaJsonl(`${ok}\n{"question":"  ","ground_truth":"B."}`)).toThrow(/qa line 2: question: must not be empty or blank/);
    expect(() => parseQaJsonl(`${ok}\n{"question":"b?","ground_truth":[]}`)).toThrow(/qa line 2: ground_truth/);
    expect(() => parseQaJsonl(`${ok}\n{"question":"b?","ground_truth":"B.","relevant_doc_ids":{"d1":"high"}}`)).toThrow(/qa line 2: relevant_doc_ids/);
    expect(() => parseQaJsonl(`${ok}\n["question"]`)).toThrow(/qa line 2/);
    expect(() => parseQaJsonl(`${ok}\n{"question":"b?","ground_truth":"B.","reference_contexts":"not a list"}`)).toThrow(/qa line 2: reference_contexts/);
  });

  it('carries the line in the error details', () => {
    try {
      parseQaJsonl('{"question":"a?"}');
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toMatchObject({ code: 'VALIDATION_FAILED', details: { line: 1 } });
    }
  });

  it('rejects duplicate ids, including a written id equal to a generated one', () => {
    expect(() => parseQaJsonl('{"id":"x","question":"a?","ground_truth":"A."}\n{"id":"x","question":"b?","ground_truth":"B."}')).toThrow(/qa line 2: id "x" was already used on line 1/);
    expect(() => parseQaJsonl('{"question":"a?","ground_truth":"A."}\n{"id":"#1","question":"b?","ground_truth":"B."}')).toThrow(/id "#1"/);
  });

  it('rejects an empty dataset', () => {
    for (const text of ['', '\uFEFF', '\n\r\n  \n']) expect(() => parseQaJsonl(text)).toThrow(/no examples/);
  });
});
