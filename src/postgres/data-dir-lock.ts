import { tryLock, unlock } from 'fs-native-extensions';
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../config/startup-error';

export const LOCK_FILE = '.lock';

/** What the holder writes into the lock file, so that a refused process can name it. */
interface Holder {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}

/**
 * One owner per data folder. An OS lock (an open-file-description lock, `fcntl(F_OFD_SETLK)`, on
 * Linux; `flock` on macOS; `LockFileEx` on Windows, all through `fs-native-extensions`) on
 * `<folder>/.lock`, held for the life of the process. The kernel drops it when the process
 * dies, however it dies, so a restart after SIGKILL takes the folder at once, with no stale-lock
 * guessing. The file's content (pid, host, since) only serves the refusal message.
 */
export class DataDirLock {
  private constructor(
    readonly folder: string,
    private fd: number | undefined,
  ) {}

  /** Takes the folder, or throws a StartupError naming the process that holds it. */
  static acquire(folder: string): DataDirLock {
    const path = join(folder, LOCK_FILE);
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (error) {
      throw new StartupError(`DATA_DIR ${folder}: cannot open ${LOCK_FILE}: ${describe(error)}`);
    }
    if (!tryLock(fd)) {
      closeSync(fd);
      throw new StartupError(
        `DATA_DIR ${folder} is in use by ${holderOf(path)}; one process owns a data folder: ` +
          'stop that one first, or give this one its own DATA_DIR',
      );
    }
    const holder: Holder = {
      pid: process.pid,
      hostname: hostname(),
      since: new Date().toISOString(),
    };
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
      fsyncSync(fd);
    } catch (error) {
      unlock(fd);
      closeSync(fd);
      throw new StartupError(`DATA_DIR ${folder}: cannot write ${LOCK_FILE}: ${describe(error)}`);
    }
    return new DataDirLock(folder, fd);
  }

  release(): void {
    if (this.fd === undefined) return;
    unlock(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function holderOf(path: string): string {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return `process ${holder.pid} on ${holder.hostname} (since ${holder.since})`;
  } catch {
    return 'another process';
  }
}

/** A file-system error in words: "read-only file system", "permission denied", ... */
export function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on the volume',
    ENOTDIR: 'a path component is not a folder',
    EDQUOT: 'disk quota exceeded',
  };
  return (code && words[code]) ?? (error as Error).message;
}
