/**
 * The customer-360 document. Plain JSON only (no Date, BigInt or Map): it is stored as a
 * JSONB / Mongo document and compared byte-for-byte with a rebuild, so every field is always
 * present (null rather than absent) and keyed collections are kept in sorted key order.
 */
import type {
  Channel,
  ConsentPurpose,
  InactivityThreshold,
  LifecycleStage,
  ProductType,
  ProgressionStage,
  ValueTier,
} from './vocabulary';
import { NO_PRIVACY_FACTS, type PrivacyFacts } from './privacy';

export interface Money {
  readonly amountMinor: string;
  readonly currency: string;
}

export interface BalanceSnapshot extends Money {
  /** occurredAt of the snapshot; a later-arriving older snapshot never replaces it. */
  readonly at: string;
}

export interface ProductHolding {
  readonly accountId: string;
  readonly productType: ProductType;
  readonly productCode: string;
  readonly currency: string;
  readonly status: 'open' | 'closed';
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly balance: BalanceSnapshot | null;
}

/** Why the state changed: kept on every transition so auditors can ask "why". */
export interface Cause {
  readonly eventId: string;
  readonly eventType: string;
  readonly at: string;
  readonly policyVersion: string;
}

export interface StageTransition extends Cause {
  readonly from: LifecycleStage | null;
  readonly to: LifecycleStage;
}

export interface InactivityMark {
  /** The last customer activity the threshold was measured from. */
  readonly inactiveSince: string;
  readonly reachedAt: string;
}

export interface LifecycleState {
  readonly stage: LifecycleStage | null;
  readonly since: string | null;
  readonly highestStage: ProgressionStage | null;
  readonly inactivity: Readonly<Record<InactivityThreshold, InactivityMark | null>>;
  readonly reactivatedAt: string | null;
  readonly churnedAt: string | null;
  /** Most recent transitions, oldest first, bounded by policy.lifecycle.historyLimit. */
  readonly history: readonly StageTransition[];
  readonly transitionCount: number;
}

export interface TierTransition extends Cause {
  readonly from: ValueTier | null;
  readonly to: ValueTier;
}

export interface ValueTierState {
  readonly tier: ValueTier | null;
  readonly since: string | null;
  readonly aumMinor: string;
  readonly productBreadth: number;
  readonly tenureMonths: number;
  /** The tier the facts alone support right now; `tier` lags it during a downgrade grace. */
  readonly qualifiesFor: ValueTier | null;
  readonly grace: { readonly startedAt: string; readonly expiresAt: string } | null;
  readonly history: readonly TierTransition[];
}

export type ChurnReasonCode =
  'balance-outflow' | 'inactivity' | 'unresolved-complaints' | 'low-nps' | 'closures';

export interface ChurnReason {
  readonly code: ChurnReasonCode;
  readonly points: number;
  readonly detail: string;
}

export interface ChurnRiskState {
  readonly score: number;
  readonly reasons: readonly ChurnReason[];
  /** Highest AUM seen within the outflow window, the reference an outflow is measured from. */
  readonly aumPeak: { readonly amountMinor: string; readonly at: string } | null;
}

export type RmCoverageStatus = 'not-required' | 'unassigned' | 'ok' | 'due' | 'overdue';

export interface RmCoverageState {
  readonly rmId: string | null;
  readonly branchId: string | null;
  readonly assignedAt: string | null;
  readonly requiredIntervalDays: number | null;
  readonly lastContactAt: string | null;
  readonly nextDueAt: string | null;
  /** Relative to the latest event time the projection has seen (it has no clock). */
  readonly status: RmCoverageStatus;
  /** The due date an RmContactOverdue event confirmed, while no contact has followed. */
  readonly overdueSince: string | null;
  readonly overdueCount: number;
}

