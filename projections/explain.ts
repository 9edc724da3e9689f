/**
 * Explain: why a customer has her lifecycle stage, value tier, churn risk and RM coverage, as
 * data and as sentences an auditor can quote. The events are folded through projectCustomer, the
 * very step the read models use, and after each event the facts it changed are noted, so every
 * fact names the events that made it what it is. The decisions themselves are read from the state
 * (transition causes, churn reasons, coverage status) and the policy, never decided again here.
 * Only derived values, event ids, types and positions are told: no personal field of any event.
 */
import {
  type Cause,
  type ChurnReasonCode,
  type CustomerState,
  type ProductHolding,
  type RmCoverageStatus,
  initialCustomerState,
  openProducts,
} from './customer-state';
import type { ProjectionEvent } from './event';
import { inactivityBaseline } from './holdings';
import { fundedProducts } from './lifecycle';
import { dropPercent, toBaseMinor } from './money';
import type { Policy } from './policy';
import { projectCustomer } from './project-customer';
import { relationshipRelieved, requiredAumMinor } from './value-tier';
import { addDays, daysBetween, normaliseInstant } from './time';
import { type LifecycleStage, type ValueTier, tierRank } from './vocabulary';

/** An event as stored: where it stands in the global order and in its stream. */
export type ExplainableEvent = ProjectionEvent & {
  /** Global position, a decimal string. */
  readonly position: string;
  readonly revision: number;
};

/** A stored event a fact or a decision comes from. */
export interface EventReference {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  /** Global position, a decimal string. */
  readonly position: string;
  readonly revision: number;
}

/** The event that gave a dimension its present value, and the policy version it applied. */
export interface DecidingEvent extends EventReference {
  readonly policyVersion: string;
}

export type FactValue = string | number | boolean | null;

/** One input of a decision: its value and the events that made it so, in stream order. */
export interface ExplainedFact {
  readonly name: string;
  readonly value: FactValue;
  readonly events: readonly EventReference[];
}

/** The policy rule that decided a value, and the numbers it took from the policy, by path. */
export interface ExplainedRule {
  readonly name: string;
  readonly description: string;
  readonly thresholds: Readonly<Record<string, FactValue>>;
}

export interface DimensionExplanation {
  /** Null while the value is the one every customer starts with. */
  readonly decidedBy: DecidingEvent | null;
  readonly rule: ExplainedRule;
  readonly facts: readonly ExplainedFact[];
  /** The explanation in sentences, to quote in a report. */
  readonly text: string;
}

export interface StageExplanation extends DimensionExplanation {
  readonly value: LifecycleStage | null;
}

export interface TierBandExplanation {
  readonly tier: ValueTier;
  /** The band's minimum in the policy, base-currency minor units. */
  readonly minAumMinor: string;
  /** The minimum this customer must reach, after relationship relief. */
  readonly requiredAumMinor: string;
}

/** One account counted in AUM. */
export interface AumAccount {
  readonly accountId: string;
  readonly productType: string;
  readonly amountMinor: string;
  readonly currency: string;
  /** In the policy's base currency; null when the policy has no rate for the currency. */
  readonly baseAmountMinor: string | null;
  readonly events: readonly EventReference[];
}

export interface TierExplanation extends DimensionExplanation {
  readonly value: ValueTier | null;
  /** The tier the facts alone support; `value` lags it during a downgrade grace. */
  readonly qualifiesFor: ValueTier | null;
  /** The band the AUM reaches (null below the lowest) and the next one up (null at the top). */
  readonly band: TierBandExplanation | null;
  readonly nextBand: TierBandExplanation | null;
  readonly grace: { readonly startedAt: string; readonly expiresAt: string } | null;
  readonly aumAccounts: readonly AumAccount[];
}

export interface ChurnReasonExplanation {
  readonly code: ChurnReasonCode;
  /** The reason's rule in the policy's numbers. */
  readonly rule: string;
  readonly points: number;
  readonly maxPoints: number;
  /** The projection's own account of the reason; null when it adds no points. */
  readonly detail: string | null;
  readonly thresholds: Readonly<Record<string, FactValue>>;
  /** Names of the facts (in the dimension's `facts`) the reason is computed from. */
  readonly facts: readonly string[];
}

