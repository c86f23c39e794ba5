import { type DestinationStream, type Logger, type LevelWithSilent, pino } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** Stamped on every line as `service`, so one log pipeline can hold every service's output. */
  service: string;
  /** From the service's config; `silent` in tests. */
  level: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * One JSON line per event (pino). Errors go under `err` so pino's serializer keeps message, stack and cause.
 * Timestamps stay epoch ms (pino's default): the cheapest to produce, and every log pipeline parses them.
 */
export function createLogger(options: LoggerOptions): Logger {
  const opts = { level: options.level, base: { service: options.service } };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
