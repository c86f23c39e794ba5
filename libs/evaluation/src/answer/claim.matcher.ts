import { AppError } from '@ragops/contracts';
import { createAnalyzer, sentenceSpans, type Analyzer } from '@ragops/text';
import type { ClaimCheck } from './answer-metric.types.js';

/** A sentence of an answer or reference, with its distinct content terms. */
export interface Claim {
  text: string;
  /** Distinct analyzer terms (lower-cased, stop words removed, Porter-stemmed), in first-seen order. */
  terms: string[];
}

export interface ClaimMatcherOptions {
  /** Share of a claim's content terms the reference must contain for the claim to count as supported. Default 0.5. */
  threshold?: number;
  /** Term analyzer. Default: @ragops/text's English analyzer (the one BM25 uses). */
  analyzer?: Analyzer;
}

const NUMBER = /^\p{N}/u;
/**
 * List bullets and enumerators ("- ", "2. ", "3) ") before text on the same line: "2." must not become a claim of
 * its own. A number alone on its line ("42.") is an answer, not a marker, and stays.
 */
const LIST_MARKER = /^[ \t]*(?:[-*+•◦▪]|\(?\d{1,2}[.)])[ \t]+(?=\S)/gm;
/** Markdown headings label what follows; they state nothing. */
const HEADING = /^[ \t]*#{1,6}[ \t].*$/gm;

/**
 * The deterministic stand-in for "is this statement supported by that text": claims are sentences, and a claim is
 * supported when the reference contains at least `threshold` of its distinct content terms and every one of its
 * numbers. Term overlap knows nothing of negation or word order ("X caused Y" is supported by "Y caused X"), so the
 * metrics built on it are approximations; README.md says where they fail.
 */
export class ClaimMatcher {
  readonly threshold: number;
  private readonly analyzer: Analyzer;

  constructor(options: ClaimMatcherOptions = {}) {
    const { threshold = 0.5 } = options;
    if (!(threshold > 0 && threshold <= 1)) throw new AppError('VALIDATION_FAILED', `claim threshold must be in (0, 1], got ${threshold}`);
    this.threshold = threshold;
    this.analyzer = options.analyzer ?? createAnalyzer();
  }

  /**
   * Sentences of `text` that have at least one content term (a sentence of stop words only, "It is.", claims
   * nothing checkable). Sentences as @ragops/text's chunker splits them (every line break ends one; "Dr." and
   * "e.g." do not), after dropping `[n]` citation markers, list markers and Markdown headings.
   */
  claims(text: string): Claim[] {
    const clean = withoutCitationMarkers(text).replace(HEADING, '').replace(LIST_MARKER, '');
    const spans = sentenceSpans(clean);
    const out: Claim[] = [];
    for (let i = 0; i < spans.length; i += 2) {
      const sentence = clean.slice(spans[i], spans[i + 1]);
      const terms = [...new Set(this.analyzer.analyze(sentence))];
      if (terms.length > 0) out.push({ text: sentence, terms });
    }
    return out;
  }

  /** Distinct content terms of a text, for use as a reference. */
  terms(text: string): Set<string> {
    return new Set(this.analyzer.analyze(text));
  }

  /** Coverage of one claim by a reference term set, and the verdict. */
  check(claim: Claim, reference: ReadonlySet<string>): ClaimCheck {
    let found = 0;
    const missingNumbers: string[] = [];
    for (const term of claim.terms) {
      if (reference.has(term)) found++;
      else if (NUMBER.test(term)) missingNumbers.push(term);
    }
    const coverage = found / claim.terms.length;
    return { claim: claim.text, coverage, missingNumbers, supported: coverage >= this.threshold && missingNumbers.length === 0 };
  }
}

/**
 * The text without its `[n]` / `[1, 2]` citation markers. They point at passages, they state nothing — but a marker
 * written after the sentence's full stop ("… endpoints. [1]", the extractive generator's format) would otherwise be
 * split off as a sentence of its own, the number `1` its one term, and judged an unsupported claim.
 */
export function withoutCitationMarkers(text: string): string {
  // Not after a word character: `a[0]` is an index, not a citation.
  return text.replace(/[ \t]*(?<!\w)\[\d{1,4}(?:\s*,\s*\d{1,4})*\]/g, '');
}