export interface ChurnRiskExplanation extends DimensionExplanation {
  /** 0-100: the sum of the reasons' points, capped at 100. */
  readonly value: number;
  readonly reasons: readonly ChurnReasonExplanation[];
}

export interface RmCoverageExplanation extends DimensionExplanation {
  readonly value: RmCoverageStatus;
  readonly rmId: string | null;
  readonly requiredIntervalDays: number | null;
  readonly nextDueAt: string | null;
}

export interface CustomerExplanation {
  readonly customerId: string;
  /** The policy the events were projected under. */
  readonly policyVersion: string;
  readonly knownEvents: number;
  /**
   * The latest occurredAt of the events and the event holding it: projections have no clock, so
   * durations (inactivity, tenure, coverage) are measured up to this instant.
   */
  readonly measuredAt: { readonly at: string; readonly event: EventReference } | null;
  readonly stage: StageExplanation;
  readonly tier: TierExplanation;
  readonly churnRisk: ChurnRiskExplanation;
  readonly rmCoverage: RmCoverageExplanation;
  /** All four explanations in sentences, after one line naming the values. */
  readonly summary: string;
}

type Thresholds = Record<string, FactValue>;

/** Where each fact of the state came from: the last event that changed it. */
interface Provenance {
  readonly state: CustomerState;
  /** The events that last changed the facts under `keys`, in stream order, each once. */
  of(...keys: string[]): EventReference[];
  decision(cause: Cause | undefined): DecidingEvent | null;
}

/** The facts an event can change, each under its own key, as comparable text. */
function signatures(state: CustomerState): Map<string, string> {
  const found = new Map<string, string>();
  const put = (key: string, value: unknown) => found.set(key, JSON.stringify(value ?? null));
  for (const product of Object.values(state.products)) {
    put(`opened:${product.accountId}`, product.openedAt);
    put(`balance:${product.accountId}`, product.balance);
    put(`closed:${product.accountId}`, product.closedAt);
  }
  for (const [id, complaint] of Object.entries(state.openComplaints))
    put(`complaint:${id}`, complaint);
  for (const [channel, at] of Object.entries(state.channelsUsed)) put(`channel:${channel}`, at);
  const { lifecycle, rmCoverage: rm } = state;
  const scalars: Record<string, unknown> = {
    tier: state.valueTier.tier,
    kyc: state.kyc,
    lastNps: state.lastNps,
    firstSeenAt: state.firstSeenAt,
    lastCustomerActivityAt: state.lastCustomerActivityAt,
    tenureStartedAt: state.tenureStartedAt,
    asOf: state.asOf,
    // The amount only: its instant moves on with every event that sees the same AUM.
    aumPeakAmount: state.churnRisk.aumPeak?.amountMinor,
    churnScore: state.churnRisk.score,
    rmAssigned: [rm.rmId, rm.branchId, rm.assignedAt],
    rmLastContact: rm.lastContactAt,
    rmOverdue: rm.overdueSince,
    rmStatus: rm.status,
    reactivatedAt: lifecycle.reactivatedAt,
    'inactivity:at-risk': lifecycle.inactivity['at-risk'],
    'inactivity:dormant': lifecycle.inactivity.dormant,
  };
  for (const [key, value] of Object.entries(scalars)) put(key, value);
  return found;
}

function fold(
  customerId: string,
  events: readonly ExplainableEvent[],
  policyOf: (event: ExplainableEvent) => Policy,
): Provenance {
  let state = initialCustomerState(customerId);
  let before = signatures(state);
  const causes = new Map<string, EventReference>();
  const byId = new Map<string, EventReference>();
  for (const event of events) {
    const reference: EventReference = {
      eventId: event.eventId,
      type: event.type,
      occurredAt: normaliseInstant(event.occurredAt),
      position: event.position,
      revision: event.revision,
    };
    byId.set(event.eventId, reference);
    state = projectCustomer(state, event, policyOf(event));
    const after = signatures(state);
    for (const [key, value] of after) if (before.get(key) !== value) causes.set(key, reference);
    before = after;
  }
  return {
    state,
    of: (...keys) => {
      const found = new Map<string, EventReference>();
      for (const key of keys) {
        const cause = causes.get(key);
        if (cause !== undefined) found.set(cause.eventId, cause);
      }
      return [...found.values()].sort((a, b) => a.revision - b.revision);
    },
    decision: (cause) => {
      const reference = cause === undefined ? undefined : byId.get(cause.eventId);
      return reference === undefined || cause === undefined
        ? null
        : { ...reference, policyVersion: cause.policyVersion };
    },
  };
}

