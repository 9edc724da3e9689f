import { coverageLines, histogramLines, matrixLines } from './what-if-report';

describe('what-if report', () => {
  it('prints a from/to matrix of the values that move, the diagonal left out', () => {
    expect(
      matrixLines('value tier', {
        changed: 4,
        unchanged: 6,
        moves: [
          { from: null, to: 'mass', customers: 1 },
          { from: 'affluent', to: 'emerging-affluent', customers: 2 },
          { from: 'affluent', to: 'mass', customers: 1 },
        ],
      }),
    ).toEqual([
      'value tier: 4 would change, 6 would not',
      '  current \\ candidate  mass  emerging-affluent',
      '  (none)                  1                  .',
      '  affluent                1                  2',
    ]);
    expect(matrixLines('stage', { changed: 0, unchanged: 3, moves: [] })).toEqual([
      'stage: 0 would change, 3 would not',
    ]);
  });

  it('groups churn-score shifts ten points wide, zero alone, with bars', () => {
    expect(
      histogramLines({
        increased: 3,
        decreased: 1,
        unchanged: 4,
        histogram: [
          { shift: -12, customers: 1 },
          { shift: 0, customers: 4 },
          { shift: 10, customers: 1 },
          { shift: 11, customers: 2 },
        ],
      }),
    ).toEqual([
      'churn score (candidate - current): 3 up, 1 down, 4 unchanged',
      `  -20..-11  1  ${'#'.repeat(10)}`,
      `  0         4  ${'#'.repeat(40)}`,
      `  +1..+10   1  ${'#'.repeat(10)}`,
      `  +11..+20  2  ${'#'.repeat(20)}`,
    ]);
  });

  it('prints coverage moves per RM with the coverage before and after', () => {
    expect(
      coverageLines({
        changed: 5,
        unchanged: 7,
        byRelationshipManager: [
          {
            rmId: null,
            customers: 6,
            changed: 3,
            moves: [{ from: 'unassigned', to: 'not-required', customers: 3 }],
            coveragePercent: { current: null, candidate: null },
          },
          {
            rmId: 'RM-12',
            customers: 6,
            changed: 2,
            moves: [
              { from: 'ok', to: 'due', customers: 1 },
              { from: 'due', to: 'overdue', customers: 1 },
            ],
            coveragePercent: { current: 100, candidate: 83.3 },
          },
        ],
      }),
    ).toEqual([
      'RM coverage status: 5 would change, 7 would not',
      '  rm       moved  moves                            coverage',
      '  (no RM)    3/6  unassigned->not-required 3         - -> -',
      '  RM-12      2/6  ok->due 1, due->overdue 1   100% -> 83.3%',
    ]);
  });
});
