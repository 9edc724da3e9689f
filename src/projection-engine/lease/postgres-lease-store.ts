import { migrate } from '../../postgres/migrations';
import { SqlClient } from '../../postgres/sql-client';
import { LeaseStore } from './lease.port';

/** Leases in a table; expiry is measured on the database's clock, so instances' clocks don't matter. */
export class PostgresLeaseStore implements LeaseStore {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresLeaseStore> {
    await migrate(sql, [
      {
        name: 'leases-001',
        sql: `CREATE TABLE projection_leases (
                name text PRIMARY KEY,
                owner text NOT NULL,
                expires_at timestamptz NOT NULL
              )`,
      },
    ]);
    return new PostgresLeaseStore(sql);
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO projection_leases AS lease (name, owner, expires_at)
         VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
         WHERE lease.owner = EXCLUDED.owner OR lease.expires_at <= clock_timestamp()
       RETURNING owner`,
      [name, owner, ttlMs],
    );
    return rows.length === 1;
  }

  async takeOver(name: string, owner: string, ttlMs: number, previousOwner: string) {
    const rows = await this.sql.query(
      `UPDATE projection_leases
          SET owner = $2, expires_at = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE name = $1 AND owner = $4
       RETURNING owner`,
      [name, owner, ttlMs, previousOwner],
    );
    // Released meanwhile: then it is free to take the usual way.
    return rows.length === 1 || this.acquire(name, owner, ttlMs);
  }

  async release(name: string, owner: string): Promise<void> {
    await this.sql.query('DELETE FROM projection_leases WHERE name = $1 AND owner = $2', [
      name,
      owner,
    ]);
  }

  async holder(name: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ owner: string }>(
      'SELECT owner FROM projection_leases WHERE name = $1 AND expires_at > clock_timestamp()',
      [name],
    );
    return row?.owner;
  }

  async holders(prefix: string): Promise<ReadonlyMap<string, string>> {
    // starts_with, not LIKE: a prefix may hold % or _.
    const rows = await this.sql.query<{ name: string; owner: string }>(
      `SELECT name, owner FROM projection_leases
        WHERE starts_with(name, $1) AND expires_at > clock_timestamp() ORDER BY name`,
      [prefix],
    );
    return new Map(rows.map((row) => [row.name, row.owner]));
  }
}