/** Policy numbers under `path`, keyed by their full path in the policy file. */
function thresholdsAt(path: string, values: object, keys?: readonly string[]): Thresholds {
  const result: Thresholds = {};
  for (const [key, value] of Object.entries(values)) {
    if (keys === undefined || keys.includes(key)) result[`${path}.${key}`] = value as FactValue;
  }
  return result;
}

const fact = (name: string, value: FactValue, events: EventReference[]): ExplainedFact => ({
  name,
  value,
  events,
});

/** `12345678` minor units as `123,456.78 CNY` in the policy's base currency. */
function money(amountMinor: string, policy: Policy): string {
  const digits = policy.currencies[policy.baseCurrency].minorUnits;
  const padded = amountMinor.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}${digits > 0 ? `.${padded.slice(-digits)}` : ''} ${policy.baseCurrency}`;
}

const FACT_LABELS: Readonly<Record<string, string>> = {
  openProducts: 'open products',
  fundedProducts: 'open products holding a balance',
  kycStatus: 'KYC',
  productBreadth: 'product types held',
  channelsUsed: 'channels the customer used',
  tenureMonths: 'tenure in months (from the earliest product opening to the latest event)',
  inactiveSince: 'last customer-initiated activity (or first contact)',
  inactiveDays: 'days without customer-initiated activity',
  inactivityConfirmedAt: 'inactivity confirmed by the scheduler at',
  churnScore: 'churn score',
  closedProducts: 'closed products',
  reactivatedAt: 'reactivated at',
  aumMinor: 'AUM',
  aumPeakMinor: 'AUM peak within the outflow window',
  outflowPercent: 'percent below that peak',
  openComplaints: 'unresolved complaints',
  lastNps: 'last NPS',
  closedInWindow: 'products closed within the closures window',
  tier: 'value tier',
  rmId: 'relationship manager',
  lastContactAt: 'last RM contact that reached the customer',
  nextDueAt: 'next RM contact due',
  overdueSince: 'overdue confirmed for the due date',
  measuredAt: 'measured at (the latest time of an event)',
};

const cite = (event: EventReference) =>
  `${event.type} ${event.eventId} at position ${event.position}`;

function factText(item: ExplainedFact, policy: Policy): string {
  const value =
    item.value === null
      ? 'none'
      : typeof item.value === 'string' && item.name.endsWith('Minor')
        ? money(item.value, policy)
        : String(item.value);
  const events = item.events.length === 0 ? '' : ` (${item.events.map(cite).join('; ')})`;
  return `${FACT_LABELS[item.name] ?? item.name}: ${value}${events}`;
}

function dimensionText(
  title: string,
  value: FactValue,
  explanation: Omit<DimensionExplanation, 'text'>,
  policy: Policy,
): string {
  const decided =
    explanation.decidedBy === null
      ? 'unchanged since the first event'
      : `since ${explanation.decidedBy.occurredAt}, set by ${cite(explanation.decidedBy)} (revision ${explanation.decidedBy.revision}) under policy ${explanation.decidedBy.policyVersion}`;
  const facts = explanation.facts.map((item) => factText(item, policy)).join('; ');
  return `${title}: ${String(value ?? 'none')}, ${decided}. Rule ${explanation.rule.name}: ${explanation.rule.description}. Facts: ${facts}.`;
}

function explained<T extends Omit<DimensionExplanation, 'text'>>(
  title: string,
  value: FactValue,
  explanation: T,
  policy: Policy,
): T & { readonly text: string } {
  return { ...explanation, text: dimensionText(title, value, explanation, policy) };
}

const opened = (products: readonly ProductHolding[]) =>
  products.map((product) => `opened:${product.accountId}`);

function aumAccounts(p: Provenance, policy: Policy): AumAccount[] {
  return openProducts(p.state)
    .filter((product) => policy.valueTier.aumProductTypes.includes(product.productType))
    .flatMap((product) =>
      product.balance === null
        ? []
        : [
            {
              accountId: product.accountId,
              productType: product.productType,
              amountMinor: product.balance.amountMinor,
              currency: product.balance.currency,
              baseAmountMinor: toBaseMinor(
                product.balance.amountMinor,
                product.balance.currency,
                policy,
              ),
              events: p.of(`opened:${product.accountId}`, `balance:${product.accountId}`),
            },
          ],
    );
}

function inactiveSinceFact(p: Provenance): ExplainedFact {
  const { state } = p;
  return fact(
    'inactiveSince',
    inactivityBaseline(state),
    p.of(state.lastCustomerActivityAt === null ? 'firstSeenAt' : 'lastCustomerActivityAt'),
  );
}

function stageRule(
  p: Provenance,
  policy: Policy,
): { name: string; description: string; thresholds: Thresholds; facts: ExplainedFact[] } {
  const { state } = p;
  const lc = state.lifecycle;
  const rules = policy.lifecycle;
  const open = openProducts(state);
  const funded = fundedProducts(state);
  const openFact = fact('openProducts', open.length, p.of(...opened(open)));
  const base = [
    openFact,
    fact('kycStatus', state.kyc.status, p.of('kyc')),
    fact('fundedProducts', funded.length, p.of(...funded.map((x) => `balance:${x.accountId}`))),
  ];
  const breadth = fact('productBreadth', state.valueTier.productBreadth, p.of(...opened(open)));
  const channels = Object.keys(state.channelsUsed);
  const channelsFact = fact(
    'channelsUsed',
    channels.length,
    p.of(...channels.map((c) => `channel:${c}`)),
  );
  const tenure = fact(
    'tenureMonths',
    state.valueTier.tenureMonths,
    p.of('tenureStartedAt', 'asOf'),
  );
  const engaged = `at least ${rules.engagedMinProducts} product types (lifecycle.engagedMinProducts) and ${rules.engagedMinChannels} channels (lifecycle.engagedMinChannels)`;
  const loyal = `${rules.loyalMinProducts} product types (lifecycle.loyalMinProducts) with ${rules.loyalMinTenureMonths} months of tenure (lifecycle.loyalMinTenureMonths)`;
  const progression = thresholdsAt('lifecycle', rules, [
    'engagedMinProducts',
    'engagedMinChannels',
    'loyalMinProducts',
    'loyalMinTenureMonths',
  ]);
  const funnel = 'KYC is verified and an open product holds a balance';
  const inactivity = (
    name: string,
    threshold: 'at-risk' | 'dormant',
    days: number,
    key: string,
  ) => ({
    name,
    description: `no customer-initiated activity for ${days} days (lifecycle.${key}), confirmed by the scheduler's InactivityThresholdReached event`,
    thresholds: thresholdsAt('lifecycle', rules, [key]),
    facts: [
      openFact,
      inactiveSinceFact(p),
      fact(
        'inactivityConfirmedAt',
        lc.inactivity[threshold]?.reachedAt ?? null,
        p.of(`inactivity:${threshold}`),
      ),
    ],
  });
  switch (lc.stage) {
    case null:
      return {
        name: 'lifecycle.none',
        description: 'nothing is known yet',
        thresholds: {},
        facts: [],
      };
    case 'prospect':
      return {
        name: 'lifecycle.prospect',
        description: 'no product is open yet',
        thresholds: {},
        facts: [openFact],
      };
    case 'onboarding':
      return {
        name: 'lifecycle.onboarding',
        description:
          'a product is open, but KYC is not verified or no open product holds a balance',
        thresholds: {},
        facts: base,
      };
    case 'active':
      return {
        name: 'lifecycle.active',
        description: `${funnel}, but the customer holds fewer than ${rules.engagedMinProducts} product types (lifecycle.engagedMinProducts) or used fewer than ${rules.engagedMinChannels} channels (lifecycle.engagedMinChannels)`,
        thresholds: progression,
        facts: [...base, breadth, channelsFact],
      };
    case 'engaged':
      return {
        name: 'lifecycle.engaged',
        description: `${funnel} and the customer holds ${engaged}, but not ${loyal}`,
        thresholds: progression,
        facts: [...base, breadth, channelsFact, tenure],
      };
    case 'loyal':
      return {
        name: 'lifecycle.loyal',
        description: `${funnel} and the customer holds ${engaged}, and ${loyal}`,
        thresholds: progression,
        facts: [...base, breadth, channelsFact, tenure],
      };
    case 'dormant':
      return inactivity(
        'lifecycle.dormant',
        'dormant',
        rules.dormantInactivityDays,
        'dormantInactivityDays',
      );
    case 'at-risk':
      if (lc.inactivity['at-risk'] !== null)
        return inactivity(
          'lifecycle.at-risk.inactivity',
          'at-risk',
          rules.atRiskInactivityDays,
          'atRiskInactivityDays',
        );
      return {
        name: 'lifecycle.at-risk.churn-score',
        description: `the churn score is at or above ${policy.churnRisk.atRiskScore} (churnRisk.atRiskScore)`,
        thresholds: thresholdsAt('churnRisk', policy.churnRisk, ['atRiskScore']),
        facts: [fact('churnScore', state.churnRisk.score, p.of('churnScore'))],
      };
    case 'churned': {
      const closed = Object.values(state.products).filter((x) => x.status === 'closed');
      return {
        name: 'lifecycle.churned',
        description: 'every product the customer held is closed',
        thresholds: {},
        facts: [
          openFact,
          fact(
            'closedProducts',
            closed.length,
            p.of(...closed.map((x) => `closed:${x.accountId}`)),
          ),
        ],
      };
    }
    case 'reactivated':
      return {
        name: 'lifecycle.reactivated',
        description: `the customer came back after being dormant or churned, and is watched for ${rules.reactivationWatchDays} days (lifecycle.reactivationWatchDays)`,
        thresholds: thresholdsAt('lifecycle', rules, ['reactivationWatchDays']),
        facts: [fact('reactivatedAt', lc.reactivatedAt, p.of('reactivatedAt'))],
      };
  }
}

