import { SectionBuilder } from './section.builder.js';
import type { Section } from './section.types.js';
import { collapseWhitespace } from './text.normalizer.js';

// CommonMark's block structure, as far as chunking needs it: ATX and setext headings, fenced code (whose lines are
// never headings), front matter, thematic breaks, and blank-line-separated paragraphs. Inline syntax is kept as is.
const ATX_OPEN = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
/** Paragraphs starting like this are lists, quotes or tables: a following "---" is a rule, not a setext underline. */
const NOT_SETEXT_TEXT = /^ {0,3}(?:[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|>|\|)/;
const LINK = /!?\[([^\]]*)\]\([^)]*\)/g;
const BOLD = /(\*\*|__)(?=\S)([^*_]*?\S)\1/g;

/** Heading text as a reader sees it: links and images reduced to their text, code and bold markers dropped. */
function headingText(raw: string): string {
  return collapseWhitespace(raw.replace(LINK, '$1').replace(BOLD, '$2').replace(/`/g, ''));
}

/** Text of an ATX heading line after its `#` run, without the optional closing `#` sequence. */
function atxContent(line: string, hashesEnd: number): string {
  let content = line.slice(hashesEnd).trim();
  let j = content.length;
  while (j > 0 && content.charCodeAt(j - 1) === 0x23 /* # */) j--;
  if (j === 0) content = '';
  else if (j < content.length && (content[j - 1] === ' ' || content[j - 1] === '\t')) content = content.slice(0, j).trimEnd();
  return content;
}

/** Splits Markdown (already line-normalised) into sections at ATX and setext headings. */
export function parseMarkdown(text: string): Section[] {
  const lines = text.split('\n');
  const out = new SectionBuilder();
  let paragraph: string[] = [];

  const flushParagraph = () => {
    if (paragraph.length > 0) out.addBlock({ text: paragraph.join('\n') });
    paragraph = [];
  };
  const startSection = (level: number, heading: string) => {
    flushParagraph();
    out.startSection(level, heading);
  };

  let i = 0;
  // YAML/TOML front matter is metadata, not headings: keep it as one block of the preamble.
  if (lines[0] === '---' || lines[0] === '+++') {
    const end = lines.findIndex((l, k) => k > 0 && (l === lines[0] || (lines[0] === '---' && l === '...')));
    if (end > 0) {
      out.addBlock({ text: lines.slice(0, end + 1).join('\n') });
      i = end + 1;
    }
  }

  for (; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE_OPEN.exec(line);
    if (fence && !(fence[1][0] === '`' && fence[2].includes('`'))) {
      flushParagraph();
      const marker = fence[1];
      const body: string[] = [];
      let close = '';
      for (i++; i < lines.length; i++) {
        const closing = FENCE_CLOSE.exec(lines[i]);
        if (closing && closing[1][0] === marker[0] && closing[1].length >= marker.length) {
          close = lines[i];
          break;
        }
        body.push(lines[i]);
      }
      // An unclosed fence runs to the end of the document (CommonMark); close it so every chunk is valid Markdown.
      const code = { open: line, body: body.join('\n'), close: close || marker };
      const blockText = body.length > 0 ? `${code.open}\n${code.body}\n${code.close}` : `${code.open}\n${code.close}`;
      out.addBlock({ text: blockText, code });
      continue;
    }
    const atx = ATX_OPEN.exec(line);
    if (atx) {
      startSection(atx[1].length, headingText(atxContent(line, atx[0].length)));
      continue;
    }
    if (paragraph.length > 0 && SETEXT_UNDERLINE.test(line) && !NOT_SETEXT_TEXT.test(paragraph[0])) {
      const heading = headingText(paragraph.join(' '));
      paragraph = [];
      startSection(line.trimStart()[0] === '=' ? 1 : 2, heading);
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flushParagraph(); // a rule separates blocks; it carries no text worth indexing
      continue;
    }
    paragraph.push(line);
  }
  flushParagraph();
  return out.finish();
}

