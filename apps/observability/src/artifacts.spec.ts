import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDrift, writeArtifacts } from './artifact.sync.js';
import { DASHBOARD_DIR, generateArtifacts, RULE_FILE } from './artifacts.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('generated observability files', () => {
  it('are committed and up to date (drift check: run `npm run generate -w @ragops/observability` after a build)', () => {
    const drift = findDrift(REPO, generateArtifacts());
    expect(drift).toEqual([]);
  });

  it('are deterministic', () => {
    expect(generateArtifacts()).toEqual(generateArtifacts());
  });

  it('are valid JSON dashboards and end with a newline', () => {
    for (const a of generateArtifacts()) {
      expect(a.content.endsWith('\n')).toBe(true);
      if (a.path.endsWith('.json')) expect(() => JSON.parse(a.content)).not.toThrow();
    }
  });
});

describe('findDrift / writeArtifacts', () => {
  function scratch() {
    const root = mkdtempSync(join(tmpdir(), 'ragops-obs-'));
    return { root, done: () => rmSync(root, { recursive: true, force: true }) };
  }

  it('reports missing, changed and stale files, and writing fixes all three', () => {
    const { root, done } = scratch();
    try {
      const artifacts = generateArtifacts();
      expect(findDrift(root, artifacts).every((d) => d.problem === 'missing')).toBe(true);
      writeArtifacts(root, artifacts);
      expect(findDrift(root, artifacts)).toEqual([]);

      writeFileSync(join(root, RULE_FILE), readFileSync(join(root, RULE_FILE), 'utf8').replace('14.4', '14'));
      writeFileSync(join(root, DASHBOARD_DIR, 'old-dashboard.json'), '{}\n');
      rmSync(join(root, artifacts[0].path));
      expect(findDrift(root, artifacts)).toEqual([
        { path: artifacts[0].path, problem: 'missing' },
        { path: RULE_FILE, problem: 'differs' },
        { path: `${DASHBOARD_DIR}/old-dashboard.json`, problem: 'stale' },
      ]);
      writeArtifacts(root, artifacts);
      expect(findDrift(root, artifacts)).toEqual([]);
    } finally {
      done();
    }
  });
});
