import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerHandle {
  url: string;
  /** Stops the server abruptly (SIGKILL) and restarts it on the same port and store: for outage tests. */
  stop(): Promise<void>;
}

/**
 * Starts a private nats-server (JetStream on, random port, throwaway store) for one suite. Request/reply
 * subjects are fixed by the contracts, so suites that run service replicas get their own server instead of
 * sharing the machine's — no cross-talk with another suite or a developer's running platform.
 */
export async function startNatsServer(bin = process.env.NATS_SERVER_BIN ?? 'nats-server'): Promise<NatsServerHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'ragops-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', join(dir, 'js'), '--ports_file_dir', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`cannot start ${bin} (install the nats-server package): ${e.message}`))),
  );

  const url = await Promise.race([spawnError, waitForPortsFile(dir, () => stderr)]);
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPortsFile(dir: string, stderr: () => string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const file = (await readdir(dir)).find((f) => f.endsWith('.ports'));
    if (file) {
      const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats: string[] };
      return ports.nats[0];
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not start: ${stderr()}`);
}
