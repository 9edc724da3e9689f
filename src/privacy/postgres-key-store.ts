import { migrate, Migration } from '../postgres/migrations';
import { SqlClient } from '../postgres/sql-client';
import { ActiveKey, KeyRecord, keyRecordOf, KeyStore, Tombstone } from './key-store.port';
import { WrappedDataKey } from './master-key.port';

const MIGRATIONS: readonly Migration[] = [
  {
    name: 'privacy-001-data-keys',
    sql: `
      CREATE TABLE pii_data_keys (
        customer_id text PRIMARY KEY,
        kid text,
        wrapped text,
        created_at text NOT NULL,
        shredded_at text,
        shred_reason text,
        erasure_event_id text,
        CHECK ((wrapped IS NULL) = (shredded_at IS NOT NULL)),
        CHECK ((wrapped IS NULL) = (kid IS NULL))
      )`,
  },
];

interface KeyRow {
  customer_id: string;
  kid: string | null;
  wrapped: string | null;
  created_at: string;
  shredded_at: string | null;
  shred_reason: string | null;
  erasure_event_id: string | null;
}

const recordOf = (row: KeyRow | undefined): KeyRecord =>
  keyRecordOf(
    row && {
      kid: row.kid,
      wrapped: row.wrapped,
      createdAt: row.created_at,
      shreddedAt: row.shredded_at,
      reason: row.shred_reason,
      erasureEventId: row.erasure_event_id,
    },
  );

/**
 * Data keys in one table of the read models' PostgreSQL database (server or PGlite). Shredding
 * sets the wrapped key to NULL and VACUUMs the table, so the old row version does not linger in
 * the table's pages; the write-ahead log and backups keep it until they are recycled, which is
 * why a retired master key must be destroyed as well (README, "Personal data").
 */
export class PostgresKeyStore implements KeyStore {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresKeyStore> {
    await migrate(sql, MIGRATIONS);
    return new PostgresKeyStore(sql);
  }

  async find(customerId: string): Promise<KeyRecord> {
    const [row] = await this.sql.query<KeyRow>(
      'SELECT * FROM pii_data_keys WHERE customer_id = $1',
      [customerId],
    );
    return recordOf(row);
  }

  async create(customerId: string, key: WrappedDataKey): Promise<KeyRecord> {
    await this.sql.query(
      `INSERT INTO pii_data_keys (customer_id, kid, wrapped, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id) DO NOTHING`,
      [customerId, key.kid, key.wrapped, new Date().toISOString()],
    );
    return this.find(customerId);
  }

  async shred(customerId: string, tombstone: Tombstone): Promise<void> {
    const rows = await this.sql.query(
      `INSERT INTO pii_data_keys
         (customer_id, kid, wrapped, created_at, shredded_at, shred_reason, erasure_event_id)
       VALUES ($1, NULL, NULL, $2, $2, $3, $4)
       ON CONFLICT (customer_id) DO UPDATE
         SET kid = NULL, wrapped = NULL, shredded_at = $2, shred_reason = $3, erasure_event_id = $4
         WHERE pii_data_keys.wrapped IS NOT NULL
       RETURNING customer_id`,
      [customerId, tombstone.shreddedAt, tombstone.reason, tombstone.erasureEventId],
    );
    // The old row version held the wrapped key: reclaim it now rather than at autovacuum's leisure.
    if (rows.length > 0) await this.sql.query('VACUUM pii_data_keys');
  }

  async rewrap(customerId: string, from: WrappedDataKey, to: WrappedDataKey): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE pii_data_keys SET kid = $3, wrapped = $4
       WHERE customer_id = $1 AND wrapped = $2 RETURNING customer_id`,
      [customerId, from.wrapped, to.kid, to.wrapped],
    );
    return rows.length === 1;
  }

  async listActive(afterCustomerId: string | undefined, limit: number): Promise<ActiveKey[]> {
    const rows = await this.sql.query<KeyRow>(
      `SELECT * FROM pii_data_keys
       WHERE wrapped IS NOT NULL AND ($1::text IS NULL OR customer_id COLLATE "C" > $1)
       ORDER BY customer_id COLLATE "C" LIMIT $2`,
      [afterCustomerId ?? null, limit],
    );
    return rows.map((row) => ({
      customerId: row.customer_id,
      key: { kid: row.kid!, wrapped: row.wrapped! },
    }));
  }

  async counts() {
    const [row] = await this.sql.query<{ active: string | number; shredded: string | number }>(
      `SELECT count(*) FILTER (WHERE wrapped IS NOT NULL) AS active,
              count(*) FILTER (WHERE wrapped IS NULL) AS shredded
       FROM pii_data_keys`,
    );
    return { active: Number(row.active), shredded: Number(row.shredded) };
  }
}
