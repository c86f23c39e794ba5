import { describe, expect, it } from '@jest/globals';
import { createDeterministicMetrics } from '@ragops/evaluation';
import {
  averageRanks,
  binomialTail,
  labelledF,
  loadLabelledSets,
  orderingOutcome,
  orderingTasks,
  parseCsv,
  pearson,
  runCorrectnessAgreement,
  runOrderingTask,
  spearman,
  withNextContexts,
} from './answer-metrics.agreement.js';

describe('agreement helpers', () => {
  it('parseCsv reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF', () => {
    expect(parseCsv('\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\n1,,3\n4,5,6')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['1', '', '3'],
      ['4', '5', '6'],
    ]);
    expect(() => parseCsv('a,"b\n')).toThrow(/quoted field/);
  });

  it('orderingOutcome counts ties as half and leaves null pairs out', () => {
    const o = orderingOutcome([
      { better: 1, worse: 0 },
      { better: 0.5, worse: 0.5 },
      { better: 0, worse: 1 },
      { better: 1, worse: 0.2 },
      { better: null, worse: 1 },
    ]);
    expect(o).toMatchObject({ pairs: 5, wins: 2, ties: 1, losses: 1, undecided: 1, accuracy: 2.5 / 4, strict: 0.5 });
    expect(o.signTestP).toBeCloseTo(0.5, 12); // P(X ≥ 2 | n = 3) = 4/8
  });

  it('binomialTail matches hand values and stays finite for large n', () => {
    expect(binomialTail(0, 5)).toBe(1);
    expect(binomialTail(3, 3)).toBeCloseTo(1 / 8, 12);
    expect(binomialTail(8, 10)).toBeCloseTo(56 / 1024, 12); // C(10,8)+C(10,9)+C(10,10) = 45+10+1
    expect(binomialTail(4, 3)).toBe(0);
    const p = binomialTail(600, 1000);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-9);
  });

  it('pearson, average ranks and spearman match hand values', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(averageRanks([10, 20, 10, 5])).toEqual([2.5, 4, 2.5, 1]);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    expect(labelledF({ tp: 1, fp: 1, fn: 0 })).toBeCloseTo(2 / 3, 12);
  });

  it('withNextContexts takes the next different contexts, wrapping around', () => {
    const s = (id: string, c: string) => ({ id, question: 'q', answer: 'a', contexts: [c] });
    const out = withNextContexts([s('1', 'A'), s('2', 'A'), s('3', 'B'), s('4', 'C')]);
    expect(out.map((x) => x.contexts[0])).toEqual(['B', 'B', 'C', 'A']);
    expect(() => withNextContexts([s('1', 'A'), s('2', 'A')])).toThrow(/same contexts/);
  });
});

// Floors measured on the sets in ../shared/data/rag-qa with the deterministic implementations at the default claim
// threshold (0.5); the deterministic metrics give the same numbers on every run, so each floor is the measured
// accuracy (rounded down to 3 decimals). See docs/benchmarks.md, "Answer-metric agreement".
const floors: Record<string, number> = {
  'hotpotqa_factual/faithfulness': 0.7,
  'ragas-wikiqa/answer_relevancy': 0.734,
  'truthfulqa/answer_correctness': 0.525,
  'truthfulqa/faithfulness': 0.522,
  'amnesty_qa/faithfulness': 0.9,
  'amnesty_qa/context_precision': 0.75,
  'amnesty_qa/context_recall': 0.9,
  'solana/faithfulness': 0.948,
  'solana/context_precision': 0.689,
  'solana/context_recall': 0.948,
};

describe('deterministic answer metrics on the labelled sets', () => {
  const metrics = createDeterministicMetrics();
  const loading = loadLabelledSets();

  it('loads every set at its documented size', async () => {
    const sets = await loading;
    expect([sets.hotpot.length, sets.wikiqa.length, sets.truthfulqa.length, sets.correctness.length, sets.amnesty.length, sets.solana.length]).toEqual([10, 232, 50, 8, 10, 58]);
  });

  it('orders the better answer (or the own contexts) above the worse one better than chance, at the measured floor', async () => {
    const sets = await loading;
    const tasks = orderingTasks(sets).filter((t) => !t.control);
    expect(tasks.map((t) => `${t.set}/${t.metric}`).sort()).toEqual(Object.keys(floors).sort());
    for (const task of tasks) {
      const { outcome } = await runOrderingTask(task, metrics[task.metric]);
      const key = `${task.set}/${task.metric}`;
      expect({ key, undecided: outcome.undecided }).toEqual({ key, undecided: 0 });
      expect({ key, aboveChance: outcome.accuracy > 0.5 }).toEqual({ key, aboveChance: true });
      expect({ key, atFloor: outcome.accuracy >= floors[key] }).toEqual({ key, atFloor: true });
    }
  });

  it('scores the hand-labelled answer_correctness items without nulls, in [0, 1]', async () => {
    const sets = await loading;
    const a = await runCorrectnessAgreement(sets.correctness, metrics.answer_correctness);
    expect(a.items).toHaveLength(8);
    for (const item of a.items) {
      expect(item.metricF).not.toBeNull();
      expect(item.metricF as number).toBeGreaterThanOrEqual(0);
      expect(item.metricF as number).toBeLessThanOrEqual(1);
    }
    // The exact-match item and the wrong-answer item are the ones term overlap can separate.
    expect(a.items.find((i) => i.id === 'ac-6')?.metricF).toBe(1);
    expect(a.items.find((i) => i.id === 'ac-5')?.metricF).toBe(0);
  });
});
