import { WhatIfCustomerAnswer, WhatIfTally } from './what-if-tally';

const answer = (overrides: Partial<WhatIfCustomerAnswer> = {}): WhatIfCustomerAnswer => ({
  stage: 'active',
  tier: 'mass',
  churnScore: 10,
  coverageStatus: 'not-required',
  ...overrides,
});

describe('WhatIfTally', () => {
  it('given no customer, sums to nothing', () => {
    expect(new WhatIfTally(10).summary()).toEqual({
      customers: 0,
      affected: 0,
      listed: 0,
      listTruncated: false,
      stage: { changed: 0, unchanged: 0, moves: [] },
      tier: { changed: 0, unchanged: 0, moves: [] },
      churnScore: { increased: 0, decreased: 0, unchanged: 0, histogram: [] },
      coverage: { changed: 0, unchanged: 0, byRelationshipManager: [] },
    });
  });

  it('counts stage and tier moves per from/to cell, in vocabulary order, unchanged ones apart', () => {
    const tally = new WhatIfTally(10);
    tally.add('c-1', null, answer({ tier: 'affluent' }), answer({ tier: 'emerging-affluent' }));
    tally.add('c-2', null, answer({ tier: 'mass' }), answer({ tier: 'emerging-affluent' }));
    tally.add('c-3', null, answer({ tier: 'affluent' }), answer({ tier: 'emerging-affluent' }));
    tally.add('c-4', null, answer({ stage: 'loyal' }), answer({ stage: 'engaged' }));
    tally.add('c-5', null, answer({ stage: null, tier: null }), answer({ stage: 'at-risk' }));
    tally.add('c-6', null, answer(), answer());

    const { stage, tier, customers, affected } = tally.summary();
    expect({ customers, affected }).toEqual({ customers: 6, affected: 5 });
    expect(stage).toEqual({
      changed: 2,
      unchanged: 4,
      moves: [
        { from: null, to: 'at-risk', customers: 1 },
        { from: 'loyal', to: 'engaged', customers: 1 },
      ],
    });
    expect(tier).toEqual({
      changed: 4,
      unchanged: 2,
      moves: [
        { from: null, to: 'mass', customers: 1 },
        { from: 'mass', to: 'emerging-affluent', customers: 1 },
        { from: 'affluent', to: 'emerging-affluent', customers: 2 },
      ],
    });
  });

  it('makes a histogram of candidate minus current churn score, one bin per point, ascending', () => {
    const tally = new WhatIfTally(10);
    const scores: [number, number][] = [
      [10, 25],
      [40, 25],
      [0, 15],
      [30, 30],
      [60, 45],
      [5, 20],
    ];
    scores.forEach(([current, candidate], i) =>
      tally.add(`c-${i}`, null, answer({ churnScore: current }), answer({ churnScore: candidate })),
    );
    expect(tally.summary().churnScore).toEqual({
      increased: 3,
      decreased: 2,
      unchanged: 1,
      histogram: [
        { shift: -15, customers: 2 },
        { shift: 0, customers: 1 },
        { shift: 15, customers: 3 },
      ],
    });
  });

  it('lists coverage moves per RM with coverage percent before and after, only RMs with a move', () => {
    const tally = new WhatIfTally(10);
    const covered = (from: WhatIfCustomerAnswer['coverageStatus'], to = from) =>
      [answer({ coverageStatus: from }), answer({ coverageStatus: to })] as const;
    tally.add('c-1', 'RM-B', ...covered('ok', 'overdue'));
    tally.add('c-2', 'RM-B', ...covered('ok'));
    tally.add('c-3', 'RM-B', ...covered('due', 'overdue'));
    tally.add('c-4', 'RM-A', ...covered('ok'));
    tally.add('c-5', null, ...covered('not-required', 'unassigned'));
    tally.add('c-6', 'RM-C', ...covered('not-required', 'ok'));

    expect(tally.summary().coverage).toEqual({
      changed: 4,
      unchanged: 2,
      byRelationshipManager: [
        {
          rmId: null,
          customers: 1,
          changed: 1,
          moves: [{ from: 'not-required', to: 'unassigned', customers: 1 }],
          coveragePercent: { current: null, candidate: null },
        },
        {
          rmId: 'RM-B',
          customers: 3,
          changed: 2,
          moves: [
            { from: 'ok', to: 'overdue', customers: 1 },
            { from: 'due', to: 'overdue', customers: 1 },
          ],
          coveragePercent: { current: 100, candidate: 33.3 },
        },
        {
          rmId: 'RM-C',
          customers: 1,
          changed: 1,
          moves: [{ from: 'not-required', to: 'ok', customers: 1 }],
          coveragePercent: { current: null, candidate: 100 },
        },
      ],
    });
  });

  it('keeps the affected customers with both answers, pages them by id, and filters by dimension', () => {
    const tally = new WhatIfTally(10);
    tally.add('c-1', 'RM-1', answer(), answer({ tier: 'emerging-affluent', churnScore: 12 }));
    tally.add('c-2', 'RM-1', answer(), answer());
    tally.add('c-3', null, answer(), answer({ churnScore: 30 }));
    tally.add('c-4', null, answer(), answer({ stage: 'at-risk', churnScore: 60 }));

    const first = tally.affectedPage({ limit: 2 });
    expect(first).toEqual({
      customers: [
        {
          customerId: 'c-1',
          rmId: 'RM-1',
          changed: ['tier', 'churnScore'],
          current: answer(),
          candidate: answer({ tier: 'emerging-affluent', churnScore: 12 }),
        },
        expect.objectContaining({ customerId: 'c-3', changed: ['churnScore'] }),
      ],
      nextCursor: 'c-3',
    });
    const second = tally.affectedPage({ limit: 2, after: first.nextCursor });
    expect(second.customers.map((c) => c.customerId)).toEqual(['c-4']);
    expect(second.nextCursor).toBeUndefined();
    // A cursor that is not in the list (c-2 is unaffected) still starts after it.
    expect(
      tally.affectedPage({ limit: 5, after: 'c-2' }).customers.map((c) => c.customerId),
    ).toEqual(['c-3', 'c-4']);
    expect(tally.affectedPage({ limit: 1, changed: 'tier' })).toEqual({
      customers: [expect.objectContaining({ customerId: 'c-1' })],
    });
    expect(tally.affectedPage({ limit: 1, changed: 'stage' }).customers).toEqual([
      expect.objectContaining({ customerId: 'c-4', changed: ['stage', 'churnScore'] }),
    ]);
  });

  it('keeps at most maxListed affected customers for the list, and still counts every one', () => {
    const tally = new WhatIfTally(2);
    for (const id of ['c-1', 'c-2', 'c-3'])
      tally.add(id, null, answer(), answer({ churnScore: 0 }));
    expect(tally.summary()).toMatchObject({ affected: 3, listed: 2, listTruncated: true });
    expect(tally.affectedPage({ limit: 10 }).customers.map((c) => c.customerId)).toEqual([
      'c-1',
      'c-2',
    ]);
  });

  it('refuses customers out of id order, which the paged list relies on', () => {
    const tally = new WhatIfTally(10);
    tally.add('c-2', null, answer(), answer());
    expect(() => tally.add('c-1', null, answer(), answer())).toThrow(RangeError);
    expect(() => tally.add('c-2', null, answer(), answer())).toThrow(RangeError);
  });
});
