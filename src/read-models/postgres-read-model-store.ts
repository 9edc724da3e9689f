import { migrate, Migration } from '../postgres/migrations';
import { pgErrorCode, SqlClient, SqlQueryable } from '../postgres/sql-client';
import {
  assertCollectionName,
  ID_FIELD,
  resolveField,
  sameIndexedFields,
  validatedSpec,
} from './collection-spec';
import { assertCheckpoint, normalVersion, planWrites } from './document-writes';
import { FindPlan, pageOf, planFind, planWhere, Predicate } from './find-plan';
import {
  Checkpoint,
  CollectionInUseError,
  CollectionSpec,
  CollectionSpecConflictError,
  DocumentWrite,
  FindQuery,
  IndexedField,
  IndexedFieldType,
  Page,
  ReadModelStore,
  StoredDocument,
  UnknownCollectionError,
  Where,
  WriteResult,
} from './read-model-store.port';

const MIGRATIONS: readonly Migration[] = [
  {
    name: 'read-models-001-catalog',
    sql: `
      CREATE TABLE read_model_collections (
        name text PRIMARY KEY,
        indexed_fields jsonb NOT NULL
      );
      CREATE TABLE read_model_checkpoints (
        name text PRIMARY KEY,
        position bigint NOT NULL
      );
      CREATE TABLE read_model_active_collections (
        logical text PRIMARY KEY,
        physical text NOT NULL REFERENCES read_model_collections (name)
      )`,
  },
];

const PG_UNDEFINED_TABLE = '42P01';
const PG_FOREIGN_KEY_VIOLATION = '23503';

const SQL_TYPES: Readonly<Record<IndexedFieldType, string>> = {
  string: 'text',
  number: 'numeric',
  boolean: 'boolean',
};

interface DocumentRow {
  id: string;
  /** bigint, read as text: PGlite would round one beyond 2^53 to a number. */
  version: string;
  body: Record<string, unknown>;
}

const toDocument = (row: DocumentRow): StoredDocument => ({
  id: row.id,
  version: normalVersion(row.version),
  body: row.body,
});

/** Collections are validated names (`[a-z][a-z0-9_]*`), so they are safe to splice into SQL. */
const tableOf = (collection: string): string => `rm_${collection}`;

/**
 * The SQL expression an indexed field is read with. Queries repeat it verbatim so the planner
 * matches the expression index. Strings use the "C" collation: code point order whatever the
 * database's locale, like MongoDB. Paths are validated identifiers, safe to splice.
 */
function expressionOf(field: IndexedField): string {
  if (field === ID_FIELD) return 'id';
  const path = `'{${field.path.split('.').join(',')}}'`;
  return field.type === 'string'
    ? `((body #>> ${path}) COLLATE "C")`
    : `((body #>> ${path})::${SQL_TYPES[field.type]})`;
}

/** Collects positional parameters, each cast so PostgreSQL never has to guess its type. */
class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

function conditionOf(predicate: Predicate, parameters: Parameters): string {
  const expression = expressionOf(predicate.field);
  const type = SQL_TYPES[predicate.field.type];
  switch (predicate.kind) {
    case 'null':
      return `${expression} IS NULL`;
    case 'in': {
      const any = `${expression} = ANY(${parameters.add(predicate.values, `${type}[]`)})`;
      return predicate.orNull ? `(${any} OR ${expression} IS NULL)` : any;
    }
    case 'compare':
      return `${expression} ${predicate.operator} ${parameters.add(predicate.value, type)}`;
  }
}

/**
 * Rows strictly after the cursor in (sort value, id) order, null sorting first ascending and
 * last descending, as the (expression NULLS FIRST, id) indexes are laid out.
 */
function keysetOf(plan: FindPlan, parameters: Parameters): string | undefined {
  if (!plan.after) return undefined;
  const id = parameters.add(plan.after.id, 'text');
  const ascending = plan.direction === 'asc';
  if (plan.sortField === ID_FIELD) return `id ${ascending ? '>' : '<'} ${id}`;
  const expression = expressionOf(plan.sortField);
  if (plan.after.value === null) {
    return ascending
      ? `(${expression} IS NOT NULL OR id > ${id})`
      : `(${expression} IS NULL AND id < ${id})`;
  }
  const value = parameters.add(plan.after.value, SQL_TYPES[plan.sortField.type]);
  return ascending
    ? `(${expression}, id) > (${value}, ${id})`
    : `((${expression}, id) < (${value}, ${id}) OR ${expression} IS NULL)`;
}

