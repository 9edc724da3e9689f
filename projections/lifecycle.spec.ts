import {
  POLICY,
  balance,
  day,
  onboarded,
  opened,
  play,
  spend,
  touchpoint,
} from './testing/scenario';

const channel = (at: string, ch: string) =>
  touchpoint('ChannelInteraction', at, { channel: ch, purpose: 'login', outcome: 'completed' }, 2);

/** Active, engaged customer: two products, two channels. */
const engaged = (at: string) => [
  ...onboarded(at),
  opened(at, 'SAV-1', 'savings', 'CNY', 'mobile'),
  balance(at, 'SAV-1', '2000000'),
  channel(at, 'web'),
];

describe('lifecycle stage', () => {
  it('given nothing, when a prospect is captured, then the stage is prospect', () => {
    const { state } = play([
      touchpoint('ProspectCaptured', day(0), { source: 'website', channel: 'web', fullName: 'A' }),
    ]);
    expect(state.lifecycle.stage).toBe('prospect');
    expect(state.lifecycle.history[0]).toMatchObject({
      from: null,
      to: 'prospect',
      policyVersion: 'retail-bank.v1',
    });
  });

  it('given a prospect, when a product is opened but not funded, then onboarding', () => {
    const { state } = play(onboarded(day(0)).slice(0, 3));
    expect(state.lifecycle.stage).toBe('onboarding');
  });

  it('given onboarding, when a positive balance is reported, then active with that event as cause', () => {
    const events = onboarded(day(0));
    const { state } = play(events);
    expect(state.lifecycle.stage).toBe('active');
    expect(state.lifecycle.history.at(-1)).toMatchObject({
      from: 'onboarding',
      to: 'active',
      eventId: events[3].eventId,
    });
  });

  it('given active, when a second product and a second channel are used, then engaged', () => {
    expect(play(engaged(day(0))).state.lifecycle.stage).toBe('engaged');
  });

  it('given engaged with three products, when tenure reaches 36 months, then loyal', () => {
    const history = [...engaged(day(0)), opened(day(1), 'CC-1', 'credit-card')];
    expect(play([...history, spend(day(800))]).state.lifecycle.stage).toBe('engaged');
    const { state } = play([...history, spend(day(1100))]);
    expect(state.lifecycle.stage).toBe('loyal');
    expect(state.lifecycle.highestStage).toBe('loyal');
  });

  it('given active, when 90 days pass without customer activity, then the scheduler makes her at-risk', () => {
    const { state, thresholds } = play(onboarded(day(0)), { schedulerUntil: day(95) });
    expect(thresholds.map((t) => t.data.threshold)).toEqual(['at-risk']);
    expect(state.lifecycle.stage).toBe('at-risk');
    expect(state.lifecycle.history.at(-1)).toMatchObject({
      to: 'at-risk',
      eventType: 'InactivityThresholdReached',
      at: day(90),
    });
  });

  it('given at-risk by inactivity, when she transacts again, then she returns to her progression stage', () => {
    const { state } = play([...onboarded(day(0)), spend(day(120))], { schedulerUntil: day(121) });
    expect(state.lifecycle.stage).toBe('active');
    expect(state.lifecycle.highestStage).toBe('active');
  });

  it('given active, when complaints, a detractor NPS and an outflow push churn risk to the threshold, then at-risk', () => {
    const { state } = play([
      ...engaged(day(0)),
      touchpoint('ComplaintFiled', day(1), {
        complaintId: 'C1',
        category: 'fees',
        severity: 'high',
        channel: 'web',
      }),
      touchpoint('ComplaintFiled', day(2), {
        complaintId: 'C2',
        category: 'fees',
        severity: 'high',
        channel: 'web',
      }),
      touchpoint('SatisfactionSurveyed', day(3), { surveyId: 'S1', nps: 2, channel: 'web' }),
      balance(day(4), 'SAV-1', '0'),
    ]);
    expect(state.churnRisk.score).toBeGreaterThanOrEqual(POLICY.churnRisk.atRiskScore);
    expect(state.lifecycle.stage).toBe('at-risk');
  });

  it('given at-risk, when 365 days pass without activity, then dormant', () => {
    const { state, thresholds } = play(onboarded(day(0)), { schedulerUntil: day(400) });
    expect(thresholds.map((t) => t.data.threshold)).toEqual(['at-risk', 'dormant']);
    expect(state.lifecycle.stage).toBe('dormant');
  });

  it('given active, when every product is closed, then churned', () => {
    const { state } = play([
      ...onboarded(day(0)),
      touchpoint('ProductClosed', day(10), { accountId: 'CUR-1', reason: 'customer-request' }),
    ]);
    expect(state.lifecycle.stage).toBe('churned');
    expect(state.lifecycle.churnedAt).toBe(day(10));
  });

  it('given dormant, when she is active again, then reactivated until the watch ends', () => {
    const { state } = play([...onboarded(day(0)), spend(day(500))], { schedulerUntil: day(501) });
    expect(state.lifecycle.stage).toBe('reactivated');
    const later = play([spend(day(560)), spend(day(640))], {
      from: state,
      schedulerUntil: day(690),
    });
    expect(later.thresholds.map((t) => t.type)).toEqual(['ReactivationWatchEnded']);
    expect(later.state.lifecycle.stage).toBe('active');
  });

  it('given churned, when she opens a new product, then reactivated', () => {
    const { state } = play([
      ...onboarded(day(0)),
      touchpoint('ProductClosed', day(10), { accountId: 'CUR-1', reason: 'customer-request' }),
      opened(day(40), 'CUR-2', 'current'),
    ]);
    expect(state.lifecycle.stage).toBe('reactivated');
    expect(state.lifecycle.history.map((t) => t.to)).toEqual([
      'prospect',
      'onboarding',
      'active',
      'churned',
      'reactivated',
    ]);
  });

  it('given dormant, when a late activity from before the dormancy arrives, then the dormancy is withdrawn without a reactivation', () => {
    const dormant = play(onboarded(day(0)), { schedulerUntil: day(380) }).state;
    expect(dormant.lifecycle.stage).toBe('dormant');
    const corrected = play([spend(day(300))], { from: dormant }).state;
    expect(corrected.lifecycle.stage).not.toBe('reactivated');
    expect(corrected.lifecycle.inactivity.dormant).toBeNull();
  });

  it('given a threshold event measured from an older baseline, when it arrives, then it is ignored', () => {
    const base = play([...onboarded(day(0)), spend(day(50))]).state;
    const stale = touchpoint('InactivityThresholdReached', day(91), {
      threshold: 'at-risk',
      inactiveSince: day(0),
      policyVersion: 'retail-bank.v1',
    });
    expect(play([stale], { from: base }).state.lifecycle.stage).toBe('active');
  });

  it('given a short history limit, when more transitions happen, then only the newest are kept and all are counted', () => {
    const policy = { ...POLICY, lifecycle: { ...POLICY.lifecycle, historyLimit: 3 } };
    const closed = touchpoint('ProductClosed', day(10), {
      accountId: 'CUR-1',
      reason: 'customer-request',
    });
    const { state } = play([...onboarded(day(0)), closed], { policy });
    expect(state.lifecycle.history.map((t) => t.to)).toEqual(['onboarding', 'active', 'churned']);
    expect(state.lifecycle.transitionCount).toBe(4);
    expect(state.lifecycle.highestStage).toBe('active');
  });
});
