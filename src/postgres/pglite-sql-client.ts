import { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { mkdirSync, fsyncSync } from 'node:fs';
import { SqlClient, SqlQueryable } from './sql-client';

type Filesystem = NonNullable<PGliteOptions['fs']>;
type EmscriptenOptions = Awaited<ReturnType<Filesystem['init']>>['emscriptenOpts'];

/** The part of PGlite's Emscripten module the durable file system touches. */
interface EmscriptenModule {
  readonly NODEFS: {
    readonly stream_ops: { fsync?: (stream: { readonly nfd: number }) => number };
  };
}

// PGlite's Node file system is a subpath export that TypeScript's "node" resolution cannot see.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NodeFS } = require('@electric-sql/pglite/nodefs') as {
  NodeFS: new (dataDir: string) => Filesystem;
};

/**
 * PGlite, as shipped, acknowledges a commit before it reaches the disk: it starts PostgreSQL with
 * `-F` (fsync off), and Emscripten's Node file system has no fsync (its `fdatasync` is a no-op).
 * Durable mode turns fsync back on, makes the WAL flush with fsync() (the one call Emscripten
 * routes to the file system), and gives that file system a real `fs.fsyncSync`. Then a commit
 * returns only after its WAL record is on stable storage, as on a PostgreSQL server.
 */
const DURABLE_START_PARAMS = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'fsync=on',
  '-c',
  'wal_sync_method=fsync',
];

export interface PgliteOpenOptions {
  /** fsync every commit (default); false trades host-crash durability for speed. */
  readonly durable?: boolean;
}

/**
 * Embedded PostgreSQL (WASM). One instance per data directory per process: PGlite is
 * single-connection, so it serialises transactions itself.
 */
export class PgliteSqlClient implements SqlClient {
  readonly kind = 'pglite' as const;
  private constructor(
    private readonly db: PGlite,
    private readonly synced: { count: number },
  ) {}

  /** fsync calls the database made (durable mode): each commit makes at least one. */
  get fsyncs(): number {
    return this.synced.count;
  }

  /** `dataDir` undefined keeps everything in memory (tests). */
  static async open(dataDir?: string, options: PgliteOpenOptions = {}): Promise<PgliteSqlClient> {
    const synced = { count: 0 };
    if (!dataDir) return PgliteSqlClient.started(new PGlite(), synced);
    mkdirSync(dataDir, { recursive: true });
    if (options.durable === false) return PgliteSqlClient.started(new PGlite(dataDir), synced);
    const fs = durableNodeFs(dataDir, () => synced.count++);
    return PgliteSqlClient.started(new PGlite({ fs, startParams: DURABLE_START_PARAMS }), synced);
  }

  private static async started(db: PGlite, synced: { count: number }): Promise<PgliteSqlClient> {
    await db.waitReady;
    return new PgliteSqlClient(db, synced);
  }

  async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.db.query<R>(sql, params as unknown[]);
    return result.rows;
  }

  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      work({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
      }),
    );
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, () => onNotify());
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

const WASI_EIO = 29;
const WASI_ENOSPC = 51;

/** PGlite's Node file system with a real fsync. */
function durableNodeFs(dataDir: string, onSync: () => void): Filesystem {
  const fs = new NodeFS(dataDir);
  const init = fs.init.bind(fs);
  fs.init = async (pg, emscriptenOptions) => {
    const result = await init(pg, emscriptenOptions);
    const options: EmscriptenOptions = result.emscriptenOpts;
    const preRun = [options.preRun ?? []].flat();
    const withFsync = (module: EmscriptenModule) => {
      module.NODEFS.stream_ops.fsync = (stream) => {
        try {
          fsyncSync(stream.nfd);
        } catch (error) {
          // PostgreSQL answers a failed fsync with a PANIC rather than trust the page cache.
          return (error as NodeJS.ErrnoException).code === 'ENOSPC' ? WASI_ENOSPC : WASI_EIO;
        }
        onSync();
        return 0;
      };
    };
    return { emscriptenOpts: { ...options, preRun: [...preRun, withFsync] } as EmscriptenOptions };
  };
  return fs;
}
