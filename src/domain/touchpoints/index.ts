/** The touchpoint catalog: schemas per (type, version), personal-data fields, upcasting. */
export type { DomainEvent } from './domain-event';
export {
  type TouchpointSchema,
  TOUCHPOINT_TYPES,
  SYSTEM_TOUCHPOINT_TYPES,
  allSchemas,
  latestVersion,
  schemaFor,
} from './catalog';
export { personalFieldsOf, SEALED_PERSONAL_DATA, withoutPersonalData } from './personal-data';
export { UnknownTouchpointError, upcast } from './upcasters';
export { isUtcInstant } from './validation';