function whereClause(conditions: readonly (string | undefined)[]): string {
  const present = conditions.filter((condition) => condition !== undefined);
  return present.length === 0 ? '' : `WHERE ${present.join(' AND ')}`;
}

/**
 * The read-model store on PostgreSQL: a server through `pg`, or embedded PGlite, same SQL.
 * One table `rm_<collection>` per collection, the body kept as `json` (text, so it comes back
 * byte for byte, key order included) with one btree expression index per indexed field.
 */
export class PostgresReadModelStore implements ReadModelStore {
  /**
   * Indexed fields per collection. A spec never changes while its collection exists, and a
   * collection dropped elsewhere surfaces as a missing table, which evicts it.
   */
  private readonly specs = new Map<string, readonly IndexedField[]>();

  private constructor(private readonly sql: SqlClient) {}

  static async create(sql: SqlClient): Promise<PostgresReadModelStore> {
    await migrate(sql, MIGRATIONS);
    return new PostgresReadModelStore(sql);
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    const fields = validatedSpec(spec);
    const table = tableOf(spec.name);
    const existing = await this.sql.transaction(async (tx) => {
      // Whoever inserts the catalog row creates the table; a racing caller waits on the row.
      const claimed = await tx.query(
        'INSERT INTO read_model_collections (name, indexed_fields) VALUES ($1, $2::jsonb) ON CONFLICT (name) DO NOTHING RETURNING name',
        [spec.name, JSON.stringify(fields)],
      );
      if (claimed.length === 0) return this.loadFields(spec.name, tx);
      await tx.query(
        `CREATE TABLE ${table} (id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, body json NOT NULL)`,
      );
      for (const [index, field] of fields.entries()) {
        await tx.query(
          `CREATE INDEX ${table}_f${index} ON ${table} (${expressionOf(field)} NULLS FIRST, id)`,
        );
      }
      return fields;
    });
    if (!sameIndexedFields(existing, fields)) {
      throw new CollectionSpecConflictError(spec.name, existing, fields);
    }
    this.specs.set(spec.name, existing);
  }

  async write(
    collection: string,
    writes: readonly DocumentWrite[],
    checkpoint?: Checkpoint,
  ): Promise<WriteResult> {
    const fields = await this.fields(collection);
    const { documents } = planWrites(collection, fields, writes);
    if (checkpoint) assertCheckpoint(checkpoint);
    const written = await this.onTable(collection, () =>
      this.sql.transaction(async (tx) => {
        let count = 0;
        if (documents.length > 0) {
          // One statement for the batch; the WHERE is the version guard, and rows it refuses
          // are not RETURNed, which counts what was written.
          const [row] = await tx.query<{ written: string | number }>(
            `WITH written AS (
               INSERT INTO ${tableOf(collection)} AS rm (id, version, body)
               SELECT w.id, w.version, w.body::json
                 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS w(id, version, body)
               ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body
                 WHERE rm.version < EXCLUDED.version
               RETURNING 1)
             SELECT count(*) AS written FROM written`,
            [
              documents.map((document) => document.id),
              documents.map((document) => document.version.toString()),
              documents.map((document) => document.json),
            ],
          );
          count = Number(row.written);
        }
        if (checkpoint) {
          await tx.query(
            `INSERT INTO read_model_checkpoints AS cp (name, position) VALUES ($1, $2::bigint)
             ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position
               WHERE cp.position < EXCLUDED.position`,
            [checkpoint.name, checkpoint.position.toString()],
          );
        }
        return count;
      }),
    );
    return { written, ignored: writes.length - written };
  }

  async get(collection: string, id: string): Promise<StoredDocument | undefined> {
    await this.fields(collection);
    const [row] = await this.onTable(collection, () =>
      this.sql.query<DocumentRow>(
        `SELECT id, version::text AS version, body FROM ${tableOf(collection)} WHERE id = $1`,
        [id],
      ),
    );
    return row && toDocument(row);
  }

