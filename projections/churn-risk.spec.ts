import { POLICY, balance, day, onboarded, play, spend, touchpoint } from './testing/scenario';

const codes = (events: Parameters<typeof play>[0]) =>
  play(events).state.churnRisk.reasons.map((r) => r.code);

describe('churn risk', () => {
  it('given a steady customer, when nothing is wrong, then the score is 0 with no reasons', () => {
    expect(play([...onboarded(day(0)), spend(day(5))]).state.churnRisk).toMatchObject({
      score: 0,
      reasons: [],
    });
  });

  it('given a customer, when her AUM drops 60% within the window, then balance outflow explains the points', () => {
    const { state } = play([
      ...onboarded(day(0), '10000000'),
      balance(day(10), 'CUR-1', '4000000'),
    ]);
    expect(state.churnRisk.reasons).toEqual([
      expect.objectContaining({
        code: 'balance-outflow',
        points: 28,
        detail: expect.stringContaining('60%'),
      }),
    ]);
  });

  it('given a customer, when 120 days pass without her activity, then inactivity contributes', () => {
    expect(codes([...onboarded(day(0)), balance(day(120), 'CUR-1', '1000000')])).toEqual([
      'inactivity',
    ]);
  });

  it('given open complaints, a detractor score and a recent closure, then each is a reason and the total is capped at 100', () => {
    const { state } = play([
      ...onboarded(day(0)),
      touchpoint('ProductOpened', day(1), {
        accountId: 'SAV-1',
        productType: 'savings',
        productCode: 'S',
        currency: 'CNY',
        channel: 'web',
      }),
      touchpoint('ProductClosed', day(2), { accountId: 'SAV-1', reason: 'switched-to-competitor' }),
      ...['C1', 'C2', 'C3'].map((id) =>
        touchpoint('ComplaintFiled', day(3), {
          complaintId: id,
          category: 'fees',
          severity: 'low',
          channel: 'web',
        }),
      ),
      touchpoint('SatisfactionSurveyed', day(4), { surveyId: 'S', nps: 3, channel: 'web' }),
      balance(day(80), 'CUR-1', '1'),
    ]);
    expect(state.churnRisk.reasons.map((r) => [r.code, r.points])).toEqual([
      ['balance-outflow', 35],
      ['inactivity', 9],
      ['unresolved-complaints', POLICY.churnRisk.unresolvedComplaints.maxPoints],
      ['low-nps', 20],
      ['closures', 10],
    ]);
    expect(state.churnRisk.score).toBe(100);
  });

  it('given a complaint, when it is resolved, then it no longer counts', () => {
    expect(
      codes([
        ...onboarded(day(0)),
        touchpoint('ComplaintFiled', day(1), {
          complaintId: 'C1',
          category: 'fees',
          severity: 'low',
          channel: 'web',
        }),
        touchpoint('ComplaintResolved', day(2), { complaintId: 'C1', resolution: 'upheld' }),
      ]),
    ).toEqual([]);
  });

  it('given a passive NPS, then a smaller low-NPS reason applies', () => {
    const { state } = play([
      ...onboarded(day(0)),
      touchpoint('SatisfactionSurveyed', day(1), { surveyId: 'S', nps: 8, channel: 'web' }),
    ]);
    expect(state.churnRisk.reasons).toEqual([
      expect.objectContaining({ code: 'low-nps', points: 5 }),
    ]);
  });
});
