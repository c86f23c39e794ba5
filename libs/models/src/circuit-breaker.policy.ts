import { AppError } from '@ragops/contracts';
import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { markFinal } from './deadline-retry.policy.js';

/** The states `ragops_circuit_breaker_state` knows. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface DependencyBreakerOptions {
  /** The dependency as metrics and messages name it: `llm`, `embeddings`, `reranker`. */
  dependency: string;
  /** Consecutive failed attempts that open the circuit. */
  threshold: number;
  /** How long an open circuit fails fast before one probe call is let through (half-open). */
  halfOpenAfterMs: number;
  /**
   * Told the state once at construction (closed) and on every change after — the port through which
   * `ragops_circuit_breaker_state` is kept, so this library needs no metrics client.
   */
  onStateChange?: (state: BreakerState) => void;
}

/** Errors raised before a request went out, or for a request we cancelled ourselves: they say nothing about the server. */
const local = new WeakSet<AppError>();

export function markLocal(error: AppError): AppError {
  local.add(error);
  return error;
}

/**
 * Whether `error` counts against the dependency: a 5xx or 408, a connection refused or broken, a malformed or
 * stalled response, or the deadline passing while the request was in flight (a slow server and a tight budget look
 * the same from here; one success resets the count, so only a run of them opens the circuit).
 *
 * Not counted: errors raised before anything was sent (the caller's deadline already gone), 4xx (the request was
 * wrong, the server is fine), and 429. A rate limit is the server protecting itself, often per key or per model:
 * it answers, says when to come back, and the retry policy and the gateway already honour that `retry-after`.
 * Opening the circuit would turn one tenant's quota into a 503 for every caller and replace the server's
 * retry-after with ours. In the closed state cockatiel leaves such errors out entirely (no failure, no reset).
 */
export function isDependencyFailure(error: unknown): boolean {
  if (!(error instanceof AppError) || local.has(error)) return false;
  const status = (error.details as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return status >= 500 || status === 408;
  return error.code === 'UNAVAILABLE' || error.code === 'UPSTREAM_FAILED' || error.code === 'DEADLINE_EXCEEDED';
}

/** Open-circuit errors, so metrics can tell them from a server that refused the connection. */
export function isOpenCircuit(error: unknown): boolean {
  return error instanceof AppError && (error.details as { circuit?: unknown } | undefined)?.circuit === 'open';
}

/**
 * One model server's circuit breaker (cockatiel's `circuitBreaker`), shared by every call to it in this process.
 *
 * ConsecutiveBreaker rather than SamplingBreaker: model-server traffic per replica is low and bursty (an LLM call
 * takes seconds), and a SamplingBreaker only opens above a minimum request rate (by default 5 failures a second),
 * so a dead server behind a quiet replica would never trip it; "N failed attempts in a row, any success resets" is
 * also one number an operator can reason about.
 *
 * Each attempt of withDeadlineRetry is one call through the breaker (the retry outside, as cockatiel's
 * `wrap(retry, breaker)`), so retries count, and an open circuit's error is final: never retried. While open,
 * calls fail at once with UNAVAILABLE naming the dependency and when it will be tried again (`retryAfterSeconds`);
 * after `halfOpenAfterMs` the next call is the probe, and its outcome closes or re-opens the circuit (a probe
 * answered with a 4xx or 429 closes it: the server is up). Calls that arrive while the probe runs wait for its
 * verdict (cockatiel's half-open), but never past their own deadline; failing them at once instead would also fail
 * the other batches of a split rerank whose first batch is the probe.
 */
export class DependencyBreaker {
  readonly dependency: string;
  readonly threshold: number;
  readonly halfOpenAfterMs: number;
  private readonly policy: CircuitBreakerPolicy;
  /** Date.now() when the circuit last opened: cockatiel times the open state with Date.now() too. */
  private openedAt = 0;
  /** Whether it last opened because a probe failed (rather than after `threshold` failures in a row). */
  private reopened = false;

  constructor(options: DependencyBreakerOptions) {
    const { dependency, threshold, halfOpenAfterMs, onStateChange } = options;
    if (!dependency) throw new AppError('VALIDATION_FAILED', 'a circuit breaker needs a dependency name');
    for (const [key, value] of [['threshold', threshold], ['halfOpenAfterMs', halfOpenAfterMs]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new AppError('VALIDATION_FAILED', `${dependency} circuit breaker ${key} must be a positive integer, got ${value}`);
    }
    this.dependency = dependency;
    this.threshold = threshold;
    this.halfOpenAfterMs = halfOpenAfterMs;
    this.policy = circuitBreaker(handleWhen(isDependencyFailure), { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(threshold) });
    let previous: BreakerState = 'closed';
    this.policy.onStateChange((state) => {
      if (state === CircuitState.Open) {
        this.openedAt = Date.now();
        this.reopened = previous === 'half_open';
      }
      const name = stateName(state);
      if (!name) return;
      previous = name;
      onStateChange?.(name);
    });
    onStateChange?.('closed');
  }

  get state(): BreakerState {
    return stateName(this.policy.state) ?? 'open';
  }

  /** Runs one attempt through the breaker; `remainingMs` bounds a wait for a probe in flight. */
  async execute<T>(attempt: () => Promise<T>, remainingMs: number): Promise<T> {
    const probing = this.policy.state === CircuitState.HalfOpen;
    try {
      const run = this.policy.execute(() => attempt());
      return await (probing ? this.within(run, remainingMs) : run);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.openError();
      throw error;
    }
  }

  private openError(): AppError {
    const retryAt = this.openedAt + this.halfOpenAfterMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
    const last = this.policy.lastFailure;
    const cause = last && 'error' in last ? last.error : undefined;
    const why = cause instanceof Error ? ` (last: ${cause.message})` : '';
    return markFinal(
      new AppError(
        'UNAVAILABLE',
        `the ${this.dependency} circuit breaker is open ${this.reopened ? 'since its probe call failed' : `after ${this.threshold} consecutive failures`}${why}; calls fail fast without reaching it until ${new Date(retryAt).toISOString()} (in ${retryAfterSeconds} s), when one probe call is let through`,
        { dependency: this.dependency, circuit: 'open', retryAfterSeconds },
        { cause },
      ),
    );
  }

  /** The probe's verdict, or DEADLINE_EXCEEDED once this caller's own time is up (the wait is then abandoned). */
  private within<T>(run: Promise<T>, remainingMs: number): Promise<T> {
    // An abandoned wait still settles later: its attempt then finds the deadline gone and sends nothing.
    run.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(markLocal(new AppError('DEADLINE_EXCEEDED', `the request deadline passed while waiting for the probe call of the ${this.dependency} circuit breaker`))),
        Math.max(0, remainingMs),
      );
    });
    return Promise.race([run, expired]).finally(() => clearTimeout(timer));
  }
}

function stateName(state: CircuitState): BreakerState | undefined {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Isolated:
      // Only reachable through isolate(), which nothing here calls.
      return undefined;
  }
}
