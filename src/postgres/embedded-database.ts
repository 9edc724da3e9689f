import { existsSync, mkdirSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StartupError } from '../config/startup-error';
import { DataDirLock, describe } from './data-dir-lock';
import { PgliteSqlClient } from './pglite-sql-client';

/** A new embedded database takes about 40 MB (one 16 MB WAL segment included). */
export const NEW_DATABASE_BYTES = 64 * 1024 * 1024;
/** Opening an existing one writes WAL and a checkpoint before anything else. */
export const OPEN_DATABASE_BYTES = 16 * 1024 * 1024;

/** WASI error numbers PGlite's file system reports, in words. */
const WASI_ERRNO: Record<number, string> = {
  2: 'permission denied',
  51: 'no space left on the volume',
  63: 'operation not permitted',
  69: 'the file system is read-only',
};

export interface EmbeddedDatabase {
  /** The data folder, absolute. */
  readonly folder: string;
  readonly client: PgliteSqlClient;
  /** Held until the process ends or `close()`. */
  readonly lock: DataDirLock;
  close(): Promise<void>;
}

/**
 * Opens the embedded database in `DATA_DIR/pglite`, after making sure this process may and can:
 * the folder is ours alone (DataDirLock), writable, holds a PGlite database or nothing, and its
 * volume has room to start. Each refusal is one StartupError naming the folder and the cause.
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  options: { readonly durable: boolean },
): Promise<EmbeddedDatabase> {
  const folder = resolve(dataDir);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new StartupError(`DATA_DIR ${folder}: cannot create the folder: ${describe(error)}`);
  }
  const lock = DataDirLock.acquire(folder);
  try {
    const pgdata = join(folder, 'pglite');
    const fresh = checkContents(folder, pgdata);
    checkRoom(folder, fresh);
    const client = await openClient(folder, pgdata, options.durable);
    return {
      folder,
      client,
      lock,
      async close() {
        await client.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** True for a new database; refuses a folder that holds something else. */
function checkContents(folder: string, pgdata: string): boolean {
  if (!existsSync(pgdata)) return true;
  let entries: string[];
  try {
    entries = readdirSync(pgdata);
  } catch (error) {
    throw new StartupError(`DATA_DIR ${folder}: cannot read pglite/: ${describe(error)}`);
  }
  if (entries.length === 0) return true;
  if (!entries.includes('PG_VERSION')) {
    throw new StartupError(
      `DATA_DIR ${folder}: pglite/ holds files that are not an embedded database (no PG_VERSION); ` +
        'point DATA_DIR at an empty folder or at one this service created',
    );
  }
  return false;
}

function checkRoom(folder: string, fresh: boolean): void {
  const free = volumeSpace(folder)?.free;
  if (free === undefined) return;
  const needed = fresh ? NEW_DATABASE_BYTES : OPEN_DATABASE_BYTES;
  if (free >= needed) return;
  throw new StartupError(
    fresh
      ? `DATA_DIR ${folder}: only ${megabytes(free)} free on its volume; a new embedded database needs about ${megabytes(NEW_DATABASE_BYTES)}`
      : `DATA_DIR ${folder}: its volume is full (${megabytes(free)} free, ${megabytes(needed)} needed to open the database); free some space, then start again`,
  );
}

async function openClient(
  folder: string,
  pgdata: string,
  durable: boolean,
): Promise<PgliteSqlClient> {
  try {
    return await PgliteSqlClient.open(pgdata, { durable });
  } catch (error) {
    const errno = (error as { errno?: unknown }).errno;
    const cause =
      typeof errno === 'number' && WASI_ERRNO[errno]
        ? WASI_ERRNO[errno]
        : describe(error).replace(/\s+/g, ' ');
    const version = pgVersion(pgdata);
    throw new StartupError(
      `DATA_DIR ${folder}: the embedded database did not open: ${cause}` +
        (version ? ` (its files were written by PostgreSQL ${version})` : ''),
    );
  }
}

function pgVersion(pgdata: string): string | undefined {
  try {
    return readFileSync(join(pgdata, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The folder's volume: bytes free for an unprivileged writer, and its size; undefined where unknown. */
export function volumeSpace(folder: string): { free: number; total: number } | undefined {
  try {
    const stats = statfsSync(folder);
    return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
  } catch {
    return undefined;
  }
}

export const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
