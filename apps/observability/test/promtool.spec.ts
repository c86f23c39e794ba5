import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { PROMETHEUS_RULE_FILE, RULE_FILE, RULE_TESTS_DIR } from '../src/artifacts.js';
import { promqlExpressions } from '../src/promql.catalogue.js';

// Debian's `prometheus` package; scripts/ensure-promtool.sh installs it. PROMTOOL overrides the path.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'ragops-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: REPO, encoding: 'utf8', timeout: 300_000 });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (run scripts/ensure-promtool.sh): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const ruleTestFiles = ['ragops-slo.test.yaml', 'ragops-rag.test.yaml'].map((f) => `${RULE_TESTS_DIR}/${f}`);

/** A copy of the rules and their tests in a scratch directory, with `edit` applied to the rule file. */
function mutatedCopy(name: string, edit: (rules: string) => string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'rules'), { recursive: true });
  cpSync(join(REPO, RULE_TESTS_DIR), join(dir, 'tests'), { recursive: true });
  const original = readFileSync(join(REPO, RULE_FILE), 'utf8');
  const mutated = edit(original);
  if (mutated === original) throw new Error(`mutation ${name} changed nothing`);
  writeFileSync(join(dir, 'rules', 'ragops-slo.rules.yaml'), mutated);
  return join(dir, 'tests');
}

describe('promtool', () => {
  it('check rules: the rule file is valid', () => {
    const r = promtool('check', 'rules', RULE_FILE);
    expect(r.output).toContain('SUCCESS: 25 rules found');
    expect(r.status).toBe(0);
  });

  it('check rules: the PrometheusRule manifest holds valid rule groups', () => {
    const manifest = parse(readFileSync(join(REPO, PROMETHEUS_RULE_FILE), 'utf8'));
    const file = join(scratch, 'from-manifest.rules.yaml');
    writeFileSync(file, stringify({ groups: manifest.spec.groups }));
    const r = promtool('check', 'rules', file);
    expect(r.status).toBe(0);
  });

  it('check rules: every dashboard and variable query parses as PromQL', () => {
    const queries = promqlExpressions().filter((e) => e.kind === 'panel' || e.kind === 'variable');
    const file = join(scratch, 'dashboard-queries.rules.yaml');
    const rules = queries.map((q, i) => ({ record: `ragops:dashboard_query_${i}:check`, expr: q.query }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules }] }));
    const r = promtool('check', 'rules', file);
    expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(r.status).toBe(0);
  });

  it(
    'test rules: every burn-rate, LLM, empty-retrieval and ingest-lag alert fires and stays silent as its scenarios expect',
    () => {
      const r = promtool('test', 'rules', ...ruleTestFiles);
      expect(r.output).not.toContain('FAILED');
      expect(r.output.match(/SUCCESS/g)).toHaveLength(ruleTestFiles.length);
      expect(r.status).toBe(0);
    },
    300_000,
  );

  it('test rules is not vacuous: a rule with a looser `for` fails the LLM scenario', () => {
    const tests = mutatedCopy('longer-for', (rules) => rules.replace('for: 10m', 'for: 30m'));
    const r = promtool('test', 'rules', join(tests, 'ragops-rag.test.yaml'));
    expect(r.output).toContain('RagopsLlmErrorRateHigh');
    expect(r.status).not.toBe(0);
  });

  it('test rules is not vacuous: a page threshold of 13x instead of 14.4x is caught by the just-below scenario', () => {
    const tests = mutatedCopy('lower-page', (rules) => rules.replaceAll('(14.4 * 0.001)', '(13 * 0.001)'));
    // Only the scenario that straddles the threshold (1.35% errors), to keep this check fast.
    const suite = parse(readFileSync(join(tests, 'ragops-slo.test.yaml'), 'utf8'));
    suite.tests = suite.tests.filter((t: { name: string }) => t.name.startsWith('availability: 1.35% errors'));
    expect(suite.tests).toHaveLength(1);
    writeFileSync(join(tests, 'subset.test.yaml'), stringify(suite));
    const r = promtool('test', 'rules', join(tests, 'subset.test.yaml'));
    expect(r.output).toContain('RagopsAvailabilityBurnRate1h');
    expect(r.status).not.toBe(0);
  });
});
