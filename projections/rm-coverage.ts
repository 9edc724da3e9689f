/**
 * RM coverage: how often the tier requires the assigned relationship manager to reach the
 * customer, when that is next due, and whether it is overdue (confirmed by RmContactOverdue).
 */
import type { Cause, CustomerState, RmCoverageState, RmCoverageStatus } from './customer-state';
import { type ProjectionEvent, recordField, stringField } from './event';
import type { Policy } from './policy';
import { addDays, laterOf, normaliseInstant } from './time';
import { SYSTEM_EVENT_TYPES } from './vocabulary';

function assign(
  rm: RmCoverageState,
  rmId: string | null,
  branchId: string | null,
  at: string,
): RmCoverageState {
  // Late assignments must not override a more recent one.
  if (rmId === null || (rm.assignedAt !== null && rm.assignedAt > at)) return rm;
  return { ...rm, rmId, branchId, assignedAt: at };
}

function applyEvent(rm: RmCoverageState, event: ProjectionEvent, at: string): RmCoverageState {
  switch (event.type) {
    case 'RelationshipManagerAssigned':
      return assign(rm, stringField(event.data, 'rmId'), stringField(event.data, 'branchId'), at);
    case 'CustomerImported': {
      const legacyRm = recordField(event.data, 'relationshipManager');
      return legacyRm === null
        ? rm
        : assign(rm, stringField(legacyRm, 'rmId'), stringField(legacyRm, 'branchId'), at);
    }
    case 'RmContactLogged':
      return stringField(event.data, 'outcome') === 'reached'
        ? { ...rm, lastContactAt: laterOf(rm.lastContactAt, at) }
        : rm;
    default:
      return rm;
  }
}

function statusOf(rm: RmCoverageState, asOf: string, policy: Policy): RmCoverageStatus {
  if (rm.requiredIntervalDays === null) return 'not-required';
  if (rm.rmId === null || rm.nextDueAt === null) return 'unassigned';
  if (rm.overdueSince !== null || asOf >= rm.nextDueAt) return 'overdue';
  return asOf >= addDays(rm.nextDueAt, -policy.rmCoverage.dueSoonDays) ? 'due' : 'ok';
}

function overdueConfirmed(event: ProjectionEvent, rm: RmCoverageState, at: string): boolean {
  if (event.type !== SYSTEM_EVENT_TYPES.rmContactOverdue || rm.nextDueAt === null) return false;
  const dueAt = stringField(event.data, 'dueAt');
  return (
    dueAt !== null &&
    normaliseInstant(dueAt) === rm.nextDueAt &&
    stringField(event.data, 'rmId') === rm.rmId &&
    at >= rm.nextDueAt
  );
}

export function evolveRmCoverage(
  state: CustomerState,
  event: ProjectionEvent,
  cause: Cause,
  policy: Policy,
): CustomerState {
  let rm = applyEvent(state.rmCoverage, event, cause.at);
  const tier = state.valueTier.tier;
  const interval =
    tier === null || state.erasedAt !== null ? null : policy.rmCoverage.contactIntervalDays[tier];
  const from = rm.assignedAt === null ? null : laterOf(rm.lastContactAt, rm.assignedAt);
  const previous = state.rmCoverage;
  const unchanged =
    interval === previous.requiredIntervalDays &&
    rm.rmId === previous.rmId &&
    rm.assignedAt === previous.assignedAt &&
    rm.lastContactAt === previous.lastContactAt;
  const nextDueAt = unchanged
    ? previous.nextDueAt
    : interval === null || rm.rmId === null || from === null
      ? null
      : addDays(from, interval);
  rm = {
    ...rm,
    requiredIntervalDays: interval,
    nextDueAt,
    // A confirmation only holds for the due date it was raised for.
    overdueSince:
      rm.overdueSince !== null && rm.overdueSince === nextDueAt ? rm.overdueSince : null,
  };
  if (rm.overdueSince === null && overdueConfirmed(event, rm, cause.at)) {
    rm = { ...rm, overdueSince: rm.nextDueAt, overdueCount: rm.overdueCount + 1 };
  }
  return { ...state, rmCoverage: { ...rm, status: statusOf(rm, state.asOf ?? cause.at, policy) } };
}
