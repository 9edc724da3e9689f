import { initialCustomerState, Policy, projectCustomer } from '../../projections';
import {
  CUSTOMER_ID,
  day,
  onboarded,
  play,
  POLICY,
  touchpoint,
} from '../../projections/testing/scenario';
import { lastSequenceAt, marketingAllowed, outboxMessages } from './outbox-messages';

const recorded = (event: ReturnType<typeof touchpoint>, position: bigint) => ({
  ...event,
  recordedAt: '2026-01-01T00:00:00.000Z',
  position,
});

const consent = (purpose: string, granted: boolean, at: number) =>
  touchpoint('ConsentChanged', day(at), { purpose, granted, channel: 'web' });
/** Marketing email granted just before onboarding: the customer marketing may reach. */
const consenting = () => [consent('marketing-email', true, -1), ...onboarded(day(0))];
const OPT_OUT: Policy = {
  ...POLICY,
  marketing: {
    consentModel: 'opt-out',
    purposes: {
      'marketing-email': 'opt-out',
      'marketing-sms': 'opt-out',
      'marketing-phone': 'opt-in',
      'marketing-push': 'opt-out',
    },
  },
};

/** Every message a history produces, in order, as [topic, type]. */
function messagesOf(events: ReturnType<typeof touchpoint>[], policy: Policy = POLICY) {
  let state = initialCustomerState(CUSTOMER_ID);
  return events.flatMap((event, index) => {
    const next = projectCustomer(state, event, policy);
    const messages = outboxMessages(
      CUSTOMER_ID,
      recorded(event, BigInt(index)),
      state,
      next,
      policy,
    );
    state = next;
    return messages.map((message) => [message.topic, message.type]);
  });
}

describe('outbox messages', () => {
  it('given opt-in, then only a granted marketing purpose allows marketing; refusing all or asking for erasure stops it', () => {
    expect(marketingAllowed(initialCustomerState(CUSTOMER_ID), POLICY)).toBe(false);
    expect(marketingAllowed(play([consent('marketing-sms', true, 1)]).state, POLICY)).toBe(true);
    const refusedBoth = play([
      consent('marketing-email', false, 1),
      consent('marketing-sms', false, 2),
    ]);
    expect(marketingAllowed(refusedBoth.state, POLICY)).toBe(false);
    // Only marketing purposes count: profiling consent does not let marketing in.
    expect(marketingAllowed(play([consent('profiling', true, 1)]).state, POLICY)).toBe(false);
    const restricted = play([
      consent('marketing-email', true, 1),
      touchpoint('PersonalDataErasureRequested', day(2), { requestId: 'DSR-1' }),
    ]);
    expect(marketingAllowed(restricted.state, POLICY)).toBe(false);
  });

  it('given opt-out, then a customer who refused nothing may be reached until she refuses every opt-out purpose', () => {
    expect(marketingAllowed(initialCustomerState(CUSTOMER_ID), OPT_OUT)).toBe(true);
    const refusedOptOuts = play(
      [
        consent('marketing-email', false, 1),
        consent('marketing-sms', false, 2),
        consent('marketing-push', false, 3),
      ],
      { policy: OPT_OUT },
    );
    // marketing-phone is opt-in even under this policy: never granted, so not reachable by phone.
    expect(marketingAllowed(refusedOptOuts.state, OPT_OUT)).toBe(false);
  });

  it('given opt-in and a journey without consent, then no marketing message; a grant starts them; consent changes always go out', () => {
    const journey = onboarded(day(0));
    expect(messagesOf(journey)).toEqual([]);
    const granted = messagesOf([
      ...journey,
      consent('marketing-sms', true, 30),
      ...onboarded(day(31), '2000000', 'SAV-1').slice(2),
    ]);
    expect(granted[0]).toEqual([
      'crm.customer-touchpoints.v1',
      'bank.crm.touchpoint.ConsentChanged.v1',
    ]);
    expect(granted.length).toBeGreaterThan(1);
    const refused = messagesOf([...journey, consent('marketing-sms', false, 30)]);
    expect(refused).toEqual([
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.ConsentChanged.v1'],
    ]);
    // The same journey under opt-out: reached without asking.
    expect(messagesOf(journey, OPT_OUT).length).toBeGreaterThan(journey.length);
  });

  it('given a customer marketing may not reach, then her erasure request and erasure still go out, and nothing else', () => {
    const journey = [...consenting()];
    const request = touchpoint('PersonalDataErasureRequested', day(40), { requestId: 'DSR-1' });
    const later = onboarded(day(41), '900000000', 'SAV-9').slice(2);
    const erased = touchpoint('PersonalDataErased', day(50), {
      requestId: 'DSR-1',
      reason: 'retention-expired',
    });
    const all = messagesOf([...journey, request, ...later, erased]);
    const afterRequest = all.slice(messagesOf(journey).length);
    expect(afterRequest).toEqual([
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.PersonalDataErasureRequested.v1'],
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.PersonalDataErased.v1'],
    ]);
  });

  it('given a touchpoint with personal data, then its message carries none of it', () => {
    const [grant, prospect] = consenting();
    const before = projectCustomer(initialCustomerState(CUSTOMER_ID), grant, POLICY);
    const after = projectCustomer(before, prospect, POLICY);
    const [message] = outboxMessages(CUSTOMER_ID, recorded(prospect, 7n), before, after, POLICY);
    expect(message.data.data).toEqual({ source: 'website', channel: 'web' });
  });

  it('given events in position order, then sequences sort the same way as text and stay below the reader bound', () => {
    const events = consenting();
    let state = initialCustomerState(CUSTOMER_ID);
    const sequences: string[] = [];
    events.forEach((event, index) => {
      const next = projectCustomer(state, event, POLICY);
      const position = BigInt(index) * 1_000_000_007n;
      for (const message of outboxMessages(
        CUSTOMER_ID,
        recorded(event, position),
        state,
        next,
        POLICY,
      )) {
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
    const { state } = play(consenting());
    const inactivity = touchpoint('InactivityThresholdReached', day(200), {
      threshold: 'at-risk',
      inactiveSince: day(0),
      thresholdDays: 90,
    });
    const after = projectCustomer(state, inactivity, POLICY);
    const messages = outboxMessages(CUSTOMER_ID, recorded(inactivity, 99n), state, after, POLICY);
    expect(messages.map((message) => [message.topic, message.data.to])).toEqual([
      ['crm.customer-lifecycle.v1', 'at-risk'],
    ]);
  });
});
