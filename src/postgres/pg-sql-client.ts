import { hostname } from 'node:os';
import { Pool, PoolClient } from 'pg';
import { SqlClient, SqlQueryable } from './sql-client';

/** A PostgreSQL server through a `pg` connection pool. */
export class PgSqlClient implements SqlClient {
  readonly kind = 'postgres' as const;
  private listener?: PoolClient;
  private readonly channels = new Map<string, Set<() => void>>();

  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string, maxConnections = 20): Promise<PgSqlClient> {
    // Names the process in pg_stat_activity (an application_name in the URL wins).
    const pool = new Pool({
      connectionString,
      max: maxConnections,
      application_name: `cle:${hostname()}:${process.pid}`,
    });
    // An idle pooled connection that the server drops is replaced on next use; without a
    // listener the pool's 'error' event would crash the process.
    pool.on('error', () => undefined);
    // Fail at start-up with the server's own message rather than on the first request.
    const probe = await pool.connect();
    probe.release();
    return new PgSqlClient(pool);
  }

  /** One statement on a connection of its own, outside any transaction (CREATE/DROP DATABASE). */
  static async runAlone(connectionString: string, statement: string): Promise<void> {
    const client = await PgSqlClient.connect(connectionString, 1);
    try {
      await client.query(statement);
    } finally {
      await client.close();
    }
  }

  async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as R[];
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection the server ends while the transaction's work runs between two queries
    // emits 'error' with no listener (the pool listens only to idle clients), which would end
    // the process; the next query fails with the cause instead.
    client.on('error', ignoreError);
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignoreError);
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  /** All LISTENs share one dedicated connection. */
  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    if (!this.listener) {
      this.listener = await this.pool.connect();
      this.listener.on('error', ignoreError);
      this.listener.on('notification', (message) =>
        this.channels.get(message.channel)?.forEach((callback) => callback()),
      );
    }
    let callbacks = this.channels.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.channels.set(channel, callbacks);
      await this.listener.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    }
    callbacks.add(onNotify);
    return async () => {
      callbacks.delete(onNotify);
    };
  }

  async close(): Promise<void> {
    this.listener?.release();
    this.listener = undefined;
    await this.pool.end();
  }
}

const ignoreError = (): void => undefined;
