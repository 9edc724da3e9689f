import { hasType, ID_FIELD, indexedValue, resolveField } from './collection-spec';
import {
  FieldCondition,
  FindQuery,
  IndexedField,
  MAX_PAGE_SIZE,
  Page,
  ReadModelQueryError,
  Scalar,
  StoredDocument,
  Where,
} from './read-model-store.port';

/**
 * Queries checked against the collection's indexed fields and reduced to a few predicate
 * shapes, which each adapter translates (SQL, MongoDB filter, or a JS test).
 */
export type Predicate =
  | { readonly kind: 'null'; readonly field: IndexedField }
  | {
      readonly kind: 'in';
      readonly field: IndexedField;
      readonly values: readonly (string | number | boolean)[];
      /** Also match a null or absent value. */
      readonly orNull: boolean;
    }
  | {
      readonly kind: 'compare';
      readonly field: IndexedField;
      readonly operator: ComparisonOperator;
      readonly value: string | number;
    };

export type ComparisonOperator = '>' | '>=' | '<' | '<=';

/** Where the previous page ended: its last document's sort value and id. */
export interface KeysetPosition {
  readonly value: Scalar;
  readonly id: string;
}

export interface FindPlan {
  readonly predicates: readonly Predicate[];
  readonly sortField: IndexedField;
  readonly direction: 'asc' | 'desc';
  readonly limit: number;
  readonly after?: KeysetPosition;
}

const RANGE_OPERATORS: Readonly<Record<string, ComparisonOperator>> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
const OPERATORS = new Set(['eq', 'in', ...Object.keys(RANGE_OPERATORS)]);

export function planWhere(
  collection: string,
  fields: readonly IndexedField[],
  where: Where = {},
): Predicate[] {
  if (typeof where !== 'object' || where === null) {
    throw new ReadModelQueryError('where must be an object of field conditions');
  }
  return Object.entries(where).flatMap(([path, condition]) =>
    planCondition(resolveField(collection, fields, path, true), condition),
  );
}

function planCondition(field: IndexedField, condition: FieldCondition): Predicate[] {
  if (typeof condition !== 'object' || condition === null) {
    throw new ReadModelQueryError(`${field.path}: condition must be an object`);
  }
  const predicates: Predicate[] = [];
  for (const [operator, operand] of Object.entries(condition) as [string, unknown][]) {
    if (!OPERATORS.has(operator)) {
      throw new ReadModelQueryError(`${field.path}: unknown operator ${operator}`);
    }
    if (operand === undefined) continue;
    if (operator === 'eq') {
      predicates.push(
        operand === null
          ? { kind: 'null', field }
          : { kind: 'in', field, values: [typedOperand(field, operator, operand)], orNull: false },
      );
    } else if (operator === 'in') {
      if (!Array.isArray(operand))
        throw new ReadModelQueryError(`${field.path}: in must be an array`);
      const values = operand.filter((value) => value !== null);
      predicates.push({
        kind: 'in',
        field,
        values: values.map((value) => typedOperand(field, operator, value)),
        orNull: values.length < operand.length,
      });
    } else {
      if (field.type === 'boolean') {
        throw new ReadModelQueryError(`${field.path}: a boolean field has no ${operator}`);
      }
      predicates.push({
        kind: 'compare',
        field,
        operator: RANGE_OPERATORS[operator],
        value: typedOperand(field, operator, operand) as string | number,
      });
    }
  }
  return predicates;
}

function typedOperand(
  field: IndexedField,
  operator: string,
  value: unknown,
): string | number | boolean {
  if (!hasType(value, field.type)) {
    throw new ReadModelQueryError(
      `${field.path}: ${operator} needs ${field.type === 'number' ? 'finite numbers' : `${field.type}s`}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function planFind(
  collection: string,
  fields: readonly IndexedField[],
  query: FindQuery,
): FindPlan {
  const { limit, sort = { field: ID_FIELD.path, direction: 'asc' } } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ReadModelQueryError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (sort.direction !== 'asc' && sort.direction !== 'desc') {
    throw new ReadModelQueryError('sort direction must be asc or desc');
  }
  const sortField = resolveField(collection, fields, sort.field, true);
  return {
    predicates: planWhere(collection, fields, query.where),
    sortField,
    direction: sort.direction,
    limit,
    after:
      query.after === undefined ? undefined : decodeCursor(query.after, sortField, sort.direction),
  };
}

/**
 * The page for `found`: the matching documents in order, from the keyset position on, of which
 * adapters fetch at least one more than the limit so that a following page shows.
 */
export function pageOf(plan: FindPlan, found: readonly StoredDocument[]): Page {
  const documents = found.slice(0, plan.limit);
  if (found.length <= plan.limit) return { documents };
  const last = documents[documents.length - 1];
  return {
    documents,
    nextCursor: encodeCursor(plan, { value: indexedValue(last, plan.sortField), id: last.id }),
  };
}

/** Cursor = the keyset position plus the sort it belongs to, so it cannot be replayed against another. */
interface CursorContent {
  readonly f: string;
  readonly d: 'asc' | 'desc';
  readonly v: Scalar;
  readonly i: string;
}

export function encodeCursor(plan: FindPlan, position: KeysetPosition): string {
  const content: CursorContent = {
    f: plan.sortField.path,
    d: plan.direction,
    v: position.value,
    i: position.id,
  };
  return Buffer.from(JSON.stringify(content)).toString('base64url');
}

function decodeCursor(
  cursor: string,
  field: IndexedField,
  direction: 'asc' | 'desc',
): KeysetPosition {
  let content: Partial<CursorContent> | null = null;
  try {
    content = JSON.parse(
      Buffer.from(cursor, 'base64url').toString(),
    ) as Partial<CursorContent> | null;
  } catch {
    // Reported below like any other cursor this store did not issue.
  }
  if (
    typeof content !== 'object' ||
    content === null ||
    content.f !== field.path ||
    content.d !== direction ||
    typeof content.i !== 'string' ||
    !(content.v === null || hasType(content.v, field.type))
  ) {
    throw new ReadModelQueryError("after is not a cursor of this query's sort");
  }
  return { value: content.v, id: content.i };
}
