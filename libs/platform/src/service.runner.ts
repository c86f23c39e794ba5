import { AppError } from '@ragops/contracts';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel, startTracing, type TracingHandle } from '@ragops/telemetry';

/**
 * The life of a service process: start it, log that it is up, stop it cleanly on SIGTERM/SIGINT (Kubernetes
 * sends SIGTERM, then waits the grace period), and exit non-zero with a clear message when it cannot start —
 * a bad configuration names every offending key.
 *
 * Tracing starts first (OTEL_* variables, off without an exporter), so the service's very first request is traced;
 * on stop, buffered spans are flushed after the service has drained.
 */
export async function runService(service: string, start: (log: Logger) => Promise<() => Promise<void>>, level: LogLevel = levelFromEnv()): Promise<void> {
  const log = createLogger({ service, level });
  let stop: () => Promise<void>;
  let tracing: TracingHandle | undefined;
  try {
    tracing = await startTracing(service, process.env, { log });
    if (tracing.enabled) {
      const { exporters, sampler, protocol, serviceName } = tracing.settings;
      log.info({ exporters, sampler, protocol, serviceName }, 'tracing on');
    }
    stop = await start(log);
  } catch (err) {
    const message = err instanceof AppError ? err.message : `cannot start: ${(err as Error)?.message ?? String(err)}`;
    log.fatal({ err }, message);
    process.stderr.write(`ragops ${service}: ${message}\n`);
    process.exit(1);
  }
  log.info('started');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'unclean stop');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

// The one place a service reads the log level before its config is validated (so start-up errors are logged).
// Tracing reads its OTEL_* variables from process.env in runService too: they are the SDK's standard, not a service's.
function levelFromEnv(): LogLevel {
  const level = process.env.LOG_LEVEL as LogLevel;
  return LOG_LEVELS.includes(level) ? level : 'info';
}
