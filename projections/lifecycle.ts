/**
 * Lifecycle stage. Progression (prospect -> onboarding -> active -> engaged -> loyal) follows
 * from the facts; at-risk and dormant come from inactivity thresholds confirmed by scheduler
 * events (or, for at-risk, a churn score at the policy's threshold); churned means every product
 * is closed; a dormant or churned customer who comes back is "reactivated" and watched until a
 * ReactivationWatchEnded event. Each transition keeps its cause event and policy version.
 */
import {
  type Cause,
  type CustomerState,
  type InactivityMark,
  type LifecycleState,
  boundedAppend,
  openProducts,
} from './customer-state';
import { type ProjectionEvent, stringField } from './event';
import { isCustomerInitiated } from './facts';
import { everHeldProducts, inactivityBaseline } from './holdings';
import type { Policy } from './policy';
import { addDays, normaliseInstant } from './time';
import {
  INACTIVITY_THRESHOLDS,
  type InactivityThreshold,
  type LifecycleStage,
  PROGRESSION_STAGES,
  type ProgressionStage,
  SYSTEM_EVENT_TYPES,
  isOneOf,
} from './vocabulary';

export function inactivityDays(threshold: InactivityThreshold, policy: Policy): number {
  return threshold === 'at-risk'
    ? policy.lifecycle.atRiskInactivityDays
    : policy.lifecycle.dormantInactivityDays;
}

/** Open products holding a balance other than zero: what makes a KYC'd customer active. */
export const fundedProducts = (state: CustomerState) =>
  openProducts(state).filter((p) => p.balance !== null && p.balance.amountMinor !== '0');

function progressionStage(state: CustomerState, policy: Policy): ProgressionStage {
  if (openProducts(state).length === 0) return 'prospect';
  if (state.kyc.status === 'none' || fundedProducts(state).length === 0) return 'onboarding';
  const rules = policy.lifecycle;
  const channels = Object.keys(state.channelsUsed).length;
  const breadth = state.valueTier.productBreadth;
  if (breadth < rules.engagedMinProducts || channels < rules.engagedMinChannels) return 'active';
  return breadth >= rules.loyalMinProducts &&
    state.valueTier.tenureMonths >= rules.loyalMinTenureMonths
    ? 'loyal'
    : 'engaged';
}

function targetStage(state: CustomerState, lc: LifecycleState, policy: Policy): LifecycleStage {
  if (everHeldProducts(state) && openProducts(state).length === 0) return 'churned';
  if (lc.inactivity.dormant !== null) return 'dormant';
  if (lc.inactivity['at-risk'] !== null) return 'at-risk';
  if (lc.reactivatedAt !== null) return 'reactivated';
  if (state.churnRisk.score >= policy.churnRisk.atRiskScore) return 'at-risk';
  return progressionStage(state, policy);
}

/** A threshold event counts only if it was measured from the current baseline and is due. */
function confirmedMark(
  event: ProjectionEvent,
  state: CustomerState,
  at: string,
  policy: Policy,
): [InactivityThreshold, InactivityMark] | null {
  if (event.type !== SYSTEM_EVENT_TYPES.inactivityThresholdReached) return null;
  const threshold = stringField(event.data, 'threshold');
  const since = stringField(event.data, 'inactiveSince');
  if (
    !isOneOf(INACTIVITY_THRESHOLDS, threshold) ||
    since === null ||
    openProducts(state).length === 0
  )
    return null;
  const inactiveSince = normaliseInstant(since);
  if (
    inactiveSince !== inactivityBaseline(state) ||
    at < addDays(inactiveSince, inactivityDays(threshold, policy))
  )
    return null;
  return [threshold, { inactiveSince, reachedAt: at }];
}

function isComeback(previous: LifecycleState, event: ProjectionEvent, at: string): boolean {
  if (previous.stage === 'dormant') {
    const mark = previous.inactivity.dormant;
    return mark !== null && isCustomerInitiated(event) && at > mark.reachedAt;
  }
  if (previous.stage === 'churned') {
    return event.type === 'ProductOpened' && previous.churnedAt !== null && at > previous.churnedAt;
  }
  return false;
}

function watchEnded(
  event: ProjectionEvent,
  lc: LifecycleState,
  at: string,
  policy: Policy,
): boolean {
  if (event.type !== SYSTEM_EVENT_TYPES.reactivationWatchEnded || lc.reactivatedAt === null)
    return false;
  const reactivatedAt = stringField(event.data, 'reactivatedAt');
  return (
    reactivatedAt !== null &&
    normaliseInstant(reactivatedAt) === lc.reactivatedAt &&
    at >= addDays(lc.reactivatedAt, policy.lifecycle.reactivationWatchDays)
  );
}

function rank(stage: ProgressionStage): number {
  return PROGRESSION_STAGES.indexOf(stage);
}

export function evolveLifecycle(
  state: CustomerState,
  event: ProjectionEvent,
  cause: Cause,
  policy: Policy,
): CustomerState {
  const previous = state.lifecycle;
  const baseline = inactivityBaseline(state);
  let lc: LifecycleState = {
    ...previous,
    // New activity moves the baseline and so withdraws marks measured from an older one.
    inactivity: {
      'at-risk':
        previous.inactivity['at-risk']?.inactiveSince === baseline
          ? previous.inactivity['at-risk']
          : null,
      dormant:
        previous.inactivity.dormant?.inactiveSince === baseline
          ? previous.inactivity.dormant
          : null,
    },
  };
  const mark = confirmedMark(event, state, cause.at, policy);
  if (mark !== null && lc.inactivity[mark[0]] === null)
    lc = { ...lc, inactivity: { ...lc.inactivity, [mark[0]]: mark[1] } };
  if (isComeback(previous, event, cause.at)) lc = { ...lc, reactivatedAt: cause.at };
  if (watchEnded(event, lc, cause.at, policy)) lc = { ...lc, reactivatedAt: null };

  const to = targetStage(state, lc, policy);
  if (to === 'dormant' || to === 'churned') lc = { ...lc, reactivatedAt: null };
  lc = {
    ...lc,
    churnedAt:
      to === 'churned' ? (previous.stage === 'churned' ? previous.churnedAt : cause.at) : null,
  };
  if (to === lc.stage) return { ...state, lifecycle: lc };
  const highest =
    isOneOf(PROGRESSION_STAGES, to) &&
    (lc.highestStage === null || rank(to) > rank(lc.highestStage))
      ? to
      : lc.highestStage;
  return {
    ...state,
    lifecycle: {
      ...lc,
      stage: to,
      since: cause.at,
      highestStage: highest,
      history: boundedAppend(
        lc.history,
        { ...cause, from: lc.stage, to },
        policy.lifecycle.historyLimit,
      ),
      transitionCount: lc.transitionCount + 1,
    },
  };
}