function explainStage(p: Provenance, policy: Policy): StageExplanation {
  const { facts, ...rule } = stageRule(p, policy);
  const value = p.state.lifecycle.stage;
  return explained(
    'Lifecycle stage',
    value,
    { value, decidedBy: p.decision(p.state.lifecycle.history.at(-1)), rule, facts },
    policy,
  );
}

/** Base-currency keys of the accounts AUM counts: their opening and their latest balance. */
function aumKeys(p: Provenance, policy: Policy): string[] {
  return aumAccounts(p, policy).flatMap((account) => [
    `opened:${account.accountId}`,
    `balance:${account.accountId}`,
  ]);
}

function tierBand(
  index: number,
  relieved: boolean,
  policy: Policy,
  bufferPercent = 0,
): TierBandExplanation | null {
  const band = policy.valueTier.bands[index];
  if (band === undefined) return null;
  return {
    tier: band.tier,
    minAumMinor: band.minAumMinor,
    requiredAumMinor: requiredAumMinor(band.minAumMinor, relieved, bufferPercent, policy),
  };
}

function tierRule(
  vt: CustomerState['valueTier'],
  relieved: boolean,
  policy: Policy,
): Pick<ExplainedRule, 'name' | 'description'> {
  const rules = policy.valueTier;
  const relief = rules.relationshipRelief;
  const reliefText = `relationship relief (at least ${relief.minProducts} product types and ${relief.minTenureMonths} months of tenure: each band at ${relief.aumPercent}% of its minimum) ${relieved ? 'applies' : 'does not apply'}`;
  if (vt.tier === null || vt.qualifiesFor === null)
    return { name: 'value-tier.none', description: 'nothing is known yet' };
  const reached = tierRank(vt.qualifiesFor) - 1;
  const band = tierBand(reached, relieved, policy);
  const next = tierBand(reached + 1, relieved, policy);
  if (vt.tier === vt.qualifiesFor) {
    const reach =
      band === null
        ? `the AUM is below ${money(next?.requiredAumMinor ?? '0', policy)}, the minimum of the lowest band (${next?.tier})`
        : `the AUM reaches ${money(band.requiredAumMinor, policy)}, the minimum of the ${band.tier} band${next === null ? ', the highest' : `, but not ${money(next.requiredAumMinor, policy)} for ${next.tier}`}`;
    return {
      name: 'value-tier.band',
      description: `${reach}; ${reliefText}; upgrades apply at once`,
    };
  }
  const held = tierBand(tierRank(vt.tier) - 1, relieved, policy, rules.downgradeBufferPercent);
  const buffer = `within ${rules.downgradeBufferPercent}% (valueTier.downgradeBufferPercent) of the ${vt.tier} band, at least ${money(held?.requiredAumMinor ?? '0', policy)}`;
  if (vt.grace !== null)
    return {
      name: 'value-tier.downgrade-grace',
      description: `the AUM supports only ${vt.qualifiesFor}; ${vt.tier} is kept through a grace period of ${rules.downgradeGraceDays} days (valueTier.downgradeGraceDays) from ${vt.grace.startedAt} to ${vt.grace.expiresAt}, when the scheduler's TierDowngradeGraceExpired event confirms the downgrade unless the AUM is back ${buffer}; ${reliefText}`,
    };
  return {
    name: 'value-tier.downgrade-buffer',
    description: `the AUM supports only ${vt.qualifiesFor}, but ${vt.tier} holds while the AUM stays ${buffer}; ${reliefText}`,
  };
}

