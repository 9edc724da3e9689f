import { initialCustomerState, projectCustomer } from '../../projections';
import {
  CUSTOMER_ID,
  day,
  onboarded,
  play,
  POLICY,
  touchpoint,
} from '../../projections/testing/scenario';
import { lastSequenceAt, marketingConsentWithdrawn, outboxMessages } from './outbox-messages';

const recorded = (event: ReturnType<typeof touchpoint>, position: bigint) => ({
  ...event,
  recordedAt: '2026-01-01T00:00:00.000Z',
  position,
});

describe('outbox messages', () => {
  it('given a withdrawal of every recorded marketing purpose, then withdrawn; a grant undoes it', () => {
    const consent = (purpose: string, granted: boolean, at: number) =>
      touchpoint('ConsentChanged', day(at), { purpose, granted, channel: 'web' });
    expect(marketingConsentWithdrawn(initialCustomerState(CUSTOMER_ID))).toBe(false);
    const { state: refusedBoth } = play([
      consent('marketing-email', false, 1),
      consent('marketing-sms', false, 2),
    ]);
    expect(marketingConsentWithdrawn(refusedBoth)).toBe(true);
    const { state: smsStill } = play([
      consent('marketing-email', false, 1),
      consent('marketing-sms', true, 2),
    ]);
    expect(marketingConsentWithdrawn(smsStill)).toBe(false);
    // Only marketing purposes count: refusing profiling alone is not a marketing opt-out.
    expect(marketingConsentWithdrawn(play([consent('profiling', false, 1)]).state)).toBe(false);
  });

  it('given a touchpoint with personal data, then its message carries none of it', () => {
    const [prospect] = onboarded(day(0));
    const before = initialCustomerState(CUSTOMER_ID);
    const after = projectCustomer(before, prospect, POLICY);
    const [message] = outboxMessages(CUSTOMER_ID, recorded(prospect, 7n), before, after);
    expect(message.data.data).toEqual({ source: 'website', channel: 'web' });
  });

  it('given events in position order, then sequences sort the same way as text and stay below the reader bound', () => {
    const events = onboarded(day(0));
    let state = initialCustomerState(CUSTOMER_ID);
    const sequences: string[] = [];
    events.forEach((event, index) => {
      const next = projectCustomer(state, event, POLICY);
      const position = BigInt(index) * 1_000_000_007n;
      for (const message of outboxMessages(CUSTOMER_ID, recorded(event, position), state, next)) {
        expect(message.sequence <= lastSequenceAt(position)).toBe(true);
        sequences.push(message.sequence);
      }
      state = next;
    });
    expect(sequences.length).toBeGreaterThan(events.length);
    expect([...sequences].sort()).toEqual(sequences);
    expect(lastSequenceAt(2n ** 63n - 1n)).toHaveLength(21);
  });

  it('given a scheduler event, then no touchpoint message, only the change it caused', () => {
    const { state } = play(onboarded(day(0)));
    const inactivity = touchpoint('InactivityThresholdReached', day(200), {
      threshold: 'at-risk',
      inactiveSince: day(0),
      thresholdDays: 90,
    });
    const after = projectCustomer(state, inactivity, POLICY);
    const messages = outboxMessages(CUSTOMER_ID, recorded(inactivity, 99n), state, after);
    expect(messages.map((message) => [message.topic, message.data.to])).toEqual([
      ['crm.customer-lifecycle.v1', 'at-risk'],
    ]);
  });
});
