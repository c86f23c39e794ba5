import { fileURLToPath } from 'node:url';
import { findDrift, writeArtifacts } from './artifact.sync.js';
import { generateArtifacts } from './artifacts.js';

/**
 * `node apps/observability/dist/generate.main.js [--check]` (after `npm run build`): writes the dashboards,
 * rule files, promtool tests and docs/metrics.md, or with --check exits 1 listing every file that is missing,
 * differs from what the source generates, or is stale.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const artifacts = generateArtifacts();

if (process.argv.includes('--check')) {
  const drift = findDrift(root, artifacts);
  for (const d of drift) console.error(`${d.problem}: ${d.path}`);
  if (drift.length > 0) {
    console.error('generated observability files are out of date: run npm run generate -w @ragops/observability');
    process.exit(1);
  }
  console.log(`${artifacts.length} generated files up to date`);
} else {
  const changed = writeArtifacts(root, artifacts);
  for (const d of changed) console.log(`${d.problem === 'stale' ? 'removed' : 'wrote'} ${d.path}`);
  console.log(`${artifacts.length} files generated, ${changed.length} changed`);
}
