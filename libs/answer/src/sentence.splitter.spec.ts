import { describe, expect, it } from '@jest/globals';
import { splitSentences } from './sentence.splitter.js';

describe('splitSentences', () => {
  it('splits prose on sentence punctuation', () => {
    expect(splitSentences('Probes run in the kubelet. They are cheap! Are they optional? Yes.')).toEqual([
      'Probes run in the kubelet.',
      'They are cheap!',
      'Are they optional?',
      'Yes.',
    ]);
  });

  it('drops a breadcrumb or Markdown heading on the first line', () => {
    expect(splitSentences('Guide > Operations > Probes\nA probe checks a container.')).toEqual(['A probe checks a container.']);
    expect(splitSentences('## Probes\nA probe checks a container.')).toEqual(['A probe checks a container.']);
    // A first line that is a sentence stays, even with a ">" in it.
    expect(splitSentences('Latency > 2 ms is an alert.\nSecond line.')).toEqual(['Latency > 2 ms is an alert.', 'Second line.']);
  });

  it("drops the chunker's trail when it starts with the chunk's title, even ending in a full stop", () => {
    const title = 'Vitamin D and bone health.';
    expect(splitSentences(`${title}\n\nCalcitriol raises calcium uptake.`, title)).toEqual(['Calcitriol raises calcium uptake.']);
    expect(splitSentences(`${title} > Trials\n\nTrials were negative.`, title)).toEqual(['Trials were negative.']);
    expect(splitSentences('Vitamin D and bone…\n\nTrials were negative.', title)).toEqual(['Trials were negative.']);
    expect(splitSentences('FAQ > Why?\n\nBecause it is.')).toEqual(['Because it is.']);
    // Without a title, or without the blank line, a first line that reads like a sentence is content.
    expect(splitSentences(`${title}\n\nCalcitriol raises calcium uptake.`)).toHaveLength(2);
    expect(splitSentences(`${title}\nCalcitriol raises calcium uptake.`, title)).toHaveLength(2);
  });

  it('ends a sentence at a line break, strips list bullets and collapses whitespace', () => {
    expect(splitSentences('Steps:\n- install   the chart\n2. run  helm test\n\n* done')).toEqual([
      'Steps:',
      'install the chart',
      'run helm test',
      'done',
    ]);
  });

  it("removes the source's own citation markers so they cannot collide with the answer's", () => {
    expect(splitSentences('Vitamin D regulates calcium [12]. It is made in skin [3, 4][5–7].')).toEqual([
      'Vitamin D regulates calcium.',
      'It is made in skin.',
    ]);
  });

  it('skips segments without letters or digits', () => {
    expect(splitSentences('--- \n ... \n')).toEqual([]);
    expect(splitSentences('')).toEqual([]);
  });
});
