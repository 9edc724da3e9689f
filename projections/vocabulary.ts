/**
 * The parts of the touchpoint vocabulary projections reason about. The catalog in
 * src/domain/touchpoints is the authority on schemas; a spec there checks these lists match.
 */
export const PRODUCT_TYPES = [
  'current',
  'savings',
  'term-deposit',
  'wealth-fund',
  'insurance',
  'credit-card',
  'personal-loan',
  'mortgage',
] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export const CHANNELS = ['branch', 'mobile', 'web', 'call-centre', 'atm', 'messaging'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONSENT_PURPOSES = [
  'marketing-email',
  'marketing-sms',
  'marketing-phone',
  'marketing-push',
  'profiling',
  'third-party-sharing',
] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
/** The purposes whose consent governs marketing. */
export const MARKETING_PURPOSES = [
  'marketing-email',
  'marketing-sms',
  'marketing-phone',
  'marketing-push',
] as const satisfies readonly ConsentPurpose[];
export type MarketingPurpose = (typeof MARKETING_PURPOSES)[number];

/** Progression stages first (their order is "how far the relationship got"), then the others. */
export const LIFECYCLE_STAGES = [
  'prospect',
  'onboarding',
  'active',
  'engaged',
  'loyal',
  'at-risk',
  'dormant',
  'churned',
  'reactivated',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const PROGRESSION_STAGES = ['prospect', 'onboarding', 'active', 'engaged', 'loyal'] as const;
export type ProgressionStage = (typeof PROGRESSION_STAGES)[number];

/** Lowest to highest. */
export const VALUE_TIERS = [
  'mass',
  'emerging-affluent',
  'affluent',
  'high-net-worth',
  'private',
] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

export function tierRank(tier: ValueTier): number {
  return VALUE_TIERS.indexOf(tier);
}

/** Types appended by the scheduler when a time threshold passes; never accepted from outside. */
export const SYSTEM_EVENT_TYPES = {
  inactivityThresholdReached: 'InactivityThresholdReached',
  reactivationWatchEnded: 'ReactivationWatchEnded',
  rmContactOverdue: 'RmContactOverdue',
  tierDowngradeGraceExpired: 'TierDowngradeGraceExpired',
  /** Not a threshold: an administrator's legal hold, which postpones a retention-expired erasure. */
  legalHoldChanged: 'LegalHoldChanged',
} as const;

export const INACTIVITY_THRESHOLDS = ['at-risk', 'dormant'] as const;
export type InactivityThreshold = (typeof INACTIVITY_THRESHOLDS)[number];

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
