import { balance, day, onboarded, opened, play, touchpoint } from './testing/scenario';

const withBalance = (minor: string) => onboarded(day(0), minor);

describe('value tier', () => {
  it.each([
    ['4999999', 'mass'],
    ['5000000', 'emerging-affluent'],
    ['50000000', 'affluent'],
    ['600000000', 'high-net-worth'],
    ['3000000000', 'private'],
  ])('given a customer, when her AUM is %s minor units, then her tier is %s', (minor, tier) => {
    expect(play(withBalance(minor)).state.valueTier.tier).toBe(tier);
  });

  it.each([
    ['mass', 'emerging-affluent', '5000000'],
    ['emerging-affluent', 'affluent', '50000000'],
    ['affluent', 'high-net-worth', '600000000'],
    ['high-net-worth', 'private', '3000000000'],
  ])(
    'given %s, when AUM reaches the next band, then she is upgraded to %s at once',
    (from, to, minor) => {
      const start = {
        mass: '100',
        'emerging-affluent': '5000000',
        affluent: '50000000',
        'high-net-worth': '600000000',
      }[from] as string;
      const rise = balance(day(5), 'CUR-1', minor);
      const { state } = play([...withBalance(start), rise]);
      expect(state.valueTier.tier).toBe(to);
      expect(state.valueTier.history.at(-1)).toMatchObject({ from, to, eventId: rise.eventId });
    },
  );

  it('given affluent, when AUM dips below the band but within the 10% buffer, then no grace starts', () => {
    const { state } = play([...withBalance('50000000'), balance(day(5), 'CUR-1', '45000000')]);
    expect(state.valueTier).toMatchObject({
      tier: 'affluent',
      qualifiesFor: 'emerging-affluent',
      grace: null,
    });
  });

  it('given affluent, when AUM falls below the buffer for less than the grace period and recovers, then she stays affluent', () => {
    const { state, thresholds } = play(
      [
        ...withBalance('50000000'),
        balance(day(5), 'CUR-1', '10000000'),
        balance(day(300), 'CUR-1', '48000000'),
      ],
      { schedulerUntil: day(500) },
    );
    expect(thresholds.filter((t) => t.type === 'TierDowngradeGraceExpired')).toEqual([]);
    expect(state.valueTier).toMatchObject({ tier: 'affluent', grace: null });
  });

  it('given affluent below the buffer, when the grace expires, then she is downgraded by the scheduler event', () => {
    const { state, thresholds } = play(
      [...withBalance('50000000'), balance(day(5), 'CUR-1', '10000000')],
      {
        schedulerUntil: day(400),
      },
    );
    const expiry = thresholds.find((t) => t.type === 'TierDowngradeGraceExpired');
    expect(expiry?.occurredAt).toBe(day(370));
    expect(state.valueTier.tier).toBe('emerging-affluent');
    expect(state.valueTier.history.at(-1)).toMatchObject({
      from: 'affluent',
      to: 'emerging-affluent',
      eventId: expiry?.eventId,
    });
  });

  it('given a grace that was cancelled and restarted, when the old expiry event arrives, then it is ignored', () => {
    const { state } = play([
      ...withBalance('50000000'),
      balance(day(5), 'CUR-1', '10000000'),
      balance(day(50), 'CUR-1', '50000000'),
      balance(day(60), 'CUR-1', '10000000'),
      touchpoint('TierDowngradeGraceExpired', day(370), {
        currentTier: 'affluent',
        graceStartedAt: day(5),
        policyVersion: 'retail-bank.v1',
      }),
    ]);
    expect(state.valueTier).toMatchObject({ tier: 'affluent', grace: { startedAt: day(60) } });
  });

  it('given a USD savings account, when its balance is reported, then AUM is converted at the policy rate', () => {
    const { state } = play([
      ...withBalance('0'),
      opened(day(1), 'USD-1', 'savings', 'USD'),
      balance(day(2), 'USD-1', '1000000', 'USD'),
    ]);
    expect(state.valueTier.aumMinor).toBe('7100000');
    expect(state.valueTier.tier).toBe('emerging-affluent');
  });

  it('given loans and cards, when their balances are reported, then they are not AUM', () => {
    const { state } = play([
      ...withBalance('100'),
      opened(day(1), 'MTG-1', 'mortgage'),
      balance(day(2), 'MTG-1', '-900000000'),
      opened(day(1), 'CC-1', 'credit-card'),
      balance(day(2), 'CC-1', '900000000'),
    ]);
    expect(state.valueTier.aumMinor).toBe('100');
  });

  it('given a long, broad relationship, when AUM is 80% of a band, then relationship relief qualifies her', () => {
    const events = [
      touchpoint('CustomerImported', day(0), {
        sourceSystem: 'legacy-crm',
        legacyCustomerRef: 'L1',
        tenureStartedAt: day(-3000),
        fullName: 'B',
        products: ['current', 'savings', 'credit-card'].map((t, i) => ({
          accountId: `A${i}`,
          productType: t,
          productCode: 'X',
          currency: 'CNY',
          openedAt: day(-3000),
          ...(t === 'savings' ? { balanceMinor: '40000000' } : {}),
        })),
      }),
    ];
    expect(play(events).state.valueTier.tier).toBe('affluent');
  });

  it('given a legacy import at a higher tier than her balances support, then the legacy tier holds until the grace expires', () => {
    const imported = touchpoint('CustomerImported', day(0), {
      sourceSystem: 'legacy-crm',
      legacyCustomerRef: 'L2',
      tenureStartedAt: day(-400),
      fullName: 'C',
      legacyTier: 'high-net-worth',
      products: [
        {
          accountId: 'A1',
          productType: 'savings',
          productCode: 'X',
          currency: 'CNY',
          openedAt: day(-400),
          balanceMinor: '60000000',
        },
      ],
    });
    expect(play([imported]).state.valueTier).toMatchObject({
      tier: 'high-net-worth',
      qualifiesFor: 'affluent',
      grace: { startedAt: day(0) },
    });
    expect(play([imported], { schedulerUntil: day(366) }).state.valueTier.tier).toBe('affluent');
  });
});
