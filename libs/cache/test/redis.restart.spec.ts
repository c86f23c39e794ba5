import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { RedisCache } from '../src/redis.cache.js';

// A private, throwaway redis-server (no persistence) that the tests kill, freeze and restart; the machine's
// shared Redis is never touched here.
let port: number;
let server: ChildProcess | undefined;
let cache: RedisCache;
const keyPrefix = `ragops-test-restart-${randomUUID()}`;
const ttl = { ttlMs: 60_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function startServer(): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  server = child;
  const deadline = Date.now() + 5_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (port ${port} taken?)`);
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not accept connections within 5 s`);
    await sleep(25);
  }
}

async function killServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL'); // kills a frozen (SIGSTOPped) server too, without letting it answer first
  await exited;
  server = undefined;
}

/** Time a call takes to settle and its AppError code ('ok' when it resolved). */
async function settle(call: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const code = await call().then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : `not an AppError: ${String(e)}`),
  );
  return { code, ms: Date.now() - started };
}

/** Polls until the cache answers again, for at most `withinMs`. */
async function waitUntilServing(withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await settle(() => cache.health())).code === 'ok') return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`cache did not serve again within ${withinMs} ms`);
}

beforeAll(async () => {
  port = await freePort();
  await startServer();
  cache = await RedisCache.connect({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 300,
    maxReconnectDelayMs: 200,
  });
});

afterAll(async () => {
  await cache?.close();
  await killServer();
});

describe('RedisCache when its Redis dies and comes back', () => {
  it('rejects with UNAVAILABLE within a second while Redis is down, then reconnects by itself', async () => {
    await cache.set('s', 'k', 'before', ttl);
    expect(await cache.get('s', 'k')).toBe('before');

    await killServer();
    // Several rounds, so both "just dropped" and "between reconnect attempts" are covered.
    for (let round = 0; round < 5; round++) {
      for (const call of [() => cache.get('s', 'k'), () => cache.set('s', 'k', 'v', ttl), () => cache.invalidateTag('s', 't'), () => cache.health()]) {
        const { code, ms } = await settle(call);
        expect(code).toBe('UNAVAILABLE');
        expect(ms).toBeLessThan(1_000);
      }
      await sleep(100);
    }

    await startServer();
    const reconnectMs = await waitUntilServing(5_000);
    expect(reconnectMs).toBeLessThan(2_000); // backoff is capped at 200 ms here
    expect(await cache.get('s', 'k')).toBeUndefined(); // the private server keeps nothing across restarts
    await cache.set('s', 'k', 'after', { ...ttl, tags: ['t'] });
    expect(await cache.get('s', 'k')).toBe('after');
    expect(await cache.invalidateTag('s', 't')).toBe(1);
  });

  it('rejects a call in flight when the server dies, instead of holding it for a reconnect', async () => {
    await waitUntilServing(5_000);
    server!.kill('SIGSTOP'); // the next command is sent but never answered…
    const inFlight = settle(() => cache.get('s', 'k'));
    await sleep(50);
    await killServer(); // …until the connection drops under it
    const { code, ms } = await inFlight;
    expect(code).toBe('UNAVAILABLE');
    expect(ms).toBeLessThan(1_000);
    await startServer();
    await waitUntilServing(5_000);
  });

  it('times out on a frozen server with UNAVAILABLE and stays in step once it resumes', async () => {
    await waitUntilServing(5_000);
    await cache.set('s', 'frozen', 'v1', ttl);
    server!.kill('SIGSTOP');
    const { code, ms } = await settle(() => cache.get('s', 'frozen'));
    server!.kill('SIGCONT');
    expect(code).toBe('UNAVAILABLE');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1_000);
    // The late reply to the timed-out GET must not be mistaken for the answer to a later command.
    await cache.set('s', 'frozen', 'v2', ttl);
    expect(await cache.get('s', 'frozen')).toBe('v2');
    await cache.set('s', 'other', 'o', ttl);
    expect(await cache.get('s', 'other')).toBe('o');
  });
});

function accepts(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
  });
}