function explainTier(p: Provenance, policy: Policy): TierExplanation {
  const vt = p.state.valueTier;
  const rules = policy.valueTier;
  const relief = rules.relationshipRelief;
  const relieved = relationshipRelieved(vt.productBreadth, vt.tenureMonths, policy);
  const reached = vt.qualifiesFor === null ? -1 : tierRank(vt.qualifiesFor) - 1;
  const thresholds: Thresholds = {
    ...Object.fromEntries(
      rules.bands.map((band, i) => [`valueTier.bands[${i}].minAumMinor`, band.minAumMinor]),
    ),
    ...thresholdsAt('valueTier.relationshipRelief', relief),
    ...thresholdsAt('valueTier', rules, ['downgradeBufferPercent', 'downgradeGraceDays']),
  };
  return explained(
    'Value tier',
    vt.tier,
    {
      value: vt.tier,
      qualifiesFor: vt.qualifiesFor,
      band: reached < 0 ? null : tierBand(reached, relieved, policy),
      nextBand: vt.qualifiesFor === null ? null : tierBand(reached + 1, relieved, policy),
      grace: vt.grace,
      aumAccounts: aumAccounts(p, policy),
      decidedBy: p.decision(vt.history.at(-1)),
      rule: { ...tierRule(vt, relieved, policy), thresholds },
      facts: [
        fact('aumMinor', vt.aumMinor, p.of(...aumKeys(p, policy))),
        fact('productBreadth', vt.productBreadth, p.of(...opened(openProducts(p.state)))),
        fact('tenureMonths', vt.tenureMonths, p.of('tenureStartedAt', 'asOf')),
      ],
    },
    policy,
  );
}

