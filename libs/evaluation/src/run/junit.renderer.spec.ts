import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { parseGatePolicy } from './gate.policy.js';
import { renderJUnit } from './junit.renderer.js';
import { runFromValues } from './run.fixture.js';
import { gateRun } from './run.gate.js';

interface Element {
  name: string;
  attribs: Record<string, string>;
  text: string;
}

/** A real XML parser's view of the document: every element with its decoded attributes and text. */
function parseXml(xml: string): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [];
  let error: Error | undefined;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const el = { name, attribs, text: '' };
        out.push(el);
        stack.push(el);
      },
      ontext(t) {
        if (stack.length) stack[stack.length - 1].text += t;
      },
      onclosetag() {
        stack.pop();
      },
      onerror(e) {
        error = e;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  if (error) throw error;
  return out;
}

const baseline = runFromValues({ q1: { 'ndcg@10': 0.9 }, q2: { 'ndcg@10': 0.8 }, q3: { 'ndcg@10': 0.7 } }, { id: 'base' });
const worse = runFromValues({ q1: { 'ndcg@10': 0.5 }, q2: { 'ndcg@10': 0.4 }, q3: { 'ndcg@10': 0.3 } }, { id: 'cand', variant: 'topk-1' });

describe('renderJUnit', () => {
  it('writes one testcase per check, failures with their messages', () => {
    const report = gateRun(worse, baseline, parseGatePolicy({ version: 1, checks: [{ metric: 'ndcg@10', min: 0.2, maxRegression: 0.05 }] }));
    const xml = renderJUnit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const els = parseXml(xml);
    expect(els.find((e) => e.name === 'testsuites')!.attribs).toMatchObject({ tests: '2', failures: '1', errors: '0' });
    const cases = els.filter((e) => e.name === 'testcase');
    expect(cases.map((c) => c.attribs.name)).toEqual(['ndcg@10 ≥ 0.2000', 'ndcg@10 regression ≤ 0.0500']);
    const failures = els.filter((e) => e.name === 'failure');
    expect(failures).toHaveLength(1);
    expect(failures[0].attribs.message).toBe(report.checks[1].message);
    expect(failures[0].text).toBe(report.checks[1].message);
    expect(failures[0].attribs.type).toBe('regression');
    const props = Object.fromEntries(els.filter((e) => e.name === 'property').map((p) => [p.attribs.name, p.attribs.value]));
    expect(props).toMatchObject({ run: 'cand', 'run.variant': 'topk-1', baseline: 'base', dataset: 'tiny sha256:aaaa' });
  });

  it('escapes markup, quotes and newlines, and makes characters XML cannot hold visible', () => {
    const nasty = 'a<b>&"c"\'d\'\n\ttab]]><!-- x --></testcase>\u0001\ud800z';
    const run = runFromValues({ q1: { [nasty]: 0.1 } }, { variant: nasty });
    const report = gateRun(run, null, parseGatePolicy({ version: 1, checks: [{ metric: nasty, min: 0.5 }] }));
    const xml = renderJUnit(report);
    expect(xml.includes('\u0001') || xml.includes('\ud800')).toBe(false);
    expect(xml).not.toContain('</testcase>\\u');
    const els = parseXml(xml);
    const expected = nasty.replace('\u0001', '\\u{1}').replace('\ud800', '\\u{d800}');
    expect(els.find((e) => e.name === 'property' && e.attribs.name === 'run.variant')!.attribs.value).toBe(expected);
    const failure = els.find((e) => e.name === 'failure')!;
    expect(failure.attribs.message).toBe(report.checks[0].message.replace('\u0001', '\\u{1}').replace('\ud800', '\\u{d800}'));
    expect(els.filter((e) => e.name === 'testcase')).toHaveLength(1);
  });

  it('round-trips any string through attributes and text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const run = runFromValues({ q1: { m: 1 } }, { variant: s || 'v' });
        const report = gateRun(run, null, parseGatePolicy({ version: 1, checks: [{ metric: 'm', min: 0 }] }));
        const variant = parseXml(renderJUnit(report)).find((e) => e.attribs.name === 'run.variant')!.attribs.value;
        // Everything XML can carry comes back unchanged; the rest comes back as \u{…}.
        // The u flag makes a lone surrogate fail to match `.`-like classes, so this also rejects ill-formed UTF-16.
        // eslint-disable-next-line no-control-regex
        const legal = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]*$/u.test(s || 'v');
        if (legal) expect(variant).toBe(s || 'v');
        else expect(variant).toMatch(/\\u\{[0-9a-f]+\}/);
      }),
    );
  });
});
