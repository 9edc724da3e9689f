import { allSchemas, SEALED_PERSONAL_DATA } from '../domain/touchpoints';

/** The (type, version) pairs with personal fields, and those fields: what may hold plain text. */
export function personalSchemas(): { type: string; version: number; fields: readonly string[] }[] {
  return allSchemas()
    .filter((schema) => schema.personalDataFields.length > 0)
    .map(({ type, version, personalDataFields }) => ({
      type,
      version,
      fields: personalDataFields,
    }));
}

/**
 * SQL condition (and its parameters) of the events stored with personal fields in plain text:
 * stored before the personal-data envelope, and not yet chained (a chained event is never
 * rewritten: the hash-chain backfill refuses to run while such events remain).
 */
export function plainPersonalCondition(firstParameter = 1): { sql: string; params: unknown[] } {
  const schemas = personalSchemas();
  const clauses = schemas.map(
    (_, index) =>
      `(type = $${firstParameter + index * 3} AND version = $${firstParameter + index * 3 + 1} AND data ?| $${firstParameter + index * 3 + 2})`,
  );
  return {
    sql: `hash IS NULL AND NOT (data ? '${SEALED_PERSONAL_DATA}') AND (${clauses.join(' OR ')})`,
    params: schemas.flatMap(({ type, version, fields }) => [type, version, fields]),
  };
}
