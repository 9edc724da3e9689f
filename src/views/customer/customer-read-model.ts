import {
  contactablePurposesOf,
  CustomerState,
  initialCustomerState,
  MarketingPurpose,
  nextDueAt,
  PrivacyView,
  privacyView,
  Policy,
  projectCustomer,
  ProjectionEvent,
  StageTransition,
} from '../../../projections';
import { CollectionSpec } from '../../read-models/read-model-store.port';

/** Flat copies of the fields operators and marketers filter on, derived from the state. */
export interface CustomerSearchFields {
  readonly stage: string | null;
  readonly tier: string | null;
  readonly branchId: string | null;
  readonly rmId: string | null;
  readonly churnScore: number;
  readonly coverageStatus: string;
  readonly nextContactDueAt: string | null;
  /** When the scheduler should next look at this customer (a time threshold falls due). */
  readonly nextThresholdAt: string | null;
  /** Marketing may reach the customer: at least one contactable purpose (see below). */
  readonly marketingConsent: boolean;
  readonly lastActivityAt: string | null;
}

/** The stored customer-360 document. */
export interface CustomerDocument {
  readonly customer: CustomerState;
  readonly search: CustomerSearchFields;
}

export const CUSTOMERS = 'customers';

export const CUSTOMER_FIELDS = [
  { path: 'search.stage', type: 'string' },
  { path: 'search.tier', type: 'string' },
  { path: 'search.branchId', type: 'string' },
  { path: 'search.rmId', type: 'string' },
  { path: 'search.churnScore', type: 'number' },
  { path: 'search.coverageStatus', type: 'string' },
  { path: 'search.nextContactDueAt', type: 'string' },
  { path: 'search.nextThresholdAt', type: 'string' },
  { path: 'search.marketingConsent', type: 'boolean' },
  { path: 'search.lastActivityAt', type: 'string' },
] as const satisfies CollectionSpec['indexedFields'];

export const STAGE_TRANSITIONS = 'stage_transitions';

/** One stored document per stage move, so "moves in a window" is an indexed range query. */
export interface StageTransitionDocument extends StageTransition {
  readonly customerId: string;
  readonly sequence: number;
}

export const STAGE_TRANSITION_FIELDS = [
  { path: 'at', type: 'string' },
  { path: 'to', type: 'string' },
  { path: 'from', type: 'string' },
] as const satisfies CollectionSpec['indexedFields'];

export function searchFields(state: CustomerState, policy: Policy): CustomerSearchFields {
  return {
    stage: state.lifecycle.stage,
    tier: state.valueTier.tier,
    branchId: state.rmCoverage.branchId,
    rmId: state.rmCoverage.rmId,
    churnScore: state.churnRisk.score,
    coverageStatus: state.rmCoverage.status,
    nextContactDueAt: state.rmCoverage.nextDueAt,
    nextThresholdAt: nextDueAt(state, policy),
    marketingConsent: contactablePurposesOf(state, policy).length > 0,
    lastActivityAt: state.lastActivityAt,
  };
}

/**
 * The customer 360 as the API shows it (live, and as an auditor's replay): the state, with the
 * privacy state and contactable purposes derived under the policy in place of the raw facts.
 */
export type CustomerView = Omit<CustomerState, 'privacy'> & {
  /** none, restricted-until (an erasure request waits for the AML window), or erased. */
  readonly privacy: PrivacyView;
  /** The marketing purposes the customer may be contacted for, under the policy's consent model. */
  readonly contactablePurposes: readonly MarketingPurpose[];
};

export function customerView(state: CustomerState, policy: Policy): CustomerView {
  return {
    ...state,
    privacy: privacyView(state, policy),
    contactablePurposes: contactablePurposesOf(state, policy),
  };
}

export interface CustomerProjectionResult {
  readonly document: CustomerDocument;
  /** Stage moves the events made, each with the revision of the event that caused it. */
  readonly transitions: readonly {
    readonly revision: number;
    readonly transition: StageTransitionDocument;
  }[];
}

export interface RevisionedEvent {
  readonly revision: number;
  readonly event: ProjectionEvent;
}

/**
 * Applies a customer's new events (with their stream revisions) to the stored document, or to
 * an empty state. Transitions are read off after every single event, so the result does not
 * depend on how events were batched; `observe` sees each event with the state before and after.
 */
export function projectCustomerEvents<E extends RevisionedEvent>(
  customerId: string,
  current: CustomerDocument | undefined,
  events: readonly E[],
  policyOf: (entry: E) => Policy,
  observe?: (entry: E, before: CustomerState, after: CustomerState, policy: Policy) => void,
): CustomerProjectionResult {
  let state = current?.customer ?? initialCustomerState(customerId);
  let policy: Policy | undefined;
  const transitions: { revision: number; transition: StageTransitionDocument }[] = [];
  for (const entry of events) {
    policy = policyOf(entry);
    const next = projectCustomer(state, entry.event, policy);
    if (next.lifecycle.transitionCount > state.lifecycle.transitionCount) {
      const transition = next.lifecycle.history[next.lifecycle.history.length - 1];
      transitions.push({
        revision: entry.revision,
        transition: { ...transition, customerId, sequence: next.lifecycle.transitionCount },
      });
    }
    observe?.(entry, state, next, policy);
    state = next;
  }
  if (policy === undefined) throw new RangeError('projectCustomerEvents needs at least one event');
  return { document: { customer: state, search: searchFields(state, policy) }, transitions };
}
