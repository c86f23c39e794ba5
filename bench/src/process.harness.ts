import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Child processes of one benchmark run: a private nats-server, service processes, the all-in-one process. Every
 * child is tracked and stopped by its own pid when the run ends (also on Ctrl-C), so a run leaves nothing behind
 * and never touches the machine's shared NATS on :4222.
 */
export interface ChildHandle {
  name: string;
  pid: number;
  /** The last 8 KiB of stderr (and stdout), for error messages. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs` (default 10 s: NATS services drain for up to 5 s). */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<ChildHandle>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Last resort when the run is interrupted: synchronous kills only (an exit handler cannot await).
  process.once('exit', () => {
    for (const c of children) if (!c.exited()) process.kill(c.pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function spawnChild(name: string, command: string, args: string[], env: Record<string, string>, cwd?: string): ChildHandle {
  hookExit();
  const child: ChildProcess = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} ${args.join(' ')}`);
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      done = true;
      resolve();
    }),
  );
  const handle: ChildHandle = {
    name,
    pid: child.pid,
    output: () => tail,
    exited: () => done,
    async stop(graceMs = 10_000) {
      children.delete(handle);
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => !done && child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  children.add(handle);
  return handle;
}

/** Stops every tracked child, services before the NATS server they use. */
export async function stopAll(): Promise<void> {
  const list = [...children].reverse();
  for (const c of list) await c.stop();
}

/** A minimal environment: nothing from the caller's shell (PORT, NATS_URL, …) leaks into a measured process. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'NODE_EXTRA_CA_CERTS']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  return { ...env, ...extra };
}

export interface PrivateNats {
  url: string;
  handle: ChildHandle;
  stop(): Promise<void>;
}

/** A nats-server with JetStream on a random loopback port and a throwaway store (as libs/testing's harness). */
export async function startPrivateNats(bin = 'nats-server'): Promise<PrivateNats> {
  const dir = await mkdtemp(join(tmpdir(), 'ragops-bench-nats-'));
  const handle = spawnChild('nats-server', bin, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', join(dir, 'js'), '--ports_file_dir', dir], cleanEnv({}));
  for (let i = 0; i < 200; i++) {
    const file = (await readdir(dir)).find((f) => f.endsWith('.ports'));
    if (file) {
      const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats: string[] };
      return {
        url: ports.nats[0]!,
        handle,
        async stop() {
          await handle.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (handle.exited()) break;
    await sleep(50);
  }
  await handle.stop();
  throw new Error(`nats-server did not start: ${handle.output()}`);
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls GET /readyz until 200; fails early with the output of any watched child that died. */
export async function waitForReady(baseUrl: string, watched: ChildHandle[], timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < timeoutMs) {
    const dead = watched.find((c) => c.exited());
    if (dead) throw new Error(`${dead.name} exited while starting:\n${dead.output()}`);
    try {
      const res = await fetch(new URL('/readyz', baseUrl));
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return performance.now() - started;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${baseUrl}/readyz not ready after ${timeoutMs} ms (last: ${last})\n${watched.map((c) => `--- ${c.name}\n${c.output()}`).join('\n')}`);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux; clock ticks of 1/100 s,
 * the kernel's USER_HZ on x86-64). Sampled before and after a load run, the difference is that process's share.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
