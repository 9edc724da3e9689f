import type { ProjectionEvent } from './event';
import { type ExplainableEvent, type ExplainedFact, explainCustomer } from './explain';
import {
  CUSTOMER_ID,
  POLICY,
  balance,
  day,
  onboarded,
  opened,
  play,
  touchpoint,
} from './testing/scenario';

/** The events as the store hands them out: a revision each, and ascending global positions. */
function stored(events: readonly ProjectionEvent[]): ExplainableEvent[] {
  return events.map((event, revision) => ({
    ...event,
    revision,
    position: String(5000 + revision * 7),
  }));
}

/** `events` with the scheduler's threshold events where play() applied them (before each event due). */
function withThresholds(events: readonly ProjectionEvent[], until: string): ProjectionEvent[] {
  const { thresholds } = play(events, { schedulerUntil: until });
  const stream: ProjectionEvent[] = [];
  let next = 0;
  for (const event of events) {
    while (next < thresholds.length && thresholds[next].occurredAt <= event.occurredAt)
      stream.push(thresholds[next++]);
    stream.push(event);
  }
  return [...stream, ...thresholds.slice(next)];
}

const explain = (events: readonly ProjectionEvent[]) =>
  explainCustomer(CUSTOMER_ID, stored(events), POLICY);

const factOf = (facts: readonly ExplainedFact[], name: string) => {
  const found = facts.find((item) => item.name === name);
  if (found === undefined) throw new Error(`no fact ${name} in ${facts.map((f) => f.name)}`);
  return found;
};

const idsOf = (item: ExplainedFact) => item.events.map((event) => event.eventId);

