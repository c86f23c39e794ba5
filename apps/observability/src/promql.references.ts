/**
 * Which series names and labels a PromQL expression refers to — enough to check, without a Prometheus, that a
 * dashboard or rule reads only metrics and labels the catalogue defines. Not a PromQL parser: it removes string
 * literals, range brackets and numbers, then reads `name{matchers}` and grouping label lists.
 */
export interface SelectorRef {
  readonly name: string;
  /** Label names used in this selector's matchers. */
  readonly matchers: readonly string[];
}

export interface PromqlRefs {
  readonly selectors: readonly SelectorRef[];
  /** Labels named in `by`, `without`, `on`, `ignoring`, `group_left`, `group_right` clauses. */
  readonly groupingLabels: readonly string[];
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2',
]);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

export function promqlRefs(expr: string): PromqlRefs {
  // String literals become empty strings so their contents (regexes, `$variant`) are never read as names.
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  s = s.replace(/\[[^\]]*\]/g, ' '); // ranges and subqueries
  const groupingLabels: string[] = [];
  s = s.replace(GROUPING, (_all, _kw: string, list: string) => {
    groupingLabels.push(...list.split(',').map((l) => l.trim()).filter(Boolean));
    return ' ';
  });
  // group_left / group_right without a label list
  s = s.replace(/\b(group_left|group_right)\b/g, ' ');
  // numbers, including 1e-3 and durations after offset (5m), must not yield identifiers such as `e` or `m`
  s = s.replace(/(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+)?[a-zA-Z]*/g, ' ');

  const selectors: SelectorRef[] = [];
  const token = /([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?/g;
  for (let m = token.exec(s); m; m = token.exec(s)) {
    const name = m[1];
    const after = s.slice(token.lastIndex).trimStart();
    if (!m[2] && after.startsWith('(')) continue; // function or aggregation
    if (KEYWORDS.has(name)) continue;
    const matchers = m[2] ? [...m[2].matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]) : [];
    selectors.push({ name, matchers });
  }
  return { selectors, groupingLabels };
}
