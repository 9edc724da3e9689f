/**
 * Value tier with hysteresis: upgrades at once; a downgrade needs the customer to stay below
 * the current band minus a buffer for the whole grace period, confirmed by an explicit
 * TierDowngradeGraceExpired event from the scheduler, so tiers do not flap on a month-end dip.
 */
import {
  type Cause,
  type CustomerState,
  type ValueTierState,
  boundedAppend,
} from './customer-state';
import { type ProjectionEvent, stringField } from './event';
import { aumMinor, productBreadth, tenureMonths } from './holdings';
import { compareMinor, percentOf } from './money';
import type { Policy } from './policy';
import { addDays, normaliseInstant } from './time';
import { SYSTEM_EVENT_TYPES, type ValueTier, tierRank } from './vocabulary';

interface Measures {
  readonly aum: string;
  readonly breadth: number;
  readonly tenure: number;
}

/** Whether relationship relief applies: enough product types held long enough. */
export function relationshipRelieved(
  breadth: number,
  tenureMonths: number,
  policy: Policy,
): boolean {
  const relief = policy.valueTier.relationshipRelief;
  return breadth >= relief.minProducts && tenureMonths >= relief.minTenureMonths;
}

/** The AUM a band asks of this customer: its minimum, after relief and less `bufferPercent`. */
export function requiredAumMinor(
  minAum: string,
  relieved: boolean,
  bufferPercent: number,
  policy: Policy,
): string {
  const reliefPercent = relieved ? policy.valueTier.relationshipRelief.aumPercent : 100;
  return percentOf(minAum, (reliefPercent * (100 - bufferPercent)) / 100);
}

function qualifiesForBand(
  m: Measures,
  minAum: string,
  bufferPercent: number,
  policy: Policy,
): boolean {
  const relieved = relationshipRelieved(m.breadth, m.tenure, policy);
  return compareMinor(m.aum, requiredAumMinor(minAum, relieved, bufferPercent, policy)) >= 0;
}

/** The highest tier whose band the measures reach (with `bufferPercent` taken off each band). */
export function qualifyingTier(m: Measures, policy: Policy, bufferPercent = 0): ValueTier {
  let tier: ValueTier = 'mass';
  for (const band of policy.valueTier.bands) {
    if (qualifiesForBand(m, band.minAumMinor, bufferPercent, policy)) tier = band.tier;
  }
  return tier;
}

function holdsWithinBuffer(tier: ValueTier, m: Measures, policy: Policy): boolean {
  return (
    tierRank(qualifyingTier(m, policy, policy.valueTier.downgradeBufferPercent)) >= tierRank(tier)
  );
}

function isLegacyTier(value: string | null): value is ValueTier {
  return (
    value === 'mass' ||
    value === 'emerging-affluent' ||
    value === 'affluent' ||
    value === 'high-net-worth' ||
    value === 'private'
  );
}

function moveTo(
  current: ValueTierState,
  to: ValueTier,
  cause: Cause,
  policy: Policy,
): ValueTierState {
  return {
    ...current,
    tier: to,
    since: cause.at,
    grace: null,
    history: boundedAppend(
      current.history,
      { ...cause, from: current.tier, to },
      policy.valueTier.historyLimit,
    ),
  };
}

function graceExpiryConfirmed(event: ProjectionEvent, vt: ValueTierState, at: string): boolean {
  if (event.type !== SYSTEM_EVENT_TYPES.tierDowngradeGraceExpired || vt.grace === null)
    return false;
  const startedAt = stringField(event.data, 'graceStartedAt');
  return (
    startedAt !== null &&
    normaliseInstant(startedAt) === vt.grace.startedAt &&
    at >= vt.grace.expiresAt
  );
}

export function evolveValueTier(
  state: CustomerState,
  event: ProjectionEvent,
  cause: Cause,
  policy: Policy,
): CustomerState {
  const measures: Measures = {
    aum: aumMinor(state, policy),
    breadth: productBreadth(state),
    tenure: tenureMonths(state),
  };
  const qualifies = qualifyingTier(measures, policy);
  let vt: ValueTierState = {
    ...state.valueTier,
    aumMinor: measures.aum,
    productBreadth: measures.breadth,
    tenureMonths: measures.tenure,
    qualifiesFor: qualifies,
  };
  if (vt.tier === null) {
    // An imported customer keeps the tier the bank already served her at; if her balances no
    // longer support it, the ordinary grace period applies from the import.
    const legacy = state.legacy?.tier ?? null;
    const start =
      isLegacyTier(legacy) && tierRank(legacy) > tierRank(qualifies) ? legacy : qualifies;
    vt = moveTo(vt, start, cause, policy);
  }
  const current = vt.tier as ValueTier;
  if (tierRank(qualifies) > tierRank(current)) {
    vt = moveTo(vt, qualifies, cause, policy);
  } else if (
    tierRank(qualifies) === tierRank(current) ||
    holdsWithinBuffer(current, measures, policy)
  ) {
    vt = { ...vt, grace: null };
  } else if (graceExpiryConfirmed(event, vt, cause.at)) {
    vt = moveTo(vt, qualifies, cause, policy);
  } else if (vt.grace === null) {
    const expiresAt = addDays(cause.at, policy.valueTier.downgradeGraceDays);
    vt =
      expiresAt <= cause.at
        ? moveTo(vt, qualifies, cause, policy)
        : { ...vt, grace: { startedAt: cause.at, expiresAt } };
  }
  return { ...state, valueTier: vt };
}
