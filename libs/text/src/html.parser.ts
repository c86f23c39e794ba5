import { Parser } from 'htmlparser2';
import { SectionBuilder } from './section.builder.js';
import type { Section } from './section.types.js';

/** Elements whose content is never document text (code, chrome, embedded objects). */
const SKIPPED = new Set([
  'script', 'style', 'nav', 'head', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'select',
  'button',
]);
/** Elements that start and end a block of text; anything else is inline and joins its neighbours. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'legend', 'li', 'main',
  'ol', 'p', 'section', 'summary', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul',
]);
const HEADING = /^h([1-6])$/;
/** Stands for a <br> while whitespace is collapsed, then becomes a newline. */
const LINE_BREAK = '\uE000';

/**
 * Extracts the readable text of an HTML document as sections: h1–h6 start sections, block elements become blocks
 * (list items prefixed "- ", table cells joined with " | "), `<pre>` becomes a fenced code block with its
 * whitespace kept, entities are decoded, whitespace elsewhere is collapsed, and script/style/nav/head (and
 * anything `hidden`) are skipped.
 */
export function parseHtml(html: string): Section[] {
  const out = new SectionBuilder();
  let skipDepth = 0;
  let preDepth = 0;
  let heading: { level: number; text: string } | undefined;
  let inline = '';
  let listItem = false;
  let cellsInRow = 0;
  let pre = '';

  const flush = () => {
    const text = inline
      .replace(/\s+/g, ' ')
      .replace(/ ?\uE000 ?/g, '\n')
      .trim();
    inline = '';
    if (text) out.addBlock({ text: listItem ? `- ${text}` : text });
    listItem = false;
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (skipDepth > 0 || SKIPPED.has(name) || 'hidden' in attributes || attributes['aria-hidden'] === 'true') {
          skipDepth++;
          return;
        }
        if (preDepth > 0) {
          if (name === 'pre') preDepth++;
          else if (name === 'br') pre += '\n';
          return;
        }
        const level = HEADING.exec(name);
        if (level) {
          flush();
          heading = { level: Number(level[1]), text: '' };
        } else if (name === 'pre') {
          flush();
          preDepth = 1;
          pre = '';
        } else if (name === 'br') {
          if (heading) heading.text += ' ';
          else inline += LINE_BREAK;
        } else if (name === 'td' || name === 'th') {
          if (cellsInRow++ > 0) inline += ' | ';
        } else if (BLOCKS.has(name)) {
          flush();
          if (name === 'li') listItem = true;
          if (name === 'tr') cellsInRow = 0;
        }
      },
      ontext(data) {
        if (skipDepth > 0) return;
        if (preDepth > 0) pre += data;
        else if (heading) heading.text += data;
        else inline += data;
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (preDepth > 0) {
          if (name === 'pre' && --preDepth === 0) {
            const body = pre.replace(/^\n/, '').trimEnd();
            if (body.trim()) {
              const fence = body.includes('```') ? '~~~' : '```';
              out.addBlock({ text: `${fence}\n${body}\n${fence}`, code: { open: fence, body, close: fence } });
            }
          }
          return;
        }
        const level = HEADING.exec(name);
        if (level && heading) {
          out.startSection(heading.level, heading.text.replace(/\s+/g, ' ').trim());
          heading = undefined;
        } else if (BLOCKS.has(name)) {
          flush();
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return out.finish();
}
