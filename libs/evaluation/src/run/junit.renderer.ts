import type { GateReport } from './run.gate.js';

/**
 * The gate as JUnit XML, one testcase per check (CI systems show each as a test): a failing check carries a
 * <failure> with its message. Everything that came from a run or a policy is escaped, and characters XML 1.0
 * cannot hold at all (control characters, lone surrogates) are written as `\u{…}` so the file always parses.
 */
export function renderJUnit(report: GateReport, options: { suiteName?: string } = {}): string {
  const suite = options.suiteName ?? `ragops-eval-gate.${report.run.dataset}`;
  const failures = report.checks.filter((c) => !c.passed).length;
  const properties: [string, string][] = [
    ['run', report.run.id],
    ['run.variant', report.run.variant],
    ['run.revision', report.run.revision],
    ['dataset', `${report.run.dataset} ${report.run.datasetVersion}`],
  ];
  if (report.baseline) properties.push(['baseline', report.baseline.id], ['baseline.revision', report.baseline.revision]);
  if (report.datasetChanged) properties.push(['datasetChanged', 'true']);

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ragops eval gate" tests="${report.checks.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="${attr(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="0">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
  ];
  for (const c of report.checks) {
    const open = `    <testcase classname="${attr(suite)}" name="${attr(c.name)}" time="0"`;
    if (c.passed) {
      lines.push(`${open}>`, `      <system-out>${text(c.message)}</system-out>`, '    </testcase>');
    } else {
      lines.push(`${open}>`, `      <failure type="${attr(c.kind)}" message="${attr(c.message)}">${text(c.message)}</failure>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Escapes character data. */
function text(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value; newlines and tabs become references so parsers do not normalise them away. */
function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** Replaces what XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) with a visible `\u{…}`. */
function xmlSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (ch) => `\\u{${ch.charCodeAt(0).toString(16)}}`);
}
