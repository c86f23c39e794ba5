import { StorageType } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { AppError } from '@ragops/contracts';
import { parseRun, type RunRecord, type RunStore } from '@ragops/evaluation';

export interface ObjectRunStoreOptions {
  nc: NatsConnection;
  /** Default `ragops-eval-runs`. */
  bucket?: string;
  /** Stream replicas of the bucket (1, 3 or 5). Default 1. */
  replicas?: number;
  /** Told about a stored object that is not a valid run (left out of `list`). */
  onSkip?: (name: string, reason: string) => void;
}

export const DEFAULT_RUN_BUCKET = 'ragops-eval-runs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * RunStore on a NATS JetStream object store, for distributed mode: every evaluation run (CI's, a controller's
 * analysis run) lands in one bucket that `history` and `compare` can read from anywhere. One object per run,
 * `<run id>.json`; the object store chunks large runs (a SciFact run is ~1 MB) so no message limit applies.
 */
export class ObjectRunStore implements RunStore {
  private constructor(
    private readonly os: ObjectStore,
    readonly bucket: string,
    private readonly onSkip: (name: string, reason: string) => void,
  ) {}

  /** Creates the bucket (file storage) if missing and opens it. */
  static async open(options: ObjectRunStoreOptions): Promise<ObjectRunStore> {
    const bucket = options.bucket ?? DEFAULT_RUN_BUCKET;
    try {
      const os = await new Objm(options.nc).create(bucket, { storage: StorageType.File, replicas: options.replicas ?? 1, description: 'ragops evaluation runs' });
      return new ObjectRunStore(os, bucket, options.onSkip ?? (() => {}));
    } catch (err) {
      throw unavailable(`cannot open the run store bucket ${bucket}`, err);
    }
  }

  async save(run: RunRecord): Promise<void> {
    const meta = { name: `${run.id}.json`, description: `${run.dataset.name} ${run.variant} ${run.git.revision}` };
    try {
      await this.os.putBlob(meta, encoder.encode(JSON.stringify(run)));
    } catch (err) {
      throw unavailable(`cannot store run ${run.id} in ${this.bucket}`, err);
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const data = await this.read(`${id}.json`);
    return data === null ? undefined : this.decode(`${id}.json`, data);
  }

  async list(): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = (await this.os.list()).filter((o) => !o.deleted && o.name.endsWith('.json')).map((o) => o.name);
    } catch (err) {
      throw unavailable(`cannot list the runs in ${this.bucket}`, err);
    }
    const runs: RunRecord[] = [];
    for (const name of names.sort()) {
      const data = await this.read(name);
      if (data === null) continue; // deleted between listing and reading
      try {
        runs.push(this.decode(name, data));
      } catch (err) {
        this.onSkip(name, err instanceof Error ? err.message : String(err));
      }
    }
    return runs;
  }

  private async read(name: string): Promise<Uint8Array | null> {
    try {
      return await this.os.getBlob(name);
    } catch (err) {
      throw unavailable(`cannot read ${name} from ${this.bucket}`, err);
    }
  }

  private decode(name: string, data: Uint8Array): RunRecord {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(data));
    } catch (cause) {
      throw new AppError('INVALID_JSON', `stored run ${this.bucket}/${name} is not valid JSON`, undefined, { cause });
    }
    return parseRun(value, `stored run ${this.bucket}/${name}`);
  }
}

function unavailable(message: string, cause: unknown): AppError {
  return new AppError('UNAVAILABLE', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
}