export interface CustomerState {
  readonly customerId: string;
  readonly policyVersion: string | null;
  readonly eventCount: number;
  readonly lastEventId: string | null;
  readonly firstSeenAt: string | null;
  /** Latest occurredAt of any event, system events included: the projection's notion of "now". */
  readonly asOf: string | null;
  /** Latest occurredAt of any touchpoint (not system events), late events included. */
  readonly lastActivityAt: string | null;
  /** Latest occurredAt of an activity the customer initiated: inactivity is measured from it. */
  readonly lastCustomerActivityAt: string | null;
  readonly tenureStartedAt: string | null;
  readonly erasedAt: string | null;
  /** Erasure request, legal hold, erasing event (projections/privacy.ts). */
  readonly privacy: PrivacyFacts;
  readonly kyc: {
    readonly status: 'none' | 'verified' | 'expired';
    readonly verifiedAt: string | null;
    readonly expiresAt: string | null;
  };
  readonly products: Readonly<Record<string, ProductHolding>>;
  readonly channelsUsed: Readonly<Partial<Record<Channel, string>>>;
  readonly consent: Readonly<
    Partial<Record<ConsentPurpose, { readonly granted: boolean; readonly at: string }>>
  >;
  readonly openComplaints: Readonly<
    Record<string, { readonly filedAt: string; readonly category: string }>
  >;
  readonly resolvedComplaintCount: number;
  readonly lastNps: { readonly score: number; readonly at: string } | null;
  readonly campaigns: {
    readonly offered: number;
    readonly responded: number;
    readonly accepted: number;
  };
  readonly referralCount: number;
  readonly legacy: {
    readonly sourceSystem: string;
    readonly stage: string | null;
    readonly tier: string | null;
  } | null;
  readonly lifecycle: LifecycleState;
  readonly valueTier: ValueTierState;
  readonly churnRisk: ChurnRiskState;
  readonly rmCoverage: RmCoverageState;
}

export function initialCustomerState(customerId: string): CustomerState {
  return {
    customerId,
    policyVersion: null,
    eventCount: 0,
    lastEventId: null,
    firstSeenAt: null,
    asOf: null,
    lastActivityAt: null,
    lastCustomerActivityAt: null,
    tenureStartedAt: null,
    erasedAt: null,
    privacy: NO_PRIVACY_FACTS,
    kyc: { status: 'none', verifiedAt: null, expiresAt: null },
    products: {},
    channelsUsed: {},
    consent: {},
    openComplaints: {},
    resolvedComplaintCount: 0,
    lastNps: null,
    campaigns: { offered: 0, responded: 0, accepted: 0 },
    referralCount: 0,
    legacy: null,
    lifecycle: {
      stage: null,
      since: null,
      highestStage: null,
      inactivity: { 'at-risk': null, dormant: null },
      reactivatedAt: null,
      churnedAt: null,
      history: [],
      transitionCount: 0,
    },
    valueTier: {
      tier: null,
      since: null,
      aumMinor: '0',
      productBreadth: 0,
      tenureMonths: 0,
      qualifiesFor: null,
      grace: null,
      history: [],
    },
    churnRisk: { score: 0, reasons: [], aumPeak: null },
    rmCoverage: {
      rmId: null,
      branchId: null,
      assignedAt: null,
      requiredIntervalDays: null,
      lastContactAt: null,
      nextDueAt: null,
      status: 'not-required',
      overdueSince: null,
      overdueCount: 0,
    },
  };
}

/** Returns a copy of `record` with `key` set, keys in sorted order (deterministic JSON). */
export function withKey<V>(
  record: Readonly<Record<string, V>>,
  key: string,
  value: V,
): Record<string, V> {
  if (Object.prototype.hasOwnProperty.call(record, key)) return { ...record, [key]: value };
  const result: Record<string, V> = {};
  for (const k of [...new Set([...Object.keys(record), key])].sort()) {
    result[k] = k === key ? value : record[k];
  }
  return result;
}

export function withoutKey<V>(record: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const result: Record<string, V> = {};
  for (const k of Object.keys(record)) if (k !== key) result[k] = record[k];
  return result;
}

/** Keeps the newest `limit` entries of a history, oldest first. */
export function boundedAppend<T>(history: readonly T[], entry: T, limit: number): T[] {
  const next = [...history, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function openProducts(state: CustomerState): ProductHolding[] {
  return Object.values(state.products).filter((p) => p.status === 'open');
}
