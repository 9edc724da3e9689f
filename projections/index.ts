/** Public surface of the pure projections: import from 'projections' only through this file. */
export type { ProjectionEvent } from './event';
export * from './vocabulary';
export * from './touchpoint-types';
export {
  type Policy,
  type CurrencyRate,
  type LinearRamp,
  type TierBand,
  type ConsentModel,
  CONSENT_MODELS,
  PolicyError,
  parsePolicy,
} from './policy';
export {
  amlRetention,
  contactablePurposes,
  contactablePurposesOf,
  privacyOf,
  privacyView,
  relationshipOf,
  retainedAt,
  retentionErasureDueAt,
  type AmlRetention,
  type PrivacyFacts,
  type PrivacyView,
  type RelationshipFacts,
} from './privacy';
export * from './customer-state';
export { projectCustomer, projectCustomerHistory } from './project-customer';
export { dueThresholdEvents, nextDueAt, type ThresholdEvent } from './thresholds';
export { uuidV5, THRESHOLD_EVENT_NAMESPACE } from './deterministic-id';
export { toBaseMinor } from './money';
export { qualifyingTier } from './value-tier';
export * from './explain';
export { isCustomerInitiated, isSystemEvent } from './facts';
export * from './touchpoint-activity';
