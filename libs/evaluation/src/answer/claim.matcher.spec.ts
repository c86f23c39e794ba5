import { describe, expect, it } from '@jest/globals';
import { ClaimMatcher } from './claim.matcher.js';

const matcher = new ClaimMatcher();

describe('ClaimMatcher', () => {
  it('splits sentences at terminators and line breaks, not after abbreviations or inside decimals', () => {
    const claims = matcher.claims('Dr. Smith measured 3.14 metres. It rained!\nThe river rose e.g. by a metre');
    expect(claims.map((c) => c.text)).toEqual(['Dr. Smith measured 3.14 metres.', 'It rained!', 'The river rose e.g. by a metre']);
    expect(claims[0].terms).toEqual(['dr', 'smith', 'measur', '3.14', 'metr']);
  });

  it('drops list markers, headings and sentences without content terms', () => {
    const claims = matcher.claims('# Answer\n\n- The river rose.\n  2) It is.\n10. Rain fell\n(3) Snow fell.\n42.');
    expect(claims.map((c) => c.text)).toEqual(['The river rose.', 'Rain fell', 'Snow fell.', '42.']);
  });

  it('keeps each term once per claim', () => {
    expect(matcher.claims('Rivers and rivers and the river.')[0].terms).toEqual(['river']);
  });

  it('checks coverage against a reference term set, with every number required', () => {
    const [claim] = matcher.claims('The river rose 3 metres in 2019.'); // river rose 3 metr 2019
    expect(matcher.check(claim, matcher.terms('In 2019 the river rose.'))).toEqual({ claim: claim.text, coverage: 3 / 5, missingNumbers: ['3'], supported: false });
    expect(matcher.check(claim, matcher.terms('In 2019 the river rose 3 feet.'))).toMatchObject({ coverage: 4 / 5, missingNumbers: [], supported: true });
    expect(matcher.check(claim, new Set())).toMatchObject({ coverage: 0, supported: false });
  });

  it('matches across inflections and case (stemming, folding)', () => {
    const [claim] = matcher.claims('Cafés OPENED early.');
    expect(matcher.check(claim, matcher.terms('the cafe opens early')).coverage).toBe(1);
  });

  it('rejects a threshold outside (0, 1]', () => {
    expect(() => new ClaimMatcher({ threshold: 0 })).toThrow(/threshold/);
    expect(new ClaimMatcher({ threshold: 1 }).threshold).toBe(1);
  });
});
