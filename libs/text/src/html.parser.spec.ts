import { describe, expect, it } from '@jest/globals';
import { parseHtml } from './html.parser.js';

describe('parseHtml', () => {
  it('makes sections at h1-h6 with a heading trail, and blocks from block elements', () => {
    const html =
      '<html><head><title>ignored</title></head><body><p>Intro</p><h1>Guide</h1><p>One</p><div>Two <b>bold</b> text</div>' +
      '<h2>Install</h2><p>Steps</p><h3>Helm</h3><p>helm</p><h2>Usage</h2><p>Use</p></body></html>';
    expect(parseHtml(html).map((s) => [s.headings, s.blocks.map((b) => b.text)])).toEqual([
      [[], ['Intro']],
      [['Guide'], ['One', 'Two bold text']],
      [['Guide', 'Install'], ['Steps']],
      [['Guide', 'Install', 'Helm'], ['helm']],
      [['Guide', 'Usage'], ['Use']],
    ]);
  });

  it('skips script, style, nav, head, noscript and hidden elements', () => {
    const html =
      '<head><style>p{color:red}</style><script>var x = "<p>no</p>";</script></head><nav><a>Home</a><p>Menu</p></nav>' +
      '<p>Kept<script>alert(1)</script></p><noscript>Enable JS</noscript><div hidden><p>secret</p></div><p aria-hidden="true">x</p>';
    expect(parseHtml(html).flatMap((s) => s.blocks.map((b) => b.text))).toEqual(['Kept']);
  });

  it('decodes entities and collapses whitespace, keeping <br> as a line break', () => {
    const html = '<p>Fish &amp; chips &lt;3&nbsp;&#169; &eacute;t&eacute;\n\n   and   more</p><p>line one<br>line two</p>';
    expect(parseHtml(html)[0].blocks.map((b) => b.text)).toEqual(['Fish & chips <3 © été and more', 'line one\nline two']);
  });

  it('turns list items into "- " lines, table rows into " | " cells, and <pre> into fenced code', () => {
    const html = '<ul><li>one</li><li>two <i>2</i></li></ul><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>' +
      '<pre><code>if (x) {\n  y();\n}</code></pre>';
    const blocks = parseHtml(html)[0].blocks;
    expect(blocks.map((b) => b.text)).toEqual(['- one', '- two 2', 'k | v', 'a | 1', '```\nif (x) {\n  y();\n}\n```']);
    expect(blocks[4].code).toEqual({ open: '```', body: 'if (x) {\n  y();\n}', close: '```' });
  });

  it('copes with unclosed tags and text outside any block', () => {
    const html = 'loose text<p>para<p>next<h2>Head</h2><p>after<ul><li>one<li>two';
    expect(parseHtml(html).map((s) => [s.headings, s.blocks.map((b) => b.text)])).toEqual([
      [[], ['loose text', 'para', 'next']],
      [['Head'], ['after', '- one', '- two']],
    ]);
  });
});