describe('explain', () => {
  it('given an engaged customer, names the engaging event, the thresholds and the facts with their events', () => {
    const start = onboarded(day(0), '80000000');
    const savings = opened(day(3), 'SAV-1', 'savings', 'CNY', 'mobile');
    const events = [...start, savings, balance(day(3), 'SAV-1', '2000000')];
    const explanation = explain(events);
    const { state } = play(events);

    expect(explanation.stage.value).toBe(state.lifecycle.stage);
    expect(explanation.stage).toMatchObject({
      value: 'engaged',
      decidedBy: {
        eventId: savings.eventId,
        type: 'ProductOpened',
        occurredAt: day(3),
        position: '5028',
        revision: 4,
        policyVersion: 'retail-bank.v1',
      },
      rule: {
        name: 'lifecycle.engaged',
        thresholds: {
          'lifecycle.engagedMinProducts': 2,
          'lifecycle.engagedMinChannels': 2,
          'lifecycle.loyalMinProducts': 3,
          'lifecycle.loyalMinTenureMonths': 36,
        },
      },
    });
    const facts = explanation.stage.facts;
    expect(factOf(facts, 'productBreadth')).toMatchObject({ value: 2 });
    expect(idsOf(factOf(facts, 'productBreadth'))).toEqual([start[2].eventId, savings.eventId]);
    // The prospect came in on the web; mobile was last used to open the savings account.
    expect(factOf(facts, 'channelsUsed').value).toBe(2);
    expect(idsOf(factOf(facts, 'channelsUsed'))).toEqual([start[0].eventId, savings.eventId]);
    expect(factOf(facts, 'kycStatus')).toMatchObject({ value: 'verified' });
    expect(idsOf(factOf(facts, 'kycStatus'))).toEqual([start[1].eventId]);
    expect(factOf(facts, 'tenureMonths').value).toBe(0);
    expect(explanation.stage.text).toContain(
      `Lifecycle stage: engaged, since ${day(3)}, set by ProductOpened ${savings.eventId} at position 5028 (revision 4) under policy retail-bank.v1.`,
    );
    expect(explanation.stage.text).toContain('at least 2 product types');
  });

  it('explains the tier by the band the AUM reaches, with the balance events behind the AUM', () => {
    const events = onboarded(day(0), '80000000');
    const explanation = explain(events);
    expect(explanation.tier).toMatchObject({
      value: 'affluent',
      qualifiesFor: 'affluent',
      band: { tier: 'affluent', minAumMinor: '50000000', requiredAumMinor: '50000000' },
      nextBand: {
        tier: 'high-net-worth',
        minAumMinor: '600000000',
        requiredAumMinor: '600000000',
      },
      grace: null,
      decidedBy: { eventId: events[3].eventId, type: 'BalanceReported', revision: 3 },
      rule: { name: 'value-tier.band' },
      aumAccounts: [
        {
          accountId: 'CUR-1',
          productType: 'current',
          amountMinor: '80000000',
          currency: 'CNY',
          baseAmountMinor: '80000000',
        },
      ],
    });
    expect(explanation.tier.rule.thresholds).toMatchObject({
      'valueTier.bands[0].minAumMinor': '5000000',
      'valueTier.bands[1].minAumMinor': '50000000',
      'valueTier.relationshipRelief.aumPercent': 80,
      'valueTier.downgradeBufferPercent': 10,
      'valueTier.downgradeGraceDays': 365,
    });
    const aum = factOf(explanation.tier.facts, 'aumMinor');
    expect(aum.value).toBe('80000000');
    expect(idsOf(aum)).toEqual([events[2].eventId, events[3].eventId]);
    expect(explanation.tier.text).toContain(
      'the AUM reaches 500,000.00 CNY, the minimum of the affluent band, but not 6,000,000.00 CNY for high-net-worth',
    );
    expect(explanation.tier.text).toContain('AUM: 800,000.00 CNY (ProductOpened');
  });

  it('explains a tier kept through the downgrade grace, and one held within the buffer', () => {
    const start = onboarded(day(0), '80000000');
    const drop = balance(day(10), 'CUR-1', '40000000');
    const grace = explain([...start, drop]).tier;
    expect(grace).toMatchObject({
      value: 'affluent',
      qualifiesFor: 'emerging-affluent',
      grace: { startedAt: day(10), expiresAt: day(375) },
      rule: { name: 'value-tier.downgrade-grace' },
    });
    expect(grace.text).toContain('grace period of 365 days');
    expect(grace.text).toContain('at least 450,000.00 CNY');

    const dip = explain([...start, balance(day(10), 'CUR-1', '46000000')]).tier;
    expect(dip).toMatchObject({
      value: 'affluent',
      qualifiesFor: 'emerging-affluent',
      grace: null,
      rule: { name: 'value-tier.downgrade-buffer' },
    });
  });

  it('explains a stage and the churn score reached by inactivity, confirmed by the scheduler', () => {
    const start = onboarded(day(0));
    const events = withThresholds(start, day(95));
    const explanation = explain(events);
    const { state } = play(start, { schedulerUntil: day(95) });
    const threshold = events[4];
    expect(threshold.type).toBe('InactivityThresholdReached');

    expect(explanation.stage).toMatchObject({
      value: 'at-risk',
      decidedBy: { eventId: threshold.eventId, occurredAt: day(90), revision: 4 },
      rule: {
        name: 'lifecycle.at-risk.inactivity',
        thresholds: { 'lifecycle.atRiskInactivityDays': 90 },
      },
    });
    const since = factOf(explanation.stage.facts, 'inactiveSince');
    expect(since.value).toBe(day(0));
    // The prospect's capture was her last own act; the same-instant opening changed nothing.
    expect(idsOf(since)).toEqual([start[0].eventId]);
    expect(idsOf(factOf(explanation.stage.facts, 'inactivityConfirmedAt'))).toEqual([
      threshold.eventId,
    ]);

    expect(explanation.churnRisk.value).toBe(state.churnRisk.score);
    const inactivity = explanation.churnRisk.reasons.find((r) => r.code === 'inactivity');
    // 90 days on a ramp from 30 (0 points) to 180 (30 points): floor(30 * 60 / 150).
    expect(inactivity).toMatchObject({
      points: 12,
      maxPoints: 30,
      thresholds: {
        'churnRisk.inactivity.start': 30,
        'churnRisk.inactivity.full': 180,
        'churnRisk.inactivity.maxPoints': 30,
      },
      facts: ['inactiveSince', 'inactiveDays'],
    });
    expect(factOf(explanation.churnRisk.facts, 'inactiveDays').value).toBe(90);
    expect(explanation.measuredAt).toEqual({
      at: day(90),
      event: expect.objectContaining({ eventId: threshold.eventId }),
    });
  });

  it('explains the churn score reason by reason, from the events behind each', () => {
    const complaint = touchpoint('ComplaintFiled', day(5), {
      complaintId: 'CMP-1',
      category: 'fees',
      severity: 'high',
      channel: 'branch',
    });
    const survey = touchpoint('SatisfactionSurveyed', day(6), {
      surveyId: 'S-1',
      nps: 3,
      channel: 'web',
    });
    const events = [...onboarded(day(0)), complaint, survey];
    const explanation = explain(events).churnRisk;
    expect(explanation.value).toBe(play(events).state.churnRisk.score);
    expect(explanation.value).toBe(35);
    expect(explanation.decidedBy).toMatchObject({ eventId: survey.eventId, revision: 5 });
    expect(explanation.reasons.map((r) => [r.code, r.points])).toEqual([
      ['balance-outflow', 0],
      ['inactivity', 0],
      ['unresolved-complaints', 15],
      ['low-nps', 20],
      ['closures', 0],
    ]);
    expect(idsOf(factOf(explanation.facts, 'openComplaints'))).toEqual([complaint.eventId]);
    expect(factOf(explanation.facts, 'lastNps')).toMatchObject({ value: 3 });
    expect(idsOf(factOf(explanation.facts, 'lastNps'))).toEqual([survey.eventId]);
    expect(explanation.reasons[3]).toMatchObject({
      detail: `last NPS 3 on ${day(6)}`,
      thresholds: { 'churnRisk.lowNps.detractorMax': 6, 'churnRisk.lowNps.detractorPoints': 20 },
    });
    expect(explanation.text).toContain('unresolved-complaints gives 15 of 30 points');
    expect(explanation.text).toContain('from 60 (churnRisk.atRiskScore) the customer is at-risk');
  });

  it('tells an at-risk stage reached by the churn score from one reached by inactivity', () => {
    const complaint = (id: string, at: string) =>
      touchpoint('ComplaintFiled', at, {
        complaintId: id,
        category: 'fees',
        severity: 'high',
        channel: 'branch',
      });
    const drop = balance(day(8), 'CUR-1', '10000000');
    const events = [
      ...onboarded(day(0), '80000000'),
      complaint('CMP-1', day(5)),
      complaint('CMP-2', day(6)),
      drop,
    ];
    const explanation = explain(events);
    expect(play(events).state.lifecycle.stage).toBe('at-risk');
    expect(explanation.churnRisk.value).toBe(65);
    expect(explanation.stage).toMatchObject({
      value: 'at-risk',
      decidedBy: { eventId: drop.eventId },
      rule: {
        name: 'lifecycle.at-risk.churn-score',
        thresholds: { 'churnRisk.atRiskScore': 60 },
      },
    });
    expect(factOf(explanation.stage.facts, 'churnScore')).toMatchObject({ value: 65 });
    expect(idsOf(factOf(explanation.stage.facts, 'churnScore'))).toEqual([drop.eventId]);
  });

  it('names the balance that set the AUM peak an outflow is measured from, not later events that saw it', () => {
    const start = onboarded(day(0), '80000000');
    const complaint = touchpoint('ComplaintFiled', day(5), {
      complaintId: 'CMP-1',
      category: 'fees',
      severity: 'low',
      channel: 'branch',
    });
    const drop = balance(day(10), 'CUR-1', '40000000');
    const explanation = explain([...start, complaint, drop]).churnRisk;
    expect(explanation.reasons[0]).toMatchObject({ code: 'balance-outflow', points: 21 });
    const peak = factOf(explanation.facts, 'aumPeakMinor');
    expect(peak.value).toBe('80000000');
    expect(idsOf(peak)).toEqual([start[3].eventId]);
    expect(factOf(explanation.facts, 'outflowPercent').value).toBe(50);
    expect(idsOf(factOf(explanation.facts, 'outflowPercent'))).toEqual([
      start[2].eventId,
      start[3].eventId,
      drop.eventId,
    ]);
  });

  it('explains RM coverage from the tier, the assignment and the overdue confirmation', () => {
    const assigned = touchpoint('RelationshipManagerAssigned', day(1), {
      rmId: 'RM-7',
      branchId: 'BR-1',
      reason: 'onboarding',
    });
    const start = [...onboarded(day(0), '80000000'), assigned];
    const ok = explain(start).rmCoverage;
    expect(ok).toMatchObject({
      value: 'ok',
      rmId: 'RM-7',
      requiredIntervalDays: 91,
      nextDueAt: day(92),
      decidedBy: { eventId: assigned.eventId },
      rule: {
        name: 'rm-coverage.ok',
        thresholds: {
          'rmCoverage.contactIntervalDays.affluent': 91,
          'rmCoverage.dueSoonDays': 14,
        },
      },
    });
    expect(idsOf(factOf(ok.facts, 'rmId'))).toEqual([assigned.eventId]);
    expect(idsOf(factOf(ok.facts, 'nextDueAt'))).toEqual([start[3].eventId, assigned.eventId]);

    const events = withThresholds(start, day(100));
    const overdue = explain(events).rmCoverage;
    const confirmation = events.find((e) => e.type === 'RmContactOverdue');
    expect(overdue).toMatchObject({
      value: 'overdue',
      rule: { name: 'rm-coverage.overdue' },
      decidedBy: { eventId: confirmation?.eventId },
    });
    expect(idsOf(factOf(overdue.facts, 'overdueSince'))).toEqual([confirmation?.eventId]);
    expect(overdue.text).toContain("as the scheduler's RmContactOverdue event confirmed");

    const mass = explain(onboarded(day(0))).rmCoverage;
    expect(mass).toMatchObject({
      value: 'not-required',
      decidedBy: null,
      rule: { thresholds: { 'rmCoverage.contactIntervalDays.mass': null } },
    });
  });

  it('explains what was known after fewer events as it was then', () => {
    const events = onboarded(day(0), '80000000');
    const earlier = explain(events.slice(0, 3));
    expect(earlier.knownEvents).toBe(3);
    expect(earlier.stage).toMatchObject({
      value: 'onboarding',
      decidedBy: { eventId: events[2].eventId },
      rule: { name: 'lifecycle.onboarding' },
    });
    expect(factOf(earlier.stage.facts, 'fundedProducts').value).toBe(0);
    expect(earlier.tier.value).toBe('mass');
    expect(explain(events).stage.value).toBe('active');
  });

  it('sums the four explanations up, and tells no personal field of any event', () => {
    const explanation = explain(onboarded(day(0), '80000000'));
    expect(explanation.summary.split('\n')).toEqual([
      `Customer ${CUSTOMER_ID}, as known from 4 event(s) up to position 5021, measured at ${day(0)} (the latest time of an event) under policy retail-bank.v1: lifecycle stage active, value tier affluent, churn risk 0 of 100, RM coverage unassigned.`,
      explanation.stage.text,
      explanation.tier.text,
      explanation.churnRisk.text,
      explanation.rmCoverage.text,
    ]);
    const json = JSON.stringify(explanation);
    // onboarded() sends a full name and a passport number.
    expect(json).not.toContain('A. Customer');
    expect(json).not.toContain('X1234567');
  });
});
