/** One dependency's answer to "can you serve traffic now?". */
export interface DependencyStatus {
  ready: boolean;
  /** Why not (or a short status when ready), for whoever reads GET /readyz. */
  detail?: string;
}

/** What GET /readyz reports: 200 when `ready`, 503 otherwise, with every dependency listed either way. */
export interface ReadinessReport {
  ready: boolean;
  dependencies: Record<string, DependencyStatus>;
}

/** A named probe: resolves when the dependency is usable, rejects (with a reason) when not. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * Runs every check in parallel, each bounded by `timeoutMs`, and reports all of them — a probe that only named
 * the first failure would hide the second one until the first was fixed. For wiring `GatewayDeps.readiness`.
 */
export async function checkDependencies(checks: Record<string, ReadinessCheck>, timeoutMs: number): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(
    names.map((n) =>
      withTimeout(checks[n](), timeoutMs, n).then(
        (): DependencyStatus => ({ ready: true }),
        (e: unknown): DependencyStatus => ({ ready: false, detail: messageOf(e) }),
      ),
    ),
  );
  const dependencies: Record<string, DependencyStatus> = {};
  names.forEach((n, i) => (dependencies[n] = outcomes[i]));
  return { ready: outcomes.every((o) => o.ready), dependencies };
}

/** Calls the deps' readiness function so that it can neither hang the probe nor throw through it. */
export async function probeReadiness(readiness: () => Promise<ReadinessReport>, timeoutMs: number): Promise<ReadinessReport> {
  try {
    return await withTimeout(readiness(), timeoutMs, 'readiness');
  } catch (e) {
    return { ready: false, dependencies: { readiness: { ready: false, detail: messageOf(e) } } };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
