import type { TouchpointEvent } from './touchpoint-types';

/**
 * The event shape projections consume: any accepted touchpoint type and version, discriminated
 * by `type` (projections/touchpoint-types.ts). Structurally compatible with the app's upcast
 * events so projections never import from src/: the engine upcasts events to their latest
 * version first.
 */
export type ProjectionEvent = TouchpointEvent;

/** Reads a string field; projections receive validated data, so absence means "not given". */
export function stringField(data: Readonly<Record<string, unknown>>, key: string): string | null {
  const value = data[key];
  return typeof value === 'string' ? value : null;
}

export function numberField(data: Readonly<Record<string, unknown>>, key: string): number | null {
  const value = data[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function booleanField(data: Readonly<Record<string, unknown>>, key: string): boolean | null {
  const value = data[key];
  return typeof value === 'boolean' ? value : null;
}

export function recordField(
  data: Readonly<Record<string, unknown>>,
  key: string,
): Readonly<Record<string, unknown>> | null {
  const value = data[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : null;
}

export function recordListField(
  data: Readonly<Record<string, unknown>>,
  key: string,
): readonly Readonly<Record<string, unknown>>[] {
  const value = data[key];
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is Readonly<Record<string, unknown>> =>
      typeof item === 'object' && item !== null && !Array.isArray(item),
  );
}
