import { hasType, valueAt } from './collection-spec';
import { Checkpoint, DocumentVersion, DocumentWrite, IndexedField } from './read-model-store.port';

/** A validated write: the body as the JSON text every adapter stores and returns verbatim. */
export interface PlannedDocument {
  readonly id: string;
  /** A number when it is a safe integer: every backend compares numbers and int64s as one. */
  readonly version: DocumentVersion;
  readonly json: string;
}

export interface WritePlan {
  /** One per id (its highest version), ordered by id so concurrent batches lock rows in one order. */
  readonly documents: readonly PlannedDocument[];
  /** Lower or equal versions of an id that the batch repeats: ignored like stale writes. */
  readonly repeated: number;
}

const MAX_POSITION = 2n ** 63n - 1n;
/** Valid in JS strings and JSON, but PostgreSQL text refuses unpaired surrogates and U+0000. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Validates the whole batch before anything is written, so a bad write changes nothing. */
export function planWrites(
  collection: string,
  fields: readonly IndexedField[],
  writes: readonly DocumentWrite[],
): WritePlan {
  const byId = new Map<string, PlannedDocument>();
  for (const write of writes) {
    const document = planDocument(collection, fields, write);
    const other = byId.get(document.id);
    if (!other || other.version < document.version) byId.set(document.id, document);
  }
  const documents = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { documents, repeated: writes.length - documents.length };
}

function planDocument(
  collection: string,
  fields: readonly IndexedField[],
  { id, version, body }: DocumentWrite,
): PlannedDocument {
  const where = `collection ${collection}, document ${String(id)}`;
  if (typeof id !== 'string' || id.length === 0)
    throw new TypeError(`${where}: id must be a non-empty string`);
  assertStorableText(id, where);
  const validVersion =
    typeof version === 'bigint'
      ? version >= 0n && version <= MAX_POSITION
      : Number.isSafeInteger(version) && version >= 0;
  if (!validVersion) {
    throw new RangeError(
      `${where}: version must be a non-negative safe integer or a bigint in [0, 2^63), got ${String(version)}`,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TypeError(`${where}: body must be a JSON object`);
  }
  const json = JSON.stringify(body);
  // Checked on the parsed text, which is exactly what the store will hold.
  const stored: unknown = JSON.parse(json);
  assertStorableStrings(stored, where);
  for (const field of fields) {
    const value = valueAt(stored, field.path);
    if (value !== undefined && value !== null && !hasType(value, field.type)) {
      throw new TypeError(
        `${where}: ${field.path} is indexed as ${field.type}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return { id, version: normalVersion(version), json };
}

/** The one representation of a version: a number when it is a safe integer, else a bigint. */
export function normalVersion(version: DocumentVersion | string): DocumentVersion {
  if (typeof version === 'number') return version;
  const big = BigInt(version);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function assertStorableStrings(value: unknown, where: string): void {
  if (typeof value === 'string') {
    assertStorableText(value, where);
  } else if (Array.isArray(value)) {
    for (const item of value) assertStorableStrings(item, where);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      assertStorableText(key, where);
      assertStorableStrings(item, where);
    }
  }
}

export function assertStorableText(text: string, where: string): void {
  if (text.includes('\u0000') || UNPAIRED_SURROGATE.test(text)) {
    throw new TypeError(
      `${where}: text holds U+0000 or an unpaired surrogate, which cannot be stored`,
    );
  }
}

export function assertCheckpoint({ name, position }: Checkpoint): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('checkpoint name must be a non-empty string');
  }
  assertStorableText(name, `checkpoint ${name}`);
  if (typeof position !== 'bigint' || position < 0n || position > MAX_POSITION) {
    throw new RangeError(
      `checkpoint ${name}: position must be a bigint in [0, 2^63), got ${String(position)}`,
    );
  }
}
