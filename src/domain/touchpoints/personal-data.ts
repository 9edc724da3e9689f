import { latestVersion, schemaFor } from './catalog';

/**
 * The reserved key of `data` under which a stored event keeps its personal fields, encrypted
 * (src/privacy/personal-data-envelope.ts). No payload schema has a field of that name.
 */
export const SEALED_PERSONAL_DATA = '$personal';

/** The fields a (type, version) marks as personal data; none for an unknown one. */
export function personalFieldsOf(type: string, version: number): readonly string[] {
  return schemaFor(type, version)?.personalDataFields ?? [];
}

/**
 * A touchpoint's payload without the fields its schema marks as personal data, sealed or not
 * (docs/architecture.md rule 9),
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
  const personal = new Set([...schema.personalDataFields, SEALED_PERSONAL_DATA]);
  const removed = Object.keys(data).filter((field) => personal.has(field));
  return {
    data: Object.fromEntries(Object.entries(data).filter(([field]) => !personal.has(field))),
    removed,
  };
}
