import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '@ragops/contracts';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/** Reads a file the user named; a missing or unreadable one is bad input that says which option it came from. */
export async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(cause)})`;
    throw new AppError('NOT_FOUND', `${what} ${path}: ${why}`, undefined, { cause });
  }
}

export async function readJsonInput(path: string, what: string): Promise<unknown> {
  const text = await readInput(path, what);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('INVALID_JSON', `${what} ${path}: not valid JSON (${(cause as Error).message})`, undefined, { cause });
  }
}

/** YAML 1.2 (duplicate keys are errors); a syntax error names its line and column. */
export async function readYamlInput(path: string, what: string): Promise<unknown> {
  const text = await readInput(path, what);
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    const detail = cause instanceof YAMLParseError ? cause.message.split('\n')[0].replace(/:$/, '') : String(cause);
    throw new AppError('VALIDATION_FAILED', `${what} ${path}: not valid YAML (${detail})`, undefined, { cause });
  }
}

/** Writes via a temporary file and a rename, so a reader never sees half a file (and a crash leaves the old one). */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
