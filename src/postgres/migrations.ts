import { SqlClient } from './sql-client';

export interface Migration {
  readonly name: string;
  readonly sql: string;
}

/**
 * Applies each named migration once, in order. The advisory lock keeps two service instances
 * starting together on one PostgreSQL server from racing each other.
 */
export async function migrate(client: SqlClient, migrations: readonly Migration[]): Promise<void> {
  await client.transaction(async (tx) => {
    // First the lock, then even the bookkeeping table: concurrent CREATE TABLE IF NOT EXISTS
    // still collide in PostgreSQL's catalog.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('cle_schema_migrations'))");
    await tx.query(
      'CREATE TABLE IF NOT EXISTS cle_schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM cle_schema_migrations')).map(
        (row) => row.name,
      ),
    );
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO cle_schema_migrations (name) VALUES ($1)', [migration.name]);
    }
  });
}

/** Our migrations hold no string literals or functions with semicolons, so a plain split is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
