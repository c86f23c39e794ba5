import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '@ragops/contracts';
import { type Chunk, createChunker } from './chunker.service.js';
import { cl100kCounter } from './token-counter.service.js';

const counter = cl100kCounter();

/** Deterministic prose: `n` distinct sentences of 8–20 words. */
function prose(n: number, seed = 1): string {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'cell', 'protein', 'binding', 'signal', 'human', 'brain', 'matter', 'growth'];
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  const sentences: string[] = [];
  for (let i = 0; i < n; i++) {
    const length = 8 + (next() % 13);
    const body = Array.from({ length }, (_, k) => (k === 0 ? `S${i}` : words[next() % words.length]));
    sentences.push(`${body.join(' ')}.`);
  }
  return sentences.join(' ');
}

/** Every chunk: non-empty, within the limit, with an exact token count. */
function expectWellFormed(chunks: Chunk[], maxTokens: number) {
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.text.trim()).not.toBe('');
    expect(chunk.tokens).toBe(counter.count(chunk.text));
    expect(chunk.tokens).toBeLessThanOrEqual(maxTokens);
  });
}

/** The chunks, in order and whitespace-insensitively, are pieces of the input that leave no gap and reach its end. */
function expectCovers(input: string, texts: string[]) {
  const flat = input.replace(/\s+/g, ' ').trim();
  let covered = 0;
  let from = 0;
  for (const text of texts) {
    const piece = text.replace(/\s+/g, ' ').trim();
    const at = flat.indexOf(piece, from);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(covered + 1);
    covered = Math.max(covered, at + piece.length);
    from = at;
  }
  expect(covered).toBe(flat.length);
}

/** Length in tokens of the longest suffix of `a` that is a prefix of `b`. */
function overlapTokens(a: string, b: string): number {
  for (let k = Math.min(a.length, b.length); k > 0; k--) if (a.endsWith(b.slice(0, k))) return counter.count(b.slice(0, k));
  return 0;
}

const body = (chunk: Chunk) => chunk.text.slice(chunk.text.indexOf('\n\n') + 2);

