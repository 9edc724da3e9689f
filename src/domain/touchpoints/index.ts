export { TOUCHPOINT_TYPES, latestVersion, schemaFor, upcast } from './catalog';
export type { DomainEvent, TouchpointSchema } from './catalog';
