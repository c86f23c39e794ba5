import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OWNED_DIRS, type Artifact } from './artifacts.js';

export interface Drift {
  readonly path: string;
  readonly problem: 'missing' | 'differs' | 'stale';
}

function ownedFiles(root: string): string[] {
  return OWNED_DIRS.flatMap((dir) =>
    existsSync(join(root, dir)) ? readdirSync(join(root, dir)).map((f) => `${dir}/${f}`) : [],
  );
}

/** Differences between the generated artifacts and the files under `root` (the drift check). */
export function findDrift(root: string, artifacts: readonly Artifact[]): Drift[] {
  const drift: Drift[] = [];
  for (const a of artifacts) {
    const file = join(root, a.path);
    if (!existsSync(file)) drift.push({ path: a.path, problem: 'missing' });
    else if (readFileSync(file, 'utf8') !== a.content) drift.push({ path: a.path, problem: 'differs' });
  }
  const expected = new Set(artifacts.map((a) => a.path));
  for (const f of ownedFiles(root)) if (!expected.has(f)) drift.push({ path: f, problem: 'stale' });
  return drift;
}

/** Writes every artifact and removes stale files from the generator's own directories. */
export function writeArtifacts(root: string, artifacts: readonly Artifact[]): Drift[] {
  const drift = findDrift(root, artifacts);
  for (const d of drift) {
    const file = join(root, d.path);
    if (d.problem === 'stale') {
      rmSync(file);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, artifacts.find((a) => a.path === d.path)!.content);
  }
  return drift;
}