/** The policy's own wording of each churn reason, its maximum, numbers and inputs. */
function churnReasonRules(
  policy: Policy,
): [ChurnReasonCode, string, number, Thresholds, string[]][] {
  const { balanceOutflow, inactivity, unresolvedComplaints, lowNps, closures } = policy.churnRisk;
  return [
    [
      'balance-outflow',
      `AUM ${balanceOutflow.start}% to ${balanceOutflow.full}% below its ${balanceOutflow.windowDays}-day peak scores up to ${balanceOutflow.maxPoints}`,
      balanceOutflow.maxPoints,
      thresholdsAt('churnRisk.balanceOutflow', balanceOutflow),
      ['aumMinor', 'aumPeakMinor', 'outflowPercent'],
    ],
    [
      'inactivity',
      `${inactivity.start} to ${inactivity.full} days without customer-initiated activity, while a product is open, score up to ${inactivity.maxPoints}`,
      inactivity.maxPoints,
      thresholdsAt('churnRisk.inactivity', inactivity),
      ['inactiveSince', 'inactiveDays'],
    ],
    [
      'unresolved-complaints',
      `${unresolvedComplaints.pointsEach} per unresolved complaint, at most ${unresolvedComplaints.maxPoints}`,
      unresolvedComplaints.maxPoints,
      thresholdsAt('churnRisk.unresolvedComplaints', unresolvedComplaints),
      ['openComplaints'],
    ],
    [
      'low-nps',
      `a last NPS up to ${lowNps.detractorMax} scores ${lowNps.detractorPoints}, up to ${lowNps.passiveMax} scores ${lowNps.passivePoints}`,
      Math.max(lowNps.detractorPoints, lowNps.passivePoints),
      thresholdsAt('churnRisk.lowNps', lowNps),
      ['lastNps'],
    ],
    [
      'closures',
      `${closures.pointsEach} per product closed in the last ${closures.windowDays} days, at most ${closures.maxPoints}`,
      closures.maxPoints,
      thresholdsAt('churnRisk.closures', closures),
      ['closedInWindow'],
    ],
  ];
}

