import {
  CollectionSpec,
  IndexedField,
  IndexedFieldType,
  Scalar,
  UnindexedFieldError,
} from './read-model-store.port';

/**
 * Rules every adapter applies the same way, so a collection behaves identically on each.
 * Names become table names (PostgreSQL) and paths become flattened key names (MongoDB), hence
 * the narrow alphabets.
 */
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,40}$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const FIELD_TYPES: readonly IndexedFieldType[] = ['string', 'number', 'boolean'];

/** The document id: filterable and sortable in every collection without being declared. */
export const ID_FIELD: IndexedField = { path: 'id', type: 'string' };

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new RangeError(`read-model collection name must match ${COLLECTION_NAME}: ${name}`);
  }
}

/** Validates a spec and returns its fields, each path once. */
export function validatedSpec(spec: CollectionSpec): readonly IndexedField[] {
  assertCollectionName(spec.name);
  const seen = new Set<string>();
  return spec.indexedFields.map(({ path, type }) => {
    if (typeof path !== 'string' || !FIELD_PATH.test(path)) {
      throw new RangeError(
        `collection ${spec.name}: indexed path must match ${FIELD_PATH}: ${path}`,
      );
    }
    if (path === ID_FIELD.path) {
      throw new RangeError(
        `collection ${spec.name}: "id" is always indexed and names the document id`,
      );
    }
    if (!FIELD_TYPES.includes(type)) {
      throw new RangeError(`collection ${spec.name}: ${path} has unknown type ${String(type)}`);
    }
    if (seen.has(path)) throw new RangeError(`collection ${spec.name}: ${path} indexed twice`);
    seen.add(path);
    return { path, type };
  });
}

/** Same paths with the same types; declaration order does not matter. */
export function sameIndexedFields(a: readonly IndexedField[], b: readonly IndexedField[]): boolean {
  const types = new Map(a.map((field) => [field.path, field.type]));
  return a.length === b.length && b.every((field) => types.get(field.path) === field.type);
}

/** The indexed field at `path`, or "id" when allowed; anything else is a caller's mistake. */
export function resolveField(
  collection: string,
  fields: readonly IndexedField[],
  path: string,
  allowId: boolean,
): IndexedField {
  if (allowId && path === ID_FIELD.path) return ID_FIELD;
  const field = fields.find((candidate) => candidate.path === path);
  if (!field) throw new UnindexedFieldError(collection, path);
  return field;
}

/**
 * The value at a dotted path, undefined when a step is absent or not an object. Arrays are not
 * descended into: PostgreSQL's `#>>` would read a segment as an array index, MongoDB would map
 * over the elements, so neither meaning is portable.
 */
export function valueAt(body: unknown, path: string): unknown {
  let current = body;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** The indexed value of a document for `field` (null when absent); id for the id field. */
export function indexedValue(
  document: { readonly id: string; readonly body: unknown },
  field: IndexedField,
): Scalar {
  if (field === ID_FIELD) return document.id;
  return (valueAt(document.body, field.path) as Scalar | undefined) ?? null;
}

export function hasType(
  value: unknown,
  type: IndexedFieldType,
): value is string | number | boolean {
  return type === 'number'
    ? typeof value === 'number' && Number.isFinite(value)
    : typeof value === type;
}
