import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The commit a run evaluated: `git rev-parse HEAD` in `cwd`, else GITHUB_SHA (a CI checkout without .git), else
 * `unknown`. `dirty` says whether tracked files had uncommitted changes (null when git could not tell).
 */
export async function gitRevision(cwd: string, env: Record<string, string | undefined>): Promise<{ revision: string; dirty: boolean | null }> {
  try {
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5_000 })).stdout.trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) {
      const status = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, timeout: 10_000 }).catch(() => undefined);
      return { revision: head, dirty: status ? status.stdout.trim().length > 0 : null };
    }
  } catch {
    // Not a repository, or git is not installed: fall through to the CI's variable.
  }
  const sha = env.GITHUB_SHA?.trim();
  return { revision: sha || 'unknown', dirty: null };
}
