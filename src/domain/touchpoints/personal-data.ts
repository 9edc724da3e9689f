import { latestVersion, schemaFor } from './catalog';

/**
 * A touchpoint's payload without the fields its schema marks as personal data (DESIGN rule 9),
 * for anything that leaves the event store: Kafka messages, dead letters. `removed` names what
 * was taken out. Without a known schema nothing can be told apart, so the whole payload goes.
 */
export function withoutPersonalData(
  type: unknown,
  version: unknown,
  data: Readonly<Record<string, unknown>>,
): { readonly data: Record<string, unknown> | null; readonly removed: readonly string[] } {
  const schema =
    typeof type === 'string'
      ? schemaFor(type, typeof version === 'number' ? version : (latestVersion(type) ?? 0))
      : undefined;
  if (!schema) return { data: null, removed: Object.keys(data) };
  const personal = new Set(schema.personalDataFields);
  const removed = Object.keys(data).filter((field) => personal.has(field));
  return {
    data: Object.fromEntries(Object.entries(data).filter(([field]) => !personal.has(field))),
    removed,
  };
}
