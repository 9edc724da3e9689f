import { Filter, Sort } from 'mongodb';
import { ID_FIELD, valueAt } from './collection-spec';
import { PlannedDocument } from './document-writes';
import { ComparisonOperator, FindPlan, Predicate } from './find-plan';
import { IndexedField, Scalar } from './read-model-store.port';

/**
 * A read-model document as MongoDB holds it: the id as `_id`, the body as the JSON text it was
 * written as (so it comes back byte for byte, key order included), and a top-level copy of each
 * indexed value to filter, sort, group and index on.
 */
export interface MongoDocument {
  _id: string;
  /** A number, or an int64 when beyond 2^53 (read back with `useBigInt64`). */
  version: number | bigint;
  json: string;
  [indexedKey: string]: Scalar | bigint;
}

/**
 * The top-level key an indexed path is copied to. Not the path itself: FerretDB v1 refuses
 * dotted keys, and a query on the body's own nesting would descend into arrays, which the port
 * excludes. Segments are identifiers, so joining them with "-" cannot make two paths collide.
 */
export function keyOf(field: IndexedField): string {
  return field === ID_FIELD ? '_id' : `f_${field.path.split('.').join('-')}`;
}

/** The stored shape of a validated write; an absent indexed value is stored as null. */
export function toMongoDocument(
  fields: readonly IndexedField[],
  { id, version, json }: PlannedDocument,
): MongoDocument {
  const body: unknown = JSON.parse(json);
  const document: MongoDocument = { _id: id, version, json };
  for (const field of fields)
    document[keyOf(field)] = (valueAt(body, field.path) as Scalar) ?? null;
  return document;
}

const OPERATORS: Readonly<Record<ComparisonOperator, string>> = {
  '>': '$gt',
  '>=': '$gte',
  '<': '$lt',
  '<=': '$lte',
};

/**
 * Range operators only match values of the operand's type (MongoDB's type bracketing), so they
 * never match null; strings compare by code point, MongoDB's default binary collation and
 * FerretDB's Go string order alike.
 */
function conditionOf(predicate: Predicate): Filter<MongoDocument> {
  const key = keyOf(predicate.field);
  switch (predicate.kind) {
    case 'null':
      return { [key]: null };
    case 'in':
      return {
        [key]: { $in: predicate.orNull ? [...predicate.values, null] : [...predicate.values] },
      };
    case 'compare':
      return { [key]: { [OPERATORS[predicate.operator]]: predicate.value } };
  }
}

/**
 * Documents strictly after the cursor in (sort value, id) order. Null sorts before every value
 * in MongoDB, so it comes first ascending and last descending, as the port requires.
 */
export function keysetOf({
  after,
  direction,
  sortField,
}: FindPlan): Filter<MongoDocument> | undefined {
  if (!after) return undefined;
  const beyond = direction === 'asc' ? '$gt' : '$lt';
  const laterId = { _id: { [beyond]: after.id } };
  if (sortField === ID_FIELD) return laterId;
  const key = keyOf(sortField);
  if (after.value === null) {
    return direction === 'asc'
      ? { $or: [{ [key]: { $ne: null } }, { [key]: null, ...laterId }] }
      : { [key]: null, ...laterId };
  }
  const beyondValue = [{ [key]: { [beyond]: after.value } }, { [key]: after.value, ...laterId }];
  return { $or: direction === 'asc' ? beyondValue : [...beyondValue, { [key]: null }] };
}

/** All predicates, and the keyset when paging. */
export function filterOf(
  predicates: readonly Predicate[],
  keyset?: Filter<MongoDocument>,
): Filter<MongoDocument> {
  const clauses = predicates.map(conditionOf);
  if (keyset) clauses.push(keyset);
  return clauses.length === 0 ? {} : { $and: clauses };
}

/** Served by the (indexed key, _id) index of the sort field, read backwards when descending. */
export function sortOf({ sortField, direction }: FindPlan): Sort {
  const order = direction === 'asc' ? 1 : -1;
  return sortField === ID_FIELD ? { _id: order } : { [keyOf(sortField)]: order, _id: order };
}
