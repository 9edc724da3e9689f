import { initialCustomerState } from './customer-state';
import { sha1, uuidV5 } from './deterministic-id';
import { dueThresholdEvents, nextDueAt } from './thresholds';
import { POLICY, day, onboarded, play, touchpoint } from './testing/scenario';

describe('threshold events', () => {
  const active = play(onboarded(day(0))).state;

  it('given an active customer, then the next due threshold is at-risk 90 days after her last activity', () => {
    expect(nextDueAt(active, POLICY)).toBe(day(90));
    expect(dueThresholdEvents(active, POLICY, day(89))).toEqual([]);
  });

  it('given thresholds have passed, when the scheduler asks twice, then it gets the same events with the same ids', () => {
    const first = dueThresholdEvents(active, POLICY, day(400));
    expect(first.map((e) => [e.type, e.data.threshold, e.occurredAt])).toEqual([
      ['InactivityThresholdReached', 'at-risk', day(90)],
      ['InactivityThresholdReached', 'dormant', day(365)],
    ]);
    expect(dueThresholdEvents(active, POLICY, day(400))).toEqual(first);
    expect(new Set(first.map((e) => e.eventId)).size).toBe(2);
  });

  it('given a threshold was applied, then it is no longer due', () => {
    const { state } = play([], { from: active, schedulerUntil: day(100) });
    expect(dueThresholdEvents(state, POLICY, day(100))).toEqual([]);
    expect(nextDueAt(state, POLICY)).toBe(day(365));
  });

  it('given an erased customer or a prospect, then nothing is due', () => {
    expect(nextDueAt(initialCustomerState('x'), POLICY)).toBeNull();
    const prospect = play([
      touchpoint('ProspectCaptured', day(0), { source: 'website', channel: 'web', fullName: 'P' }),
    ]).state;
    expect(nextDueAt(prospect, POLICY)).toBeNull();
    expect(nextDueAt({ ...active, erasedAt: day(1) }, POLICY)).toBeNull();
  });

  it('given two customers with the same history, then their threshold ids differ', () => {
    const other = { ...active, customerId: 'customer-2' };
    expect(dueThresholdEvents(other, POLICY, day(100))[0].eventId).not.toBe(
      dueThresholdEvents(active, POLICY, day(100))[0].eventId,
    );
  });
});

describe('deterministic ids', () => {
  it('computes SHA-1 like the reference vectors', () => {
    const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex(sha1([...'abc'].map((c) => c.charCodeAt(0))))).toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    );
    expect(hex(sha1(Array.from({ length: 1000 }, () => 97)))).toBe(
      '291e9a6c66994949b57ba5e650361e98fc36b1ba',
    );
  });

  it('computes RFC 4122 version 5 UUIDs', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(
      uuidV5(
        'cust-1|inactivity:at-risk|2024-01-01T00:00:00.000Z — é 😀',
        '4f7c2a8e-5d1b-4c3e-9a6f-2b8d0e1c7a93',
      ),
    ).toBe('b499fe61-02af-53a7-bdbc-2192914b8bce');
  });
});