describe('createChunker: options', () => {
  it('defaults to 256 tokens with 32 of overlap', () => {
    const chunker = createChunker({ counter });
    expect([chunker.maxTokens, chunker.overlapTokens]).toEqual([256, 32]);
  });

  it.each([
    [{ maxTokens: 0 }, /maxTokens must be an integer ≥ 16/],
    [{ maxTokens: 15 }, /maxTokens/],
    [{ maxTokens: 100.5 }, /maxTokens/],
    [{ maxTokens: 64, overlapTokens: 64 }, /overlapTokens must be an integer ≥ 0 and below maxTokens/],
    [{ overlapTokens: -1 }, /overlapTokens/],
    [{ overlapTokens: Number.NaN }, /overlapTokens/],
  ])('rejects %j with VALIDATION_FAILED', (options, message) => {
    expect(() => createChunker({ counter, ...options })).toThrow(message);
    try {
      createChunker({ counter, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('lists every problem at once, including a missing counter', () => {
    expect(() => createChunker({ maxTokens: 1, overlapTokens: 5 } as never)).toThrow(/counter must be.*maxTokens.*overlapTokens/);
  });

  it('rejects an unknown format or a non-string text', () => {
    const chunker = createChunker({ counter });
    expect(() => chunker.chunk({ text: 'x', format: 'pdf' as never })).toThrow(/format must be one of text, markdown, html/);
    expect(() => chunker.chunk({ text: 42 as never })).toThrow(AppError);
  });
});

describe('createChunker: small documents', () => {
  const chunker = createChunker({ maxTokens: 128, overlapTokens: 16, counter });

  it('returns nothing for empty or whitespace-only text', () => {
    expect(chunker.chunk({ text: '' })).toEqual([]);
    expect(chunker.chunk({ text: ' \n\t\r\n ' })).toEqual([]);
    expect(chunker.chunk({ text: '<script>x</script><p> </p>', format: 'html' })).toEqual([]);
  });

  it('makes a document that fits exactly one chunk, title first', () => {
    const text = 'Short note.\r\n\r\nSecond paragraph.  ';
    const [only, ...rest] = chunker.chunk({ text, title: 'Notes' });
    expect(rest).toEqual([]);
    expect(only).toEqual({ index: 0, text: 'Notes\n\nShort note.\n\nSecond paragraph.', tokens: counter.count(only.text), headings: [] });
  });

  it('keeps a small Markdown document with several sections in one chunk', () => {
    const md = '# Guide\n\nIntro.\n\n## Install\n\nRun it.';
    expect(chunker.chunk({ text: md, format: 'markdown' })).toEqual([
      { index: 0, text: md, tokens: counter.count(md), headings: [] },
    ]);
  });

  it('is deterministic', () => {
    const input = { text: prose(40), title: 'T' };
    expect(chunker.chunk(input)).toEqual(chunker.chunk(input));
  });
});

describe('createChunker: Markdown', () => {
  const maxTokens = 64;
  const chunker = createChunker({ maxTokens, overlapTokens: 8, counter });
  const md = [
    'Preamble text before any heading.',
    '# Guide',
    prose(3, 2),
    '## Install',
    prose(6, 3),
    '### Helm',
    '```bash\n# add the repo (not a heading)\nhelm repo add ragops https://charts.example.com\n```',
    'Setext Heading\n--------------',
    'Under the setext heading.',
    '## Usage',
    'Call the API.',
  ].join('\n\n');
  const chunks = chunker.chunk({ text: md, format: 'markdown', title: 'Docs' });

  it('cuts at headings, with the breadcrumb line on every chunk', () => {
    expectWellFormed(chunks, maxTokens);
    expect(chunks[0].text).toBe('Docs\n\nPreamble text before any heading.');
    for (const chunk of chunks) {
      const crumb = ['Docs', ...chunk.headings].join(' > ');
      expect(chunk.text.startsWith(`${crumb}\n\n`)).toBe(true);
    }
    expect([...new Set(chunks.map((c) => c.headings.join(' > ')))]).toEqual([
      '',
      'Guide',
      'Guide > Install',
      'Guide > Install > Helm',
      'Guide > Setext Heading', // "---" underlines a level-2 heading
      'Guide > Usage',
    ]);
  });

  it('never lets a chunk span two sections', () => {
    for (const chunk of chunks) {
      expect(body(chunk)).not.toMatch(/# (Guide|Install|Helm|Usage)|Setext Heading/);
    }
    expect(chunks.filter((c) => c.headings.at(-1) === 'Usage').map(body)).toEqual(['Call the API.']);
  });

  it('keeps a fenced code block whole (its # lines are code, not headings)', () => {
    const helm = chunks.filter((c) => c.headings.at(-1) === 'Helm');
    expect(helm.map(body)).toEqual(['```bash\n# add the repo (not a heading)\nhelm repo add ragops https://charts.example.com\n```']);
  });

  it('splits a long section at sentence boundaries with overlap between its pieces', () => {
    const install = chunks.filter((c) => c.headings.at(-1) === 'Install');
    expect(install.length).toBeGreaterThan(1);
    for (let i = 0; i + 1 < install.length; i++) {
      expect(body(install[i])).toMatch(/\.$/);
      const overlap = overlapTokens(body(install[i]), body(install[i + 1]));
      expect(overlap).toBeGreaterThan(0);
      expect(overlap).toBeLessThanOrEqual(8);
    }
  });

  it('splits an oversized code block by lines, re-fencing every piece and overlapping lines', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `  echo "step ${i}" && run --flag value${i}`);
    const code = `# Script\n\n\`\`\`sh\n${lines.join('\n')}\n\`\`\``;
    const pieces = createChunker({ maxTokens: 64, overlapTokens: 16, counter }).chunk({ text: code, format: 'markdown' });
    expectWellFormed(pieces, 64);
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) {
      expect(body(piece)).toMatch(/^```sh\n[\s\S]*\n```$/);
      for (const line of body(piece).split('\n').slice(1, -1)) expect(lines).toContain(line);
    }
    const first = body(pieces[0]).split('\n').slice(1, -1);
    const second = body(pieces[1]).split('\n').slice(1, -1);
    expect(second[0]).toBe(first.at(-1)); // at least the last line repeats
    const covered = new Set(pieces.flatMap((p) => body(p).split('\n').slice(1, -1)));
    expect(lines.every((l) => covered.has(l))).toBe(true);
  });

  it('does not repeat a title that is also the first heading, and shortens long breadcrumbs from the front', () => {
    const doc = `# Guide\n\n${prose(8)}`;
    const [first] = createChunker({ maxTokens: 64, overlapTokens: 8, counter }).chunk({ text: doc, format: 'markdown', title: 'guide' });
    expect(first.text.startsWith('Guide\n\n')).toBe(true);
    const deep = `# ${'Very long heading words '.repeat(4)}\n\n## Short\n\n${prose(8)}`;
    const [crumbed] = createChunker({ maxTokens: 64, overlapTokens: 8, counter }).chunk({ text: deep, format: 'markdown' });
    expect(crumbed.text.startsWith('… > Short\n\n')).toBe(true);
    expect(crumbed.headings[1]).toBe('Short');
  });
});

describe('createChunker: HTML', () => {
  it('chunks the readable text by h1-h6, decoding entities and skipping scripts, styles and navigation', () => {
    const html = `<!doctype html><html><head><title>T</title><style>body{}</style></head><body>
      <nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
      <h1>Fish &amp; Chips</h1><p>${prose(6, 4)}</p><script>window.secret = "do not index";</script>
      <h2>Batter</h2><p>Flour &lt; water &mdash; whisk.</p><ul><li>Egg</li><li>Beer</li></ul></body></html>`;
    const chunks = createChunker({ maxTokens: 64, overlapTokens: 8, counter }).chunk({ text: html, format: 'html' });
    expectWellFormed(chunks, 64);
    const all = chunks.map((c) => c.text).join('\n');
    expect(all).not.toMatch(/secret|Home|body\{|<\w/);
    expect(chunks[0].headings).toEqual(['Fish & Chips']);
    expect(chunks.at(-1)).toMatchObject({
      headings: ['Fish & Chips', 'Batter'],
      text: 'Fish & Chips > Batter\n\nFlour < water — whisk.\n\n- Egg\n\n- Beer',
    });
  });
});

describe('createChunker: plain text', () => {
  it('packs paragraphs whole while they fit and never splits one that fits on its own', () => {
    const paragraphs = [prose(2, 5), prose(2, 6), prose(2, 7), prose(2, 8)];
    const chunks = createChunker({ maxTokens: 100, overlapTokens: 10, counter }).chunk({ text: paragraphs.join('\n\n') });
    expectWellFormed(chunks, 100);
    for (const p of paragraphs) expect(chunks.some((c) => c.text.includes(p))).toBe(true);
  });

  it('splits an oversized paragraph at sentence ends, repeating about overlapTokens between pieces', () => {
    const text = prose(60);
    const chunks = createChunker({ maxTokens: 96, overlapTokens: 24, counter }).chunk({ text });
    expectWellFormed(chunks, 96);
    for (let i = 0; i + 1 < chunks.length; i++) {
      expect(chunks[i].text).toMatch(/\.$/);
      const overlap = overlapTokens(chunks[i].text, chunks[i + 1].text);
      expect(overlap).toBeGreaterThanOrEqual(12); // whole words: a little under the target
      expect(overlap).toBeLessThanOrEqual(24);
    }
    expectCovers(text, chunks.map((c) => c.text));
  });

  it('splits a sentence longer than a chunk at words, and a word longer than a chunk inside it', () => {
    const longSentence = `${Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ')}.`;
    const a = createChunker({ maxTokens: 32, overlapTokens: 4, counter }).chunk({ text: longSentence });
    expectWellFormed(a, 32);
    expectCovers(longSentence, a.map((c) => c.text));
    const words = new Set(a.flatMap((c) => c.text.split(/\s+/)));
    for (let i = 0; i < 199; i++) expect(words.has(`word${i}`)).toBe(true);

    let x = 7;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const blob = Array.from({ length: 1000 }, () => alphabet[((x = (x * 1103515245 + 12345) % 2 ** 31) >>> 16) % 64]).join(''); // base64-like
    const b = createChunker({ maxTokens: 32, overlapTokens: 4, counter }).chunk({ text: `before ${blob} after` });
    expectWellFormed(b, 32);
    expectCovers(`before ${blob} after`, b.map((c) => c.text));
    for (let i = 0; i + 1 < b.length; i++) expect(overlapTokens(b[i].text, b[i + 1].text)).toBeLessThanOrEqual(4);
  });

  it('keeps astral characters whole when cutting inside a word', () => {
    const emoji = '😀🎉🚀'.repeat(60);
    const chunks = createChunker({ maxTokens: 16, overlapTokens: 2, counter }).chunk({ text: emoji });
    expectWellFormed(chunks, 16);
    for (const c of chunks) expect(c.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});

describe('createChunker: properties', () => {
  const word = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    fc.constantFrom('café', '東京', 'naïve', '😀', 'e.g.', 'Dr.', '3.14', '(see', 'end).', 'Why?', 'Yes!', '-'),
  );
  const sentence = fc.array(word, { minLength: 1, maxLength: 25 }).map((w) => `${w.join(' ')}.`);
  const paragraph = fc.array(sentence, { minLength: 1, maxLength: 8 }).map((s) => s.join(' '));
  const document = fc.array(paragraph, { minLength: 1, maxLength: 5 }).map((p) => p.join('\n\n'));
  const options = fc.integer({ min: 16, max: 128 }).chain((max) => fc.record({ maxTokens: fc.constant(max), overlapTokens: fc.integer({ min: 0, max: max - 1 }) }));

  it('plain text: no empty chunk, every chunk within maxTokens with an exact count, every word kept', () => {
    fc.assert(
      fc.property(document, options, (text, opts) => {
        const chunks = createChunker({ ...opts, counter }).chunk({ text });
        expectWellFormed(chunks, opts.maxTokens);
        const inChunks = new Set(chunks.flatMap((c) => c.text.split(/\s+/)));
        for (const w of text.split(/\s+/)) expect(inChunks.has(w)).toBe(true);
        if (counter.count(text) <= opts.maxTokens) expect(chunks.map((c) => c.text)).toEqual([text]);
      }),
      { numRuns: 300 },
    );
  });

  it('Markdown: well-formed chunks, each opening with its breadcrumb', () => {
    const section = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.stringMatching(/^[A-Z][a-z]{2,10}$/), document);
    fc.assert(
      fc.property(fc.array(section, { maxLength: 5 }), fc.option(fc.stringMatching(/^[A-Z][a-z]{2,8}$/), { nil: undefined }), options, (sections, title, opts) => {
        const md = sections.map(([level, heading, text]) => `${'#'.repeat(level)} ${heading}\n\n${text}`).join('\n\n');
        const chunks = createChunker({ ...opts, counter }).chunk({ text: md, format: 'markdown', title });
        expectWellFormed(chunks, opts.maxTokens);
        if (chunks.length > 1) {
          for (const c of chunks) {
            const crumbs = [title, ...c.headings].filter(Boolean);
            if (crumbs.length > 0) expect(c.text).toMatch(/^[^\n]+\n\n\S/);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
