/**
 * Privacy rules the projections and the decider share (docs/architecture.md rule 9, README "Personal
 * data"): who may be contacted for which marketing purpose, and how long anti-money-laundering
 * evidence must outlive an erasure request. Pure: the instant to judge at is always given.
 */
import type { CustomerState } from './customer-state';
import type { Policy } from './policy';
import { addDays, laterOf, normaliseInstant } from './time';
import { MARKETING_PURPOSES, type MarketingPurpose } from './vocabulary';

/** What the customer asked and what an administrator ordered. */
export interface PrivacyFacts {
  /** The first erasure request; later ones change nothing. */
  readonly erasureRequest: {
    readonly eventId: string;
    readonly requestId: string;
    readonly at: string;
  } | null;
  /** A legal hold in force postpones a retention-expired erasure. */
  readonly legalHold: { readonly since: string; readonly reference: string } | null;
  /** occurredAt of the latest LegalHoldChanged applied (late ones older than it are ignored). */
  readonly legalHoldChangedAt: string | null;
  /** The PersonalDataErased event that erased the customer. */
  readonly erasedBy: string | null;
}

export const NO_PRIVACY_FACTS: PrivacyFacts = {
  erasureRequest: null,
  legalHold: null,
  legalHoldChangedAt: null,
  erasedBy: null,
};

/** What the AML window depends on: the customer's products, however a caller keeps them. */
export interface RelationshipFacts {
  readonly productsHeld: number;
  readonly openProducts: number;
  /** Latest closing instant of a product, null when none closed. */
  readonly lastClosedAt: string | null;
}

/**
 * How long identity evidence must be kept (FATF R.11: years after the relationship ends).
 * `none`: the customer never held a product, so no relationship began. `while-open`: a product is
 * open, the window has not even started. `until`: the relationship ended; evidence is kept until then.
 */
export type AmlRetention =
  | { readonly kind: 'none' }
  | { readonly kind: 'while-open' }
  | { readonly kind: 'until'; readonly until: string };

export function amlRetention(relationship: RelationshipFacts, policy: Policy): AmlRetention {
  if (relationship.productsHeld === 0 || relationship.lastClosedAt === null) {
    return relationship.openProducts > 0 ? { kind: 'while-open' } : { kind: 'none' };
  }
  if (relationship.openProducts > 0) return { kind: 'while-open' };
  return {
    kind: 'until',
    until: addDays(relationship.lastClosedAt, policy.privacy.amlRetentionDays),
  };
}

/** Whether evidence must still be kept at `instant`. */
export function retainedAt(retention: AmlRetention, instant: string): boolean {
  return (
    retention.kind === 'while-open' ||
    (retention.kind === 'until' && retention.until > normaliseInstant(instant))
  );
}

/** The consent a customer recorded for each purpose, as the projection keeps it. */
export type RecordedConsent = Readonly<
  Partial<Record<string, { readonly granted: boolean; readonly at: string }>>
>;

/**
 * The marketing purposes a customer may be contacted for: a recorded consent decides; without
 * one, the purpose's consent model (opt-in: no; opt-out: yes). Nobody erased, or restricted by an
 * erasure request, may be contacted at all.
 */
export function contactablePurposes(
  consent: RecordedConsent,
  privacy: PrivacyFacts,
  erased: boolean,
  policy: Policy,
): MarketingPurpose[] {
  if (erased || privacy.erasureRequest !== null) return [];
  return MARKETING_PURPOSES.filter((purpose) => {
    const recorded = consent[purpose];
    return recorded === undefined
      ? policy.marketing.purposes[purpose] === 'opt-out'
      : recorded.granted;
  });
}

/** A state stored before privacy facts were kept reads as having none. */
export const privacyOf = (state: CustomerState): PrivacyFacts => state.privacy ?? NO_PRIVACY_FACTS;

export function relationshipOf(state: CustomerState): RelationshipFacts {
  const products = Object.values(state.products);
  let lastClosedAt: string | null = null;
  for (const product of products) {
    if (product.closedAt !== null && (lastClosedAt === null || product.closedAt > lastClosedAt))
      lastClosedAt = product.closedAt;
  }
  return {
    productsHeld: products.length,
    openProducts: products.filter((product) => product.status === 'open').length,
    lastClosedAt,
  };
}

export const contactablePurposesOf = (state: CustomerState, policy: Policy): MarketingPurpose[] =>
  contactablePurposes(state.consent, privacyOf(state), state.erasedAt !== null, policy);

/** The privacy state the 360 shows. */
export type PrivacyView =
  | { readonly state: 'none'; readonly legalHold: boolean }
  | {
      readonly state: 'restricted-until';
      /** When the retention window ends; null while a product is still open (it has not begun). */
      readonly until: string | null;
      readonly requestedAt: string;
      readonly requestedBy: string;
      readonly legalHold: boolean;
    }
  | { readonly state: 'erased'; readonly erasedAt: string; readonly erasedBy: string | null };

export function privacyView(state: CustomerState, policy: Policy): PrivacyView {
  const privacy = privacyOf(state);
  if (state.erasedAt !== null)
    return { state: 'erased', erasedAt: state.erasedAt, erasedBy: privacy.erasedBy };
  const legalHold = privacy.legalHold !== null;
  const request = privacy.erasureRequest;
  if (request === null) return { state: 'none', legalHold };
  const retention = amlRetention(relationshipOf(state), policy);
  return {
    state: 'restricted-until',
    until:
      retention.kind === 'until'
        ? laterOf(retention.until, request.at)
        : retention.kind === 'none'
          ? request.at
          : null,
    requestedAt: request.at,
    requestedBy: request.eventId,
    legalHold,
  };
}

/**
 * When the scheduler must erase a restricted customer (a PersonalDataErased with reason
 * `retention-expired`): the end of the AML window, not before the request nor before a legal
 * hold was lifted; null while a product is open, a legal hold is in force, or nothing is pending.
 */
export function retentionErasureDueAt(state: CustomerState, policy: Policy): string | null {
  const privacy = privacyOf(state);
  const request = privacy.erasureRequest;
  if (request === null || state.erasedAt !== null || privacy.legalHold !== null) return null;
  const retention = amlRetention(relationshipOf(state), policy);
  if (retention.kind === 'while-open') return null;
  let due = request.at;
  if (retention.kind === 'until') due = laterOf(due, retention.until);
  if (privacy.legalHoldChangedAt !== null) due = laterOf(due, privacy.legalHoldChangedAt);
  return due;
}
