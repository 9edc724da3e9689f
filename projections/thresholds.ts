/**
 * Time-driven transitions. Projections have no clock, so a scheduler asks which thresholds
 * have passed for a customer and appends them as events. Ids are name-based UUIDs of
 * (customer, threshold, due instant): asking twice, or from two scheduler replicas, yields the
 * same events, which the store then reports as duplicates.
 */
import { type CustomerState, openProducts } from './customer-state';
import { THRESHOLD_EVENT_NAMESPACE, uuidV5 } from './deterministic-id';
import { inactivityBaseline } from './holdings';
import { inactivityDays } from './lifecycle';
import type { Policy } from './policy';
import { privacyOf, retentionErasureDueAt } from './privacy';
import { addDays } from './time';
import type { SystemEventType, TouchpointEvent } from './touchpoint-types';
import { INACTIVITY_THRESHOLDS, SYSTEM_EVENT_TYPES } from './vocabulary';

/** What the scheduler appends: the threshold events, and a retention-expired erasure. */
export type ThresholdEventType =
  Exclude<SystemEventType, typeof SYSTEM_EVENT_TYPES.legalHoldChanged> | 'PersonalDataErased';

export type ThresholdEvent = Extract<
  TouchpointEvent,
  { readonly type: ThresholdEventType; readonly version: 1 }
>;

interface PendingThreshold {
  /** Distinguishes thresholds that could fall due at the same instant. */
  readonly kind: string;
  readonly type: ThresholdEventType;
  readonly dueAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

function pendingInactivity(state: CustomerState, policy: Policy): PendingThreshold[] {
  const baseline = inactivityBaseline(state);
  if (baseline === null || openProducts(state).length === 0) return [];
  return INACTIVITY_THRESHOLDS.filter(
    (t) => state.lifecycle.inactivity[t]?.inactiveSince !== baseline,
  ).map((threshold) => ({
    kind: `inactivity:${threshold}`,
    type: SYSTEM_EVENT_TYPES.inactivityThresholdReached,
    dueAt: addDays(baseline, inactivityDays(threshold, policy)),
    data: { threshold, inactiveSince: baseline, policyVersion: policy.policyVersion },
  }));
}

function pendingReactivationWatch(state: CustomerState, policy: Policy): PendingThreshold[] {
  const { reactivatedAt } = state.lifecycle;
  if (reactivatedAt === null) return [];
  return [
    {
      kind: 'reactivation-watch',
      type: SYSTEM_EVENT_TYPES.reactivationWatchEnded,
      dueAt: addDays(reactivatedAt, policy.lifecycle.reactivationWatchDays),
      data: { reactivatedAt, policyVersion: policy.policyVersion },
    },
  ];
}

function pendingRmContact(state: CustomerState, policy: Policy): PendingThreshold[] {
  const rm = state.rmCoverage;
  if (rm.rmId === null || rm.nextDueAt === null || rm.overdueSince === rm.nextDueAt) return [];
  return [
    {
      kind: `rm-overdue:${rm.rmId}`,
      type: SYSTEM_EVENT_TYPES.rmContactOverdue,
      dueAt: rm.nextDueAt,
      data: {
        rmId: rm.rmId,
        dueAt: rm.nextDueAt,
        ...(rm.lastContactAt === null ? {} : { lastContactAt: rm.lastContactAt }),
        policyVersion: policy.policyVersion,
      },
    },
  ];
}

function pendingTierGrace(state: CustomerState, policy: Policy): PendingThreshold[] {
  const { grace, tier } = state.valueTier;
  if (grace === null || tier === null) return [];
  return [
    {
      kind: 'tier-grace',
      type: SYSTEM_EVENT_TYPES.tierDowngradeGraceExpired,
      dueAt: grace.expiresAt,
      data: {
        currentTier: tier,
        graceStartedAt: grace.startedAt,
        policyVersion: policy.policyVersion,
      },
    },
  ];
}

/** A restricted customer's erasure when the AML window ends (PersonalDataErased, as if sent). */
function pendingRetentionErasure(state: CustomerState, policy: Policy): PendingThreshold[] {
  const dueAt = retentionErasureDueAt(state, policy);
  const request = privacyOf(state).erasureRequest;
  if (dueAt === null || request === null) return [];
  return [
    {
      kind: `retention-erasure:${request.eventId}`,
      type: 'PersonalDataErased',
      dueAt,
      data: { requestId: request.requestId, reason: 'retention-expired' },
    },
  ];
}

function pendingThresholds(state: CustomerState, policy: Policy): PendingThreshold[] {
  if (state.erasedAt !== null || state.asOf === null) return [];
  return [
    ...pendingRetentionErasure(state, policy),
    ...pendingInactivity(state, policy),
    ...pendingReactivationWatch(state, policy),
    ...pendingRmContact(state, policy),
    ...pendingTierGrace(state, policy),
  ].sort((a, b) => (a.dueAt === b.dueAt ? (a.kind < b.kind ? -1 : 1) : a.dueAt < b.dueAt ? -1 : 1));
}

/**
 * The threshold events due at `now` (ISO instant), earliest first, each at its own due instant.
 * Applying one can make a later one moot (a downgrade removes the RM requirement); the
 * projection ignores such stale events, and a scheduler that re-asks after each append avoids
 * writing them at all.
 */
export function dueThresholdEvents(
  state: CustomerState,
  policy: Policy,
  now: string,
): ThresholdEvent[] {
  const nowInstant = new Date(Date.parse(now)).toISOString();
  return pendingThresholds(state, policy)
    .filter((p) => p.dueAt <= nowInstant)
    .map((p): ThresholdEvent => ({
      eventId: uuidV5(`${state.customerId}|${p.kind}|${p.dueAt}`, THRESHOLD_EVENT_NAMESPACE),
      type: p.type,
      version: 1,
      occurredAt: p.dueAt,
      data: p.data,
    }));
}

/** The earliest instant at which a threshold falls due (possibly already past), or null. */
export function nextDueAt(state: CustomerState, policy: Policy): string | null {
  const pending = pendingThresholds(state, policy);
  return pending.length === 0 ? null : pending[0].dueAt;
}