function explainChurnRisk(p: Provenance, policy: Policy): ChurnRiskExplanation {
  const { state } = p;
  const { score, aumPeak: peak } = state.churnRisk;
  const asOf = state.asOf;
  const baselineKey =
    state.lastCustomerActivityAt === null ? 'firstSeenAt' : 'lastCustomerActivityAt';
  const baseline = inactivityBaseline(state);
  const windowStart = asOf === null ? null : addDays(asOf, -policy.churnRisk.closures.windowDays);
  const closed = Object.values(state.products).filter(
    (x) => x.closedAt !== null && windowStart !== null && x.closedAt >= windowStart,
  );
  const complaints = Object.keys(state.openComplaints);
  const aum = aumKeys(p, policy);
  const facts = [
    fact('aumMinor', state.valueTier.aumMinor, p.of(...aum)),
    fact('aumPeakMinor', peak?.amountMinor ?? null, p.of('aumPeakAmount')),
    fact(
      'outflowPercent',
      peak === null ? 0 : dropPercent(peak.amountMinor, state.valueTier.aumMinor),
      p.of(...aum, 'aumPeakAmount'),
    ),
    inactiveSinceFact(p),
    fact(
      'inactiveDays',
      baseline === null || asOf === null || openProducts(state).length === 0
        ? null
        : daysBetween(baseline, asOf),
      p.of(baselineKey, 'asOf'),
    ),
    fact('openComplaints', complaints.length, p.of(...complaints.map((id) => `complaint:${id}`))),
    fact('lastNps', state.lastNps?.score ?? null, p.of('lastNps')),
    fact('closedInWindow', closed.length, p.of(...closed.map((x) => `closed:${x.accountId}`))),
  ];
  const reasons = churnReasonRules(policy).map(([code, rule, maxPoints, thresholds, names]) => {
    const reason = state.churnRisk.reasons.find((r) => r.code === code);
    return {
      code,
      rule,
      points: reason?.points ?? 0,
      maxPoints,
      detail: reason?.detail ?? null,
      thresholds,
      facts: names,
    };
  });
  const atRisk = policy.churnRisk.atRiskScore;
  const changedBy = p.of('churnScore')[0];
  return explained(
    'Churn risk',
    `${score} of 100`,
    {
      value: score,
      reasons,
      decidedBy:
        changedBy === undefined ? null : { ...changedBy, policyVersion: policy.policyVersion },
      rule: {
        name: 'churn-risk.score',
        description: `the sum of five policy-weighted reasons, capped at 100, where ${reasons
          .map(
            (r) =>
              `${r.code} gives ${r.points} of ${r.maxPoints} points (${r.rule}${r.detail === null ? '' : `; here ${r.detail}`})`,
          )
          .join(', ')}; from ${atRisk} (churnRisk.atRiskScore) the customer is at-risk`,
        thresholds: thresholdsAt('churnRisk', policy.churnRisk, ['atRiskScore']),
      },
      facts,
    },
    policy,
  );
}

