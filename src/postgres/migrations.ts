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

/**
 * A semicolon, or the opening tag of a dollar-quoted body (`$$` or `$name$`). A `$` right after
 * an identifier character is part of the identifier, and `$1` is a parameter, not a tag.
 */
const STATEMENT_TOKEN = /;|(?<![\w$])\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/g;

/**
 * Splits a migration into statements at its semicolons, except inside dollar-quoted bodies
 * (`$$ ... $$`, `$fn$ ... $fn$`: function and trigger bodies), which are kept whole up to their
 * closing tag. Quoted strings and comments are not parsed: our migrations hold no semicolon in
 * either (write such a literal dollar-quoted). Without a dollar quote this is a plain split.
 */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  const token = new RegExp(STATEMENT_TOKEN);
  let start = 0;
  for (let match = token.exec(sql); match; match = token.exec(sql)) {
    if (match[0] === ';') {
      statements.push(sql.slice(start, match.index));
      start = token.lastIndex;
      continue;
    }
    // A dollar-quoted body: only its own closing tag ends it.
    const close = sql.indexOf(match[0], token.lastIndex);
    if (close < 0) throw new Error(`unterminated dollar quote ${match[0]} in a migration`);
    token.lastIndex = close + match[0].length;
  }
  statements.push(sql.slice(start));
  return statements
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
