/** The customer-360 projection: one pure step `(state, event, policy) -> state`. */
import { evaluateChurnRisk } from './churn-risk';
import type { Cause, CustomerState } from './customer-state';
import type { ProjectionEvent } from './event';
import { applyFacts } from './facts';
import { evolveLifecycle } from './lifecycle';
import type { Policy } from './policy';
import { evolveRmCoverage } from './rm-coverage';
import { normaliseInstant } from './time';
import { evolveValueTier } from './value-tier';

/**
 * Applies one (already upcast) event. Order matters and is fixed: facts first, then the tier
 * (from AUM), the churn score (from AUM and facts), RM coverage (from the tier) and finally the
 * stage (from all of them).
 */
export function projectCustomer(
  state: CustomerState,
  event: ProjectionEvent,
  policy: Policy,
): CustomerState {
  const cause: Cause = {
    eventId: event.eventId,
    eventType: event.type,
    at: normaliseInstant(event.occurredAt),
    policyVersion: policy.policyVersion,
  };
  let next = applyFacts(state, event);
  next = evolveValueTier(next, event, cause, policy);
  next = evaluateChurnRisk(next, policy);
  next = evolveRmCoverage(next, event, cause, policy);
  next = evolveLifecycle(next, event, cause, policy);
  return {
    ...next,
    policyVersion: policy.policyVersion,
    eventCount: next.eventCount + 1,
    lastEventId: event.eventId,
  };
}

export function projectCustomerHistory(
  state: CustomerState,
  events: Iterable<ProjectionEvent>,
  policy: Policy,
): CustomerState {
  let next = state;
  for (const event of events) next = projectCustomer(next, event, policy);
  return next;
}
