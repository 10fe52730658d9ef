import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ChaserError, ExitCode } from '../exit-codes.js';

/**
 * Writes a file under a temporary name beside it, then renames it into place: a reader never
 * sees half a file, and a failure leaves nothing behind. Returns the absolute path.
 */
export async function writeFileAtomically(cwd: string, target: string, content: string): Promise<string> {
  const path = resolve(cwd, target);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, path);
    return path;
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw fileError(error, path);
  }
}

/** A file-system error the user can fix, as a usage error (64) naming the path and the fix. */
export function fileError(error: unknown, path: string): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOENT: 'its directory does not exist',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'it is a directory',
    ENOSPC: 'no space left on the device',
    EEXIST: 'it already exists',
  };
  if (typeof code !== 'string' || !(code in why)) return error;
  return new ChaserError(ExitCode.usage, `cannot write ${path}: ${why[code]}`, [
    'fix: choose a path you can write to (the directory must exist)',
  ]);
}
