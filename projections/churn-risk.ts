/**
 * Churn risk 0-100 as a sum of named, policy-weighted reasons, so every score can be explained
 * ("AUM down 45% from its 90-day peak: 21 points") rather than trusted.
 */
import {
  type ChurnReason,
  type ChurnRiskState,
  type CustomerState,
  openProducts,
} from './customer-state';
import { inactivityBaseline } from './holdings';
import { compareMinor, dropPercent } from './money';
import type { LinearRamp, Policy } from './policy';
import { addDays, daysBetween } from './time';

function rampPoints(value: number, ramp: LinearRamp): number {
  if (value < ramp.start) return 0;
  if (value >= ramp.full) return ramp.maxPoints;
  return Math.floor((ramp.maxPoints * (value - ramp.start)) / (ramp.full - ramp.start));
}

/**
 * The outflow reference: the highest AUM seen within the window. When the peak ages out it is
 * replaced by the current AUM (a bounded approximation of a sliding maximum that needs no
 * per-day history in the document).
 */
function nextPeak(
  previous: ChurnRiskState['aumPeak'],
  aum: string,
  asOf: string,
  windowDays: number,
): ChurnRiskState['aumPeak'] {
  if (
    previous === null ||
    addDays(previous.at, windowDays) < asOf ||
    compareMinor(aum, previous.amountMinor) >= 0
  ) {
    return { amountMinor: aum, at: asOf };
  }
  return previous;
}

function reasonsFor(
  state: CustomerState,
  peak: ChurnRiskState['aumPeak'],
  policy: Policy,
): ChurnReason[] {
  const rules = policy.churnRisk;
  const asOf = state.asOf as string;
  const reasons: ChurnReason[] = [];
  const add = (code: ChurnReason['code'], points: number, detail: string): void => {
    if (points > 0) reasons.push({ code, points, detail });
  };
  if (peak !== null) {
    const drop = dropPercent(peak.amountMinor, state.valueTier.aumMinor);
    add(
      'balance-outflow',
      rampPoints(drop, rules.balanceOutflow),
      `AUM ${state.valueTier.aumMinor} is ${drop}% below its ${rules.balanceOutflow.windowDays}-day peak ${peak.amountMinor} of ${peak.at}`,
    );
  }
  const baseline = inactivityBaseline(state);
  if (baseline !== null && openProducts(state).length > 0) {
    const days = daysBetween(baseline, asOf);
    add(
      'inactivity',
      rampPoints(days, rules.inactivity),
      `no customer-initiated activity for ${days} days since ${baseline}`,
    );
  }
  const open = Object.keys(state.openComplaints).length;
  add(
    'unresolved-complaints',
    Math.min(rules.unresolvedComplaints.maxPoints, open * rules.unresolvedComplaints.pointsEach),
    `${open} unresolved complaint(s)`,
  );
  if (state.lastNps !== null) {
    const { score } = state.lastNps;
    const points =
      score <= rules.lowNps.detractorMax
        ? rules.lowNps.detractorPoints
        : score <= rules.lowNps.passiveMax
          ? rules.lowNps.passivePoints
          : 0;
    add('low-nps', points, `last NPS ${score} on ${state.lastNps.at}`);
  }
  const since = addDays(asOf, -rules.closures.windowDays);
  const closed = Object.values(state.products).filter(
    (p) => p.closedAt !== null && p.closedAt >= since,
  ).length;
  add(
    'closures',
    Math.min(rules.closures.maxPoints, closed * rules.closures.pointsEach),
    `${closed} product(s) closed in the last ${rules.closures.windowDays} days`,
  );
  return reasons;
}

export function evaluateChurnRisk(state: CustomerState, policy: Policy): CustomerState {
  if (state.asOf === null) return state;
  const peak = nextPeak(
    state.churnRisk.aumPeak,
    state.valueTier.aumMinor,
    state.asOf,
    policy.churnRisk.balanceOutflow.windowDays,
  );
  const reasons = reasonsFor(state, peak, policy);
  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.points, 0),
  );
  return { ...state, churnRisk: { score, reasons, aumPeak: peak } };
}
