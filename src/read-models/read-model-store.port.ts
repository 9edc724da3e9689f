/**
 * The read-model store port: projections' JSON documents (the customer 360 and friends), kept
 * version-guarded and queryable by declared fields. Every adapter (in-memory, PostgreSQL/PGlite,
 * MongoDB) implements this and passes test/contract/read-model-store.contract.ts.
 *
 * Kept to what MongoDB (FerretDB v1 too) can do without transactions, $lookup, $facet or
 * dotted keys: single-document conditional upserts, equality/range filters on flattened copies
 * of the indexed fields, sorts, and $group counts.
 */

export type Scalar = string | number | boolean | null;

/**
 * Strings compare by Unicode code point (MongoDB's and PostgreSQL's "C" order, so ISO 8601
 * timestamps sort chronologically), numbers numerically, false before true. Amounts that may
 * exceed 2^53 travel as strings (docs/architecture.md rule 8), so index them as 'number' only when they fit.
 */
export type IndexedFieldType = 'string' | 'number' | 'boolean';

export interface IndexedField {
  /** Dotted path into the body, e.g. "stage.current"; segments are identifiers ([A-Za-z_][A-Za-z0-9_]*). */
  readonly path: string;
  readonly type: IndexedFieldType;
}

export interface CollectionSpec {
  /** `^[a-z][a-z0-9_]{0,40}$` */
  readonly name: string;
  /** Only these paths (plus "id") may be filtered, sorted or counted on. */
  readonly indexedFields: readonly IndexedField[];
}

/**
 * What a document's version guard compares: the stream revision its body reflects (a document
 * built from one stream), or the global position of the last event applied (a document built
 * from many streams: positions only grow in the order a projection reads them).
 */
export type DocumentVersion = number | bigint;

export interface DocumentWrite {
  readonly id: string;
  /**
   * The version the body reflects (docs/architecture.md rule 6): a non-negative safe integer (a stream
   * revision), or a bigint in [0, 2^63) (a global position).
   */
  readonly version: DocumentVersion;
  /**
   * Stored and returned exactly as JSON.stringify renders it (key order included). At an indexed
   * path a value must have the declared type, or be null or absent. No string may hold U+0000 or
   * an unpaired surrogate: PostgreSQL text cannot.
   */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface StoredDocument {
  readonly id: string;
  /** As written; read back as a number when it is a safe integer, as a bigint otherwise. */
  readonly version: DocumentVersion;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * All given operators must hold. `eq: null` and a null inside `in` match a null or absent value;
 * range operators never match one.
 */
export interface FieldCondition {
  readonly eq?: Scalar;
  readonly in?: readonly Scalar[];
  readonly gt?: string | number;
  readonly gte?: string | number;
  readonly lt?: string | number;
  readonly lte?: string | number;
}

/** An indexed field path, or "id". */
export type Where = Readonly<Record<string, FieldCondition>>;

export const MAX_PAGE_SIZE = 1000;

export interface FindQuery {
  readonly where?: Where;
  /**
   * Default: by id ascending. Ties are broken by id in the same direction; null or absent
   * values sort before every value (first ascending, last descending).
   */
  readonly sort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  /** `nextCursor` of the previous page of the same query. */
  readonly after?: string;
}

export interface Page {
  readonly documents: readonly StoredDocument[];
  /** Present only when more documents follow. */
  readonly nextCursor?: string;
}

export interface Checkpoint {
  readonly name: string;
  readonly position: bigint;
}

export interface WriteResult {
  readonly written: number;
  /** Not newer than the stored version, or a lower version of an id repeated in the batch. */
  readonly ignored: number;
}

export interface ReadModelStore {
  /**
   * Creates the collection and its indexes; a no-op when it exists with the same spec.
   * @throws CollectionSpecConflictError when it exists with other indexed fields: a changed
   *   spec means a rebuild into a new physical collection.
   */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /**
   * Version-guarded upsert (docs/architecture.md rule 6): a document is written only if its version is greater
   * than the stored one; then, if given, the checkpoint is set, and it never moves backwards.
   * Invalid input is refused before anything is written. On PostgreSQL documents and checkpoint
   * commit in one transaction; adapters without multi-document transactions (MongoDB) write
   * documents first and the checkpoint after, which stays correct because replays are ignored
   * by the guard. `writes` may be empty, to move the checkpoint past events that change nothing.
   */
  write(
    collection: string,
    writes: readonly DocumentWrite[],
    checkpoint?: Checkpoint,
  ): Promise<WriteResult>;
  get(collection: string, id: string): Promise<StoredDocument | undefined>;
  /** Stable keyset pagination: sort field, then id as tie-breaker. */
  find(collection: string, query: FindQuery): Promise<Page>;
  /**
   * Document counts per value of an indexed field (null or absent counted under "null"; numbers
   * and booleans keyed by their JSON text), computed by a query, not kept as counters.
   */
  countBy(
    collection: string,
    field: string,
    where?: Where,
  ): Promise<Readonly<Record<string, number>>>;
  readCheckpoint(name: string): Promise<bigint | undefined>;
  /**
   * Deletes the collection and its checkpoints: the one of the same name, and those named
   * `<name>#<anything>` (a partitioned projection's); a no-op when it does not exist.
   * @throws CollectionInUseError while a logical name points at it.
   */
  dropCollection(name: string): Promise<void>;
  /** Logical name -> physical collection, so a rebuild can fill a fresh copy and switch over atomically. */
  activeCollection(logical: string): Promise<string | undefined>;
  /** @throws UnknownCollectionError unless `physical` has been ensured. */
  setActiveCollection(logical: string, physical: string): Promise<void>;
}

export const READ_MODEL_STORE = Symbol('ReadModelStore');

/** A query the caller got wrong (the query API answers 400). */
export class ReadModelQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadModelQueryError';
  }
}

export class UnindexedFieldError extends ReadModelQueryError {
  constructor(
    readonly collection: string,
    readonly field: string,
  ) {
    super(`collection ${collection}: field "${field}" is not indexed`);
    this.name = 'UnindexedFieldError';
  }
}

export class UnknownCollectionError extends Error {
  constructor(readonly collection: string) {
    super(`read-model collection ${collection} does not exist`);
    this.name = 'UnknownCollectionError';
  }
}

export class CollectionSpecConflictError extends Error {
  constructor(
    readonly collection: string,
    readonly existing: readonly IndexedField[],
    readonly requested: readonly IndexedField[],
  ) {
    super(
      `read-model collection ${collection} exists with indexed fields ${describeFields(existing)}, not ${describeFields(requested)}`,
    );
    this.name = 'CollectionSpecConflictError';
  }
}

export class CollectionInUseError extends Error {
  constructor(
    readonly collection: string,
    readonly logical: string,
  ) {
    super(`read-model collection ${collection} is active as ${logical}; switch it first`);
    this.name = 'CollectionInUseError';
  }
}

function describeFields(fields: readonly IndexedField[]): string {
  return `[${fields.map((field) => `${field.path}:${field.type}`).join(', ')}]`;
}
