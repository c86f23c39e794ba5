import { AppError } from '@ragops/contracts';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '@ragops/telemetry';

/**
 * The life of a service process: start it, log that it is up, stop it cleanly on SIGTERM/SIGINT (Kubernetes
 * sends SIGTERM, then waits the grace period), and exit non-zero with a clear message when it cannot start —
 * a bad configuration names every offending key.
 */
export async function runService(service: string, start: (log: Logger) => Promise<() => Promise<void>>, level: LogLevel = levelFromEnv()): Promise<void> {
  const log = createLogger({ service, level });
  let stop: () => Promise<void>;
  try {
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
    stop().then(
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
function levelFromEnv(): LogLevel {
  const level = process.env.LOG_LEVEL as LogLevel;
  return LOG_LEVELS.includes(level) ? level : 'info';
}
