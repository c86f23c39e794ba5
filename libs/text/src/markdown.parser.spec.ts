import { describe, expect, it } from '@jest/globals';
import { parseMarkdown } from './markdown.parser.js';

describe('parseMarkdown', () => {
  it('splits at ATX headings and keeps the heading trail', () => {
    const sections = parseMarkdown('Intro\n\n# Guide\n\nText\n\n## Install\n\nSteps\n\n### Helm ###\n\nhelm\n\n## Usage\n\nUse it');
    expect(sections.map((s) => [s.headings, s.blocks.map((b) => b.text)])).toEqual([
      [[], ['Intro']],
      [['Guide'], ['Text']],
      [['Guide', 'Install'], ['Steps']],
      [['Guide', 'Install', 'Helm'], ['helm']],
      [['Guide', 'Usage'], ['Use it']],
    ]);
  });

  it('recognises setext headings, but not "---" after a list or as a rule after a blank line', () => {
    const sections = parseMarkdown('Title\n=====\n\nBody\n\nSub part\nsecond line\n---\n\nMore\n\n- item\n---\n\n---\n\nEnd');
    expect(sections.map((s) => s.headings)).toEqual([['Title'], ['Title', 'Sub part second line']]);
    expect(sections[1].blocks.map((b) => b.text)).toEqual(['More', '- item', 'End']);
  });

  it('never takes # lines inside fenced code for headings, and keeps fences whole', () => {
    const md = '# A\n\n```bash\n# comment\n\nls\n```\n\n~~~~\n## not heading\n```\n~~~~\n\ntext';
    const [section] = parseMarkdown(md);
    expect(section.headings).toEqual(['A']);
    expect(section.blocks.map((b) => b.text)).toEqual(['```bash\n# comment\n\nls\n```', '~~~~\n## not heading\n```\n~~~~', 'text']);
    expect(section.blocks[0].code).toEqual({ open: '```bash', body: '# comment\n\nls', close: '```' });
  });

  it('closes a fence left open at the end of the document', () => {
    const [section] = parseMarkdown('# A\n\n```js\nlet x = 1;');
    expect(section.blocks).toEqual([{ text: '```js\nlet x = 1;\n```', code: { open: '```js', body: 'let x = 1;', close: '```' } }]);
  });

  it('needs a space after the #s, strips closing #s, and cleans inline syntax from heading text', () => {
    const sections = parseMarkdown('#hashtag\n\n## [Helm](https://helm.sh) **chart** `v3` #\n\nx\n\n# C#\n\ny');
    expect(sections.map((s) => s.headings)).toEqual([[], ['Helm chart v3'], ['C#']]);
    expect(sections[0].blocks[0].text).toBe('#hashtag');
  });

  it('keeps front matter as a block instead of reading its "---" as a heading underline', () => {
    const [section] = parseMarkdown('---\ntitle: x\n---\n\nBody');
    expect(section.headings).toEqual([]);
    expect(section.blocks.map((b) => b.text)).toEqual(['---\ntitle: x\n---', 'Body']);
  });

  it('drops sections without content and an empty heading only closes deeper levels', () => {
    const sections = parseMarkdown('# A\n## B\n### C\n\ntext\n\n##\n\nafter');
    expect(sections.map((s) => [s.headings, s.blocks.length])).toEqual([
      [['A', 'B', 'C'], 1],
      [['A'], 1],
    ]);
  });
});
