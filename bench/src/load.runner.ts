import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.types.js';

const worker = fileURLToPath(new URL('./load.worker.js', import.meta.url));

/** Runs one autocannon load in a child process (see load.worker.ts) and returns its measurements. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const limitMs = (spec.warmup + spec.duration + 30) * 1000;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, JSON.stringify(spec)], { timeout: limitMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`load worker failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as LoadResult);
      } catch (e) {
        reject(new Error(`load worker printed no result: ${(e as Error).message}\n${stdout}\n${stderr}`));
      }
    });
  });
}