  async find(collection: string, query: FindQuery): Promise<Page> {
    const plan = planFind(collection, await this.fields(collection), query);
    const parameters = new Parameters();
    const where = whereClause([
      ...plan.predicates.map((predicate) => conditionOf(predicate, parameters)),
      keysetOf(plan, parameters),
    ]);
    const direction = plan.direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST';
    const order =
      plan.sortField === ID_FIELD
        ? `id ${plan.direction}`
        : `${expressionOf(plan.sortField)} ${direction}, id ${plan.direction}`;
    // One row more than asked tells whether another page follows.
    const rows = await this.onTable(collection, () =>
      this.sql.query<DocumentRow>(
        `SELECT id, version::text AS version, body FROM ${tableOf(collection)} ${where} ORDER BY ${order} LIMIT ${plan.limit + 1}`,
        parameters.values,
      ),
    );
    return pageOf(plan, rows.map(toDocument));
  }

  async countBy(
    collection: string,
    field: string,
    where?: Where,
  ): Promise<Readonly<Record<string, number>>> {
    const fields = await this.fields(collection);
    const group = resolveField(collection, fields, field, false);
    const parameters = new Parameters();
    const expression = expressionOf(group);
    const rows = await this.onTable(collection, () =>
      this.sql.query<{ key: string | null; count: string | number }>(
        `SELECT (${expression})::text AS key, count(*) AS count FROM ${tableOf(collection)}
           ${whereClause(planWhere(collection, fields, where).map((predicate) => conditionOf(predicate, parameters)))}
          GROUP BY ${expression}`,
        parameters.values,
      ),
    );
    const counts: Record<string, number> = {};
    for (const row of rows) {
      // numeric's text is not JSON's (1e+21 reads back as 1000000000000000000000).
      const key =
        row.key === null ? 'null' : group.type === 'number' ? String(Number(row.key)) : row.key;
      counts[key] = Number(row.count);
    }
    return counts;
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    const [row] = await this.sql.query<{ position: string }>(
      'SELECT position::text AS position FROM read_model_checkpoints WHERE name = $1',
      [name],
    );
    return row && BigInt(row.position);
  }

  async dropCollection(name: string): Promise<void> {
    assertCollectionName(name);
    try {
      await this.sql.transaction(async (tx) => {
        // The active-collection foreign key refuses this while a logical name points here.
        await tx.query('DELETE FROM read_model_collections WHERE name = $1', [name]);
        await tx.query(`DROP TABLE IF EXISTS ${tableOf(name)}`);
        await tx.query(
          "DELETE FROM read_model_checkpoints WHERE name = $1 OR starts_with(name, $1 || '#')",
          [name],
        );
      });
    } catch (error) {
      if (pgErrorCode(error) !== PG_FOREIGN_KEY_VIOLATION) throw error;
      const [row] = await this.sql.query<{ logical: string }>(
        'SELECT logical FROM read_model_active_collections WHERE physical = $1',
        [name],
      );
      throw row ? new CollectionInUseError(name, row.logical) : error;
    } finally {
      this.specs.delete(name);
    }
  }

  async activeCollection(logical: string): Promise<string | undefined> {
    assertCollectionName(logical);
    const [row] = await this.sql.query<{ physical: string }>(
      'SELECT physical FROM read_model_active_collections WHERE logical = $1',
      [logical],
    );
    return row?.physical;
  }

  async setActiveCollection(logical: string, physical: string): Promise<void> {
    assertCollectionName(logical);
    assertCollectionName(physical);
    try {
      await this.sql.query(
        `INSERT INTO read_model_active_collections (logical, physical) VALUES ($1, $2)
         ON CONFLICT (logical) DO UPDATE SET physical = EXCLUDED.physical`,
        [logical, physical],
      );
    } catch (error) {
      if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION)
        throw new UnknownCollectionError(physical);
      throw error;
    }
  }

  private async fields(collection: string): Promise<readonly IndexedField[]> {
    assertCollectionName(collection);
    const cached = this.specs.get(collection);
    if (cached) return cached;
    const fields = await this.loadFields(collection);
    this.specs.set(collection, fields);
    return fields;
  }

  private async loadFields(
    collection: string,
    sql: SqlQueryable = this.sql,
  ): Promise<readonly IndexedField[]> {
    const [row] = await sql.query<{ indexed_fields: IndexedField[] }>(
      'SELECT indexed_fields FROM read_model_collections WHERE name = $1',
      [collection],
    );
    if (!row) throw new UnknownCollectionError(collection);
    return row.indexed_fields;
  }

  /** A table dropped by another process: forget its spec and report it like any unknown one. */
  private async onTable<T>(collection: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (pgErrorCode(error) !== PG_UNDEFINED_TABLE) throw error;
      this.specs.delete(collection);
      throw new UnknownCollectionError(collection);
    }
  }
}
