import { CustomerState, initialCustomerState, Policy, projectCustomer } from '../../projections';
import { upcast } from '../domain/touchpoints';
import { RecordedEvent } from '../event-store/event-store.port';
import { CustomerView, customerView } from '../views/customer/customer-read-model';

/** Where an auditor's replay stops: the events recorded up to a global position or an instant. */
export type AsOf =
  | { readonly kind: 'now' }
  | { readonly kind: 'position'; readonly position: bigint }
  | { readonly kind: 'recordedAt'; readonly recordedAt: string };

interface Change<T> {
  readonly from: T;
  readonly to: T;
}

/** What one event changed in the derived view; only what changed is present. */
export interface DerivedChanges {
  readonly stage?: Change<string | null>;
  readonly tier?: Change<string | null>;
  readonly tierQualifiesFor?: Change<string | null>;
  readonly churnScore?: Change<number> & { readonly reasons: readonly string[] };
  readonly coverageStatus?: Change<string>;
  readonly rmId?: Change<string | null>;
  readonly consent?: Change<Readonly<Record<string, boolean>>>;
}

export interface ExplainedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly position: string;
  readonly revision: number;
  readonly changes: DerivedChanges;
}

export interface CustomerReplay {
  readonly customerId: string;
  readonly asOf: { readonly position?: string; readonly recordedAt?: string };
  /** How many of the customer's events were known then, and the last of them. */
  readonly knownEvents: number;
  readonly lastKnown: { readonly position: string; readonly recordedAt: string } | null;
  /** The policy in force at the moment asked about (the one the 360 showed then). */
  readonly policyVersion: string;
  /** Every policy version the replay applied, in the order met: each event under its own. */
  readonly policyVersions: readonly string[];
  /** As the 360 shows it (GET /v1/customers/:id), as of then. */
  readonly customer: CustomerView;
  /** Every known event in stream order, with what it changed in the derived view. */
  readonly explanation: readonly ExplainedEvent[];
}

/** Whether the event had been recorded by `asOf`, however late it happened. */
export function knownAsOf(event: RecordedEvent, asOf: AsOf): boolean {
  if (asOf.kind === 'position') return event.position <= asOf.position;
  if (asOf.kind === 'recordedAt')
    return Date.parse(event.recordedAt) <= Date.parse(asOf.recordedAt);
  return true;
}

/** The moment asked about, as an answer repeats it. */
export function asOfAnswer(asOf: AsOf): CustomerReplay['asOf'] {
  if (asOf.kind === 'position') return { position: asOf.position.toString() };
  return asOf.kind === 'recordedAt' ? { recordedAt: asOf.recordedAt } : {};
}

/** The last event known then, as an answer names it. */
export function lastKnownAnswer(last: RecordedEvent | undefined): CustomerReplay['lastKnown'] {
  return last ? { position: last.position.toString(), recordedAt: last.recordedAt } : null;
}

const consentOf = (state: CustomerState): Record<string, boolean> =>
  Object.fromEntries(
    Object.entries(state.consent).map(([purpose, entry]) => [purpose, entry?.granted === true]),
  );

function changed<T>(from: T, to: T): Change<T> | undefined {
  return JSON.stringify(from) === JSON.stringify(to) ? undefined : { from, to };
}

/** What `after` differs from `before` in, of the values marketing and operators act on. */
export function derivedChanges(before: CustomerState, after: CustomerState): DerivedChanges {
  const churn = changed(before.churnRisk.score, after.churnRisk.score);
  const entries = {
    stage: changed(before.lifecycle.stage, after.lifecycle.stage),
    tier: changed(before.valueTier.tier, after.valueTier.tier),
    tierQualifiesFor: changed(before.valueTier.qualifiesFor, after.valueTier.qualifiesFor),
    churnScore: churn && {
      ...churn,
      reasons: after.churnRisk.reasons.map((reason) => reason.code),
    },
    coverageStatus: changed(before.rmCoverage.status, after.rmCoverage.status),
    rmId: changed(before.rmCoverage.rmId, after.rmCoverage.rmId),
    consent: changed(consentOf(before), consentOf(after)),
  };
  return Object.fromEntries(
    Object.entries(entries).filter(([, value]) => value !== undefined),
  ) as DerivedChanges;
}

/**
 * Replays a customer's stream, as far as it was recorded at `asOf`, through the very projection
 * the read models use: what the service knew of the customer then, and which event changed what.
 * Events recorded later are left out even when they happened earlier (late events): that is the
 * difference between "as known then" and "as we know it now".
 */
export function replayCustomer(
  customerId: string,
  stream: readonly RecordedEvent[],
  asOf: AsOf,
  policyAt: (position: bigint) => Policy,
  /** The policy in force at the moment asked about: the 360 is shown as it was shown then. */
  viewPolicy: Policy,
): CustomerReplay {
  let state = initialCustomerState(customerId);
  const explanation: ExplainedEvent[] = [];
  let last: RecordedEvent | undefined;
  let policy: Policy | undefined;
  const versions: string[] = [];
  for (const recorded of stream) {
    if (!knownAsOf(recorded, asOf)) continue;
    policy = policyAt(recorded.position);
    if (!versions.includes(policy.policyVersion)) versions.push(policy.policyVersion);
    const next = projectCustomer(state, upcast(recorded), policy);
    explanation.push({
      eventId: recorded.eventId,
      type: recorded.type,
      version: recorded.version,
      occurredAt: recorded.occurredAt,
      recordedAt: recorded.recordedAt,
      position: recorded.position.toString(),
      revision: recorded.revision,
      changes: derivedChanges(state, next),
    });
    state = next;
    last = recorded;
  }
  return {
    customerId,
    asOf: asOfAnswer(asOf),
    knownEvents: explanation.length,
    lastKnown: lastKnownAnswer(last),
    policyVersion: viewPolicy.policyVersion,
    policyVersions: versions,
    customer: customerView(state, viewPolicy),
    explanation,
  };
}
