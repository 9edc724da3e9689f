import { migrate, Migration } from '../postgres/migrations';
import { SqlClient } from '../postgres/sql-client';
import {
  AccessAction,
  AccessLog,
  AccessOutcome,
  AccessPage,
  AccessQuery,
  AccessRecord,
  NewAccessRecord,
} from './access-log.port';
import { assertLimit, decodeCursor, newAccessRecord, pageOf } from './access-log-paging';

/**
 * `at` holds the canonical ISO instant, so its text order is time order; the ordering columns
 * compare bytes (COLLATE "C") like the other adapters do, whatever the database's collation.
 * One statement-level trigger refuses UPDATE, DELETE and TRUNCATE, even of no rows.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    name: 'access-log-001-records',
    sql: `
      CREATE TABLE audit_access_log (
        id text COLLATE "C" PRIMARY KEY,
        at text COLLATE "C" NOT NULL,
        key_name text NOT NULL,
        role text NOT NULL,
        route text NOT NULL,
        action text NOT NULL,
        customer_id text COLLATE "C",
        purpose text,
        outcome text NOT NULL,
        status integer NOT NULL,
        details jsonb NOT NULL
      );
      CREATE INDEX audit_access_log_at ON audit_access_log (at, id);
      CREATE INDEX audit_access_log_customer_at ON audit_access_log (customer_id, at, id);
      CREATE FUNCTION audit_access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_access_log is append-only: % refused', TG_OP;
      END
      $$;
      CREATE TRIGGER audit_access_log_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_access_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_access_log_refuse_change()`,
  },
];

interface AccessRow {
  id: string;
  at: string;
  key_name: string;
  role: string;
  route: string;
  action: AccessAction;
  customer_id: string | null;
  purpose: string | null;
  outcome: AccessOutcome;
  status: number;
  details: Record<string, string | number | boolean>;
}

const recordOf = (row: AccessRow): AccessRecord => ({
  id: row.id,
  at: row.at,
  keyName: row.key_name,
  role: row.role,
  route: row.route,
  action: row.action,
  customerId: row.customer_id,
  purpose: row.purpose,
  outcome: row.outcome,
  status: row.status,
  details: row.details,
});

/**
 * The access log in one table of the read models' PostgreSQL database (server or PGlite).
 * The database itself refuses to change or remove a record, whatever the client: only the table's
 * owner (or a superuser) could drop the trigger, and a deployment that wants to rule that out
 * too runs the service as a role that owns nothing here and holds just SELECT and INSERT.
 */
export class PostgresAccessLog implements AccessLog {
  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresAccessLog> {
    await migrate(sql, MIGRATIONS);
    return new PostgresAccessLog(sql);
  }

  async record(entry: NewAccessRecord): Promise<AccessRecord> {
    const record = newAccessRecord(entry);
    await this.sql.query(
      `INSERT INTO audit_access_log
         (id, at, key_name, role, route, action, customer_id, purpose, outcome, status, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
      [
        record.id,
        record.at,
        record.keyName,
        record.role,
        record.route,
        record.action,
        record.customerId,
        record.purpose,
        record.outcome,
        record.status,
        JSON.stringify(record.details),
      ],
    );
    return record;
  }

  async list(query: AccessQuery): Promise<AccessPage> {
    assertLimit(query.limit);
    // Only the conditions asked for, so the planner sees plain range scans of an index.
    const params: unknown[] = [];
    const parameter = (value: unknown) => `$${params.push(value)}`;
    const conditions: string[] = [];
    if (query.customerId !== undefined)
      conditions.push(`customer_id = ${parameter(query.customerId)}`);
    if (query.from !== undefined) conditions.push(`at >= ${parameter(query.from)}`);
    if (query.to !== undefined) conditions.push(`at < ${parameter(query.to)}`);
    if (query.after !== undefined) {
      const after = decodeCursor(query.after);
      conditions.push(`(at, id) > (${parameter(after.at)}, ${parameter(after.id)})`);
    }
    const rows = await this.sql.query<AccessRow>(
      `SELECT * FROM audit_access_log
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY at, id LIMIT ${parameter(query.limit + 1)}`,
      params,
    );
    return pageOf(rows.map(recordOf), query.limit);
  }
}
