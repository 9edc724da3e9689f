import { day, onboarded, play, touchpoint } from './testing/scenario';

const assigned = (at: string) =>
  touchpoint('RelationshipManagerAssigned', at, {
    rmId: 'RM-1',
    branchId: 'BR1',
    reason: 'onboarding',
  });
const contact = (at: string, outcome = 'reached') =>
  touchpoint('RmContactLogged', at, {
    rmId: 'RM-1',
    contactType: 'call',
    initiatedBy: 'rm',
    outcome,
  });
const hnw = onboarded(day(0), '700000000');

describe('RM coverage', () => {
  it('given a mass customer, then no RM coverage is required', () => {
    expect(play(onboarded(day(0), '100')).state.rmCoverage).toMatchObject({
      status: 'not-required',
      requiredIntervalDays: null,
    });
  });

  it('given a high-net-worth customer without an RM, then coverage is unassigned', () => {
    expect(play(hnw).state.rmCoverage).toMatchObject({
      status: 'unassigned',
      requiredIntervalDays: 30,
    });
  });

  it('given an RM assigned, then the next contact is due one interval later', () => {
    expect(play([...hnw, assigned(day(1))]).state.rmCoverage).toMatchObject({
      rmId: 'RM-1',
      status: 'ok',
      nextDueAt: day(31),
    });
  });

  it('given the due date is near, when an event arrives within the due-soon window, then the status is due', () => {
    const { state } = play([
      ...hnw,
      assigned(day(1)),
      touchpoint(
        'ChannelInteraction',
        day(20),
        { channel: 'web', purpose: 'login', outcome: 'completed' },
        2,
      ),
    ]);
    expect(state.rmCoverage.status).toBe('due');
  });

  it('given no contact, when the due date passes, then the scheduler marks the coverage overdue', () => {
    const { state, thresholds } = play([...hnw, assigned(day(1))], { schedulerUntil: day(40) });
    expect(thresholds.map((t) => [t.type, t.occurredAt])).toEqual([['RmContactOverdue', day(31)]]);
    expect(state.rmCoverage).toMatchObject({
      status: 'overdue',
      overdueSince: day(31),
      overdueCount: 1,
    });
  });

  it('given overdue, when the RM reaches the customer, then coverage is ok again and due one interval later', () => {
    const overdue = play([...hnw, assigned(day(1))], { schedulerUntil: day(40) }).state;
    const { state } = play([contact(day(41))], { from: overdue });
    expect(state.rmCoverage).toMatchObject({
      status: 'ok',
      overdueSince: null,
      lastContactAt: day(41),
      nextDueAt: day(71),
    });
  });

  it('given a contact attempt that did not reach her, then it does not count', () => {
    expect(
      play([...hnw, assigned(day(1)), contact(day(5), 'no-answer')]).state.rmCoverage.lastContactAt,
    ).toBeNull();
  });

  it('given an affluent customer, then contact is required quarterly', () => {
    expect(
      play([...onboarded(day(0), '60000000'), assigned(day(0))]).state.rmCoverage
        .requiredIntervalDays,
    ).toBe(91);
  });
});
