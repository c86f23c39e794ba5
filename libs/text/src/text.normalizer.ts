/**
 * Line-level clean-up shared by hashing and chunking: drops a byte-order mark, turns CRLF and lone CR into LF,
 * trims trailing whitespace on every line and removes leading and trailing blank lines. Leading indentation and
 * blank lines inside the text are kept (they can carry meaning in code and Markdown).
 *
 * Written as loops rather than regexes such as /[ \t]+$/gm, which backtrack quadratically on long runs of spaces.
 */
export function normalizeLines(text: string): string {
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  const lines = s.split('\n');
  let first = 0;
  let last = lines.length - 1;
  for (let i = 0; i <= last; i++) lines[i] = lines[i].trimEnd();
  while (first <= last && lines[first] === '') first++;
  while (last >= first && lines[last] === '') last--;
  return first === 0 && last === lines.length - 1 ? lines.join('\n') : lines.slice(first, last + 1).join('\n');
}

/** Collapses every whitespace run (newlines included) to one space and trims: for titles and headings. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
