import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@ragops/contracts';
import { parseRun, type RunRecord, type RunStore } from '@ragops/evaluation';
import { readJsonInput, writeFileAtomic } from './eval.files.js';

/**
 * Runs as `<dir>/<run id>.json`, one file per run (ids are limited to [A-Za-z0-9._-], so an id is a safe file
 * name). Listing reads every file; one that is not a valid run is reported through `onSkip` and left out rather
 * than hiding the rest of the history.
 */
export class FileRunStore implements RunStore {
  constructor(
    readonly dir: string,
    private readonly onSkip: (file: string, reason: string) => void = () => {},
  ) {}

  async save(run: RunRecord): Promise<void> {
    await writeFileAtomic(this.pathOf(run.id), `${JSON.stringify(run, null, 2)}\n`);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(id)) return undefined;
    const names = await this.files();
    if (!names.includes(`${id}.json`)) return undefined;
    return parseRun(await readJsonInput(this.pathOf(id), 'stored run'), `stored run ${id}`);
  }

  async list(): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    for (const name of await this.files()) {
      try {
        runs.push(parseRun(await readJsonInput(join(this.dir, name), 'stored run'), `stored run ${name}`));
      } catch (err) {
        this.onSkip(join(this.dir, name), err instanceof Error ? err.message : String(err));
      }
    }
    return runs;
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AppError('UNAVAILABLE', `run store ${this.dir} cannot be read: ${(cause as Error).message}`, undefined, { cause });
    }
  }
}
