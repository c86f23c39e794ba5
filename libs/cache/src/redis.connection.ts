import { AppError } from '@ragops/contracts';
import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host:port[/db]`. */
  url: string;
  /** How long opening waits for the first connection, and the TCP connect timeout of each reconnect. Default 2000. */
  connectTimeoutMs?: number;
  /** Deadline of each Redis command; past it the call rejects. Default 500. */
  commandTimeoutMs?: number;
  /** Cap of the exponential reconnect backoff (50 ms, 100 ms, … up to this). Default 2000. */
  maxReconnectDelayMs?: number;
  /**
   * Receives connection errors (refused, reset, …) for logging. Calls already report them;
   * without a listener ioredis would print them to the console.
   */
  onError?: (error: Error) => void;
}

/**
 * An ioredis client that never queues: with the offline queue off and no per-request retries, a command issued
 * while Redis is down rejects at once, and one in flight when the connection drops rejects when it closes.
 * Reconnection runs in the background with capped exponential backoff, so commands succeed again as soon as
 * Redis is back. Resolves once the first connection is ready; rejects with UNAVAILABLE otherwise.
 */
export async function openRedis(options: RedisConnectionOptions, role: string): Promise<{ redis: Redis; where: string }> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 500;
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const where = redactUrl(options.url);
  const redis = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // ioredis arms this timer on every disconnect, even of a socket already closed; its 2 s default would hold
    // the process open that long after close() whenever Redis was down.
    disconnectTimeout: commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 20), maxDelay),
    lazyConnect: false,
  });
  redis.on('error', (error: Error) => options.onError?.(error));
  try {
    await waitUntilReady(redis, connectTimeoutMs);
  } catch (cause) {
    redis.disconnect();
    throw new AppError(
      'UNAVAILABLE',
      `${role} at ${where} did not become ready within ${connectTimeoutMs} ms: check that Redis is running and the url is right`,
      { backend: 'redis' },
      { cause },
    );
  }
  return { redis, where };
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  // Not events.once: it rejects on the first 'error', while a refused attempt here is retried until the timeout.
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/** The address without credentials, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparseable url)';
  }
}