function coverageRule(state: CustomerState, policy: Policy): string {
  const rm = state.rmCoverage;
  const tier = state.valueTier.tier;
  if (state.erasedAt !== null)
    return `the customer's personal data was erased on ${state.erasedAt}, so no RM contact is required`;
  if (tier === null) return 'no value tier is known yet';
  const interval = policy.rmCoverage.contactIntervalDays[tier];
  const key = `rmCoverage.contactIntervalDays.${tier}`;
  if (interval === null) return `the ${tier} tier requires no RM contact (${key} is null)`;
  const required = `the ${tier} tier requires a contact that reaches the customer every ${interval} days (${key}), counted from the assignment or the last such contact`;
  const dueSoon = `${policy.rmCoverage.dueSoonDays} days (rmCoverage.dueSoonDays)`;
  switch (rm.status) {
    case 'unassigned':
      return `${required}, but no relationship manager is assigned`;
    case 'ok':
      return `${required}; the next is due ${rm.nextDueAt}, more than ${dueSoon} after ${state.asOf}`;
    case 'due':
      return `${required}; the next is due ${rm.nextDueAt}, within ${dueSoon} of ${state.asOf}`;
    case 'overdue':
      return rm.overdueSince === null
        ? `${required}; the contact due ${rm.nextDueAt} has not happened by ${state.asOf}`
        : `${required}; the contact due ${rm.nextDueAt} did not happen, as the scheduler's RmContactOverdue event confirmed`;
    default:
      return required;
  }
}

function explainRmCoverage(p: Provenance, policy: Policy): RmCoverageExplanation {
  const { state } = p;
  const rm = state.rmCoverage;
  const tier = state.valueTier.tier;
  const since =
    rm.lastContactAt !== null && rm.assignedAt !== null && rm.lastContactAt > rm.assignedAt
      ? 'rmLastContact'
      : 'rmAssigned';
  const changedBy = p.of('rmStatus')[0];
  return explained(
    'RM coverage',
    rm.status,
    {
      value: rm.status,
      rmId: rm.rmId,
      requiredIntervalDays: rm.requiredIntervalDays,
      nextDueAt: rm.nextDueAt,
      decidedBy:
        changedBy === undefined ? null : { ...changedBy, policyVersion: policy.policyVersion },
      rule: {
        name: `rm-coverage.${state.erasedAt === null ? rm.status : 'erased'}`,
        description: coverageRule(state, policy),
        thresholds: {
          ...(tier === null
            ? {}
            : thresholdsAt(
                'rmCoverage.contactIntervalDays',
                policy.rmCoverage.contactIntervalDays,
                [tier],
              )),
          'rmCoverage.dueSoonDays': policy.rmCoverage.dueSoonDays,
        },
      },
      facts: [
        fact('tier', tier, p.of('tier')),
        fact('rmId', rm.rmId, p.of('rmAssigned')),
        fact('lastContactAt', rm.lastContactAt, p.of('rmLastContact')),
        fact('nextDueAt', rm.nextDueAt, rm.nextDueAt === null ? [] : p.of(since, 'tier')),
        fact('overdueSince', rm.overdueSince, p.of('rmOverdue')),
        fact('measuredAt', state.asOf, p.of('asOf')),
      ],
    },
    policy,
  );
}

/**
 * Explains a customer from her events in stream order (as far as the auditor's question goes):
 * each of stage, tier, churn risk and RM coverage with its value, the rule and policy numbers
 * that decided it, the facts it was computed from and the events behind each fact.
 */
export function explainCustomer(
  customerId: string,
  events: readonly ExplainableEvent[],
  policy: Policy,
  policyOf: (event: ExplainableEvent) => Policy = () => policy,
): CustomerExplanation {
  const p = fold(customerId, events, policyOf);
  const measured = p.of('asOf')[0];
  const stage = explainStage(p, policy);
  const tier = explainTier(p, policy);
  const churnRisk = explainChurnRisk(p, policy);
  const rmCoverage = explainRmCoverage(p, policy);
  const last = events.at(-1);
  const headline = `Customer ${customerId}, as known from ${events.length} event(s)${last === undefined ? '' : ` up to position ${last.position}`}, measured at ${p.state.asOf ?? 'no instant'} (the latest time of an event) under policy ${policy.policyVersion}: lifecycle stage ${stage.value ?? 'none'}, value tier ${tier.value ?? 'none'}, churn risk ${churnRisk.value} of 100, RM coverage ${rmCoverage.value}.`;
  return {
    customerId,
    policyVersion: policy.policyVersion,
    knownEvents: events.length,
    measuredAt:
      p.state.asOf === null || measured === undefined
        ? null
        : { at: p.state.asOf, event: measured },
    stage,
    tier,
    churnRisk,
    rmCoverage,
    summary: [headline, stage.text, tier.text, churnRisk.text, rmCoverage.text].join('\n'),
  };
}
