import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An auditor asks what the service knew of a customer at a past moment, and why: the events
 * recorded by then, replayed through the read models' own projection, each with what it changed.
 */
describe('customer replay as of a past moment (e2e)', () => {
  let running: RunningApp;
  const customerId = `c-${randomUUID()}`;
  const prospect = touchpoints.prospect(customerId, '2025-01-05T09:00:00Z');
  const opened = touchpoints.productOpened(customerId, 'CUR-1', '2025-01-06T10:00:00Z');
  const balance = touchpoints.balance(customerId, 'CUR-1', '80000000', '2025-01-07T00:00:00Z');
  // Sent last, but it happened before the balance: a late event.
  const lateConsent = touchpoints.consent(
    customerId,
    'marketing-email',
    true,
    '2025-01-06T12:00:00Z',
  );
  const positions: string[] = [];
  const recordedAt: string[] = [];

  const replay = (query = '') =>
    running
      .http()
      .get(`/v1/customers/${customerId}/replay${query}`)
      .set('X-Purpose', 'TEST-AUDIT-1');

  beforeAll(async () => {
    running = await startApp({ READ_YOUR_WRITES_TIMEOUT_MS: '10000' });
    for (const touchpoint of [prospect, opened, balance, lateConsent]) {
      const response = await running.http().post('/v1/touchpoints').send(touchpoint).expect(201);
      positions.push(response.body.position);
      // Recorded times a few milliseconds apart, so an instant between two is meaningful.
      await sleep(20);
    }
    const { body } = await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(200);
    recordedAt.push(...body.events.map((event: { recordedAt: string }) => event.recordedAt));
  });
  afterAll(() => running.close());

  it('as of now, equals the customer 360 the read models serve', async () => {
    const live = await running
      .http()
      .get(`/v1/customers/${customerId}?minPosition=${positions[3]}`)
      .expect(200);
    const { revision, ...customer } = live.body;
    expect(revision).toBe(3);

    const { body } = await replay().expect(200);
    expect(body.customer).toEqual(customer);
    expect(body).toMatchObject({
      customerId,
      asOf: {},
      knownEvents: 4,
      lastKnown: { position: positions[3], recordedAt: recordedAt[3] },
      policyVersion: customer.policyVersion,
    });
  });

  it('as of a position, knows only what was recorded by then, and says which event changed what', async () => {
    const { body } = await replay(`?asOfPosition=${positions[2]}`).expect(200);
    expect(body.asOf).toEqual({ position: positions[2] });
    expect(body.knownEvents).toBe(3);
    expect(body.customer).toMatchObject({
      lifecycle: { stage: 'onboarding' },
      valueTier: { tier: 'affluent', aumMinor: '80000000' },
    });
    // The consent, recorded later, was not known then, though it happened before the balance.
    expect(body.customer.consent).toEqual({});

    const [first, second, third] = body.explanation;
    expect(first).toMatchObject({
      eventId: prospect.eventId,
      type: 'ProspectCaptured',
      position: positions[0],
      revision: 0,
      changes: { stage: { from: null, to: 'prospect' } },
    });
    expect(second).toMatchObject({
      eventId: opened.eventId,
      changes: { stage: { from: 'prospect', to: 'onboarding' } },
    });
    expect(third.eventId).toBe(balance.eventId);
    expect(third.changes.tier).toEqual({ from: expect.anything(), to: 'affluent' });
    expect(third.changes.stage).toBeUndefined();

    const now = await replay().expect(200);
    expect(now.body.explanation[3]).toMatchObject({
      eventId: lateConsent.eventId,
      occurredAt: '2025-01-06T12:00:00.000Z',
      changes: { consent: { from: {}, to: { 'marketing-email': true } } },
    });
  });

  it('as of an instant, counts what was recorded up to it', async () => {
    const second = await replay(`?asOf=${encodeURIComponent(recordedAt[1])}`).expect(200);
    expect(second.body.knownEvents).toBe(2);
    expect(second.body.asOf).toEqual({ recordedAt: recordedAt[1] });
    expect(second.body.customer.lifecycle.stage).toBe('onboarding');

    const before = new Date(Date.parse(recordedAt[0]) - 1).toISOString();
    const none = await replay(`?asOf=${before}`).expect(404);
    expect(none.body.message).toContain('as of then');
  });

  it('answers bad input with a 400 naming the field and rule, and an unknown customer with a 404', async () => {
    const both = await replay(`?asOf=2025-01-01T00:00:00Z&asOfPosition=1`).expect(400);
    expect(both.body.errors).toEqual([
      expect.objectContaining({ field: 'asOfPosition', rule: 'exclusive' }),
    ]);

    const notInstant = await replay('?asOf=yesterday').expect(400);
    expect(notInstant.body.errors).toEqual([expect.objectContaining({ field: 'asOf' })]);

    const notPosition = await replay('?asOfPosition=-3').expect(400);
    expect(notPosition.body.errors).toEqual([expect.objectContaining({ field: 'asOfPosition' })]);

    const unknownParam = await replay('?at=2025-01-01T00:00:00Z').expect(400);
    expect(unknownParam.body.errors).toEqual([expect.objectContaining({ field: 'at' })]);

    await running
      .http()
      .get('/v1/customers/not%20an%20id/replay')
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(400);
    await running
      .http()
      .get(`/v1/customers/c-${randomUUID()}/replay`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(404);
  });
});
