import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `parts` so that a crash at any moment leaves either the old file or the new one, never a
 * mix: write a temporary file beside it, fsync it, rename it over the target (atomic on POSIX within one file
 * system), then fsync the directory so the rename itself survives a power cut. The temporary file is removed if
 * anything fails before the rename.
 */
export async function writeFileAtomic(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(tmp, 'wx', 0o644);
    try {
      // writeFile on a handle writes from the current position and loops over partial writes.
      for (const part of parts) await file.writeFile(part);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
