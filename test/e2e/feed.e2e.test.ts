import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

interface FeedMessage {
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly sequence: string;
  readonly topic: string;
  readonly data: Record<string, unknown> & { data?: Record<string, unknown> };
}

/** The HTTP feed: the outbox messages Kafka would get, derived with the read-model change. */
describe('outbox feed over HTTP (e2e)', () => {
  let running: RunningApp;
  const grower = `c-${randomUUID()}`;
  const optedOut = `c-${randomUUID()}`;
  const silent = `c-${randomUUID()}`;
  const journey = {
    prospect: touchpoints.prospect(grower, '2025-01-05T09:00:00Z'),
    grant: touchpoints.consent(grower, 'marketing-email', true, '2025-01-05T09:30:00Z'),
    opened: touchpoints.productOpened(grower, 'CUR-1', '2025-01-06T10:00:00Z'),
    balance: touchpoints.balance(grower, 'CUR-1', '80000000', '2025-01-07T00:00:00Z'),
  };
  const optOut = {
    prospect: touchpoints.prospect(optedOut, '2025-02-01T09:00:00Z'),
    grant: touchpoints.consent(optedOut, 'marketing-email', true, '2025-02-01T09:30:00Z'),
    withdraw: touchpoints.consent(optedOut, 'marketing-email', false, '2025-02-02T09:00:00Z'),
    opened: touchpoints.productOpened(optedOut, 'CUR-2', '2025-02-03T10:00:00Z'),
    balance: touchpoints.balance(optedOut, 'CUR-2', '90000000', '2025-02-04T00:00:00Z'),
    regrant: touchpoints.consent(optedOut, 'marketing-email', true, '2025-02-05T09:00:00Z'),
  };
  /** Opt-in (the retail-bank policy): a customer who never consented is never marketed to. */
  const neverAsked = {
    prospect: touchpoints.prospect(silent, '2025-03-01T09:00:00Z'),
    opened: touchpoints.productOpened(silent, 'CUR-3', '2025-03-02T10:00:00Z'),
    balance: touchpoints.balance(silent, 'CUR-3', '90000000', '2025-03-03T00:00:00Z'),
  };
  let position: string;

  const feed = async (query = ''): Promise<{ messages: FeedMessage[]; nextCursor: string }> => {
    const response = await running.http().get(`/v1/feed?minPosition=${position}&${query}`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const everything = async (limit: number) => {
    const all: FeedMessage[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await feed(`limit=${limit}${cursor ? `&after=${cursor}` : ''}`);
      if (page.messages.length === 0) return all;
      all.push(...page.messages);
      cursor = page.nextCursor;
    }
  };

  beforeAll(async () => {
    running = await startApp({ READ_YOUR_WRITES_TIMEOUT_MS: '10000' });
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .send({
        touchpoints: [
          ...Object.values(journey),
          ...Object.values(optOut),
          ...Object.values(neverAsked),
        ],
      })
      .expect(200);
    expect(response.body.appended).toBe(13);
    position = response.body.position;
  });
  afterAll(() => running.close());

  it('publishes touchpoints, stage and tier changes as CloudEvents, in order per customer, from the consent on', async () => {
    const messages = (await everything(100)).filter((message) => message.subject === grower);
    // The prospect came before her consent: opt-in keeps it from marketing.
    expect(messages.map((message) => [message.topic, message.type])).toEqual([
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.ConsentChanged.v1'],
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.ProductOpened.v1'],
      ['crm.customer-lifecycle.v1', 'bank.crm.customer.stage-changed.v1'],
      ['crm.customer-touchpoints.v1', 'bank.crm.touchpoint.BalanceReported.v1'],
      ['crm.customer-value-tier.v1', 'bank.crm.customer.value-tier-changed.v1'],
    ]);
    expect(messages[1]).toMatchObject({
      specversion: '1.0',
      id: journey.opened.eventId,
      source: '/customer-lifecycle-engine',
      time: '2025-01-06T10:00:00.000Z',
      data: {
        customerId: grower,
        eventId: journey.opened.eventId,
        touchpointType: 'ProductOpened',
        data: { accountId: 'CUR-1', productType: 'current', channel: 'branch' },
      },
    });
    expect(messages[2]).toMatchObject({
      id: `${journey.opened.eventId}:stage`,
      data: { from: 'prospect', to: 'onboarding', cause: { eventId: journey.opened.eventId } },
    });
    expect(messages[4]).toMatchObject({
      id: `${journey.balance.eventId}:tier`,
      data: { from: 'mass', to: 'affluent', cause: { eventType: 'BalanceReported' } },
    });
    const sequences = messages.map((message) => message.sequence);
    expect([...sequences].sort()).toEqual(sequences);
    expect(new Set(sequences).size).toBe(sequences.length);
  });

  it('never carries personal data: the prospects carried a name and a phone number', async () => {
    expect(JSON.stringify(await everything(100))).not.toMatch(
      /Li Wei|\+862155550101|fullName|phone/,
    );
  });

  it('sends nothing but consent changes for a customer who withdrew marketing consent', async () => {
    const messages = (await everything(100)).filter((message) => message.subject === optedOut);
    expect(messages.map((message) => message.id)).toEqual([
      optOut.grant.eventId,
      optOut.withdraw.eventId,
      // Opening a product and the affluent balance while opted out: suppressed.
      optOut.regrant.eventId,
    ]);
    expect(messages[1].data).toMatchObject({
      touchpointType: 'ConsentChanged',
      data: { purpose: 'marketing-email', granted: false },
    });
  });

  it('sends nothing at all for a customer never asked for consent (opt-in), and the 360 says so', async () => {
    const messages = (await everything(100)).filter((message) => message.subject === silent);
    expect(messages).toEqual([]);
    const customer = await running.http().get(`/v1/customers/${silent}`).expect(200);
    expect(customer.body).toMatchObject({ contactablePurposes: [], privacy: { state: 'none' } });
    const granted = await running.http().get(`/v1/customers/${grower}`).expect(200);
    expect(granted.body.contactablePurposes).toEqual(['marketing-email']);
    const audience = await running
      .http()
      .get(`/v1/customers?marketingConsent=true&limit=1000&minPosition=${position}`)
      .expect(200);
    const ids = audience.body.customers.map((c: { customerId: string }) => c.customerId);
    expect(ids).toEqual(expect.arrayContaining([grower, optedOut]));
    expect(ids).not.toContain(silent);
  });

  it('pages with the cursor and filters by topic', async () => {
    const whole = await everything(100);
    expect(await everything(2)).toEqual(whole);
    const lifecycle = (await feed('topic=crm.customer-lifecycle.v1')).messages;
    expect(lifecycle.map((message) => message.id)).toEqual(
      whole.filter((message) => message.topic === 'crm.customer-lifecycle.v1').map((m) => m.id),
    );
    const last = whole[whole.length - 1].sequence;
    expect(await feed(`after=${last}`)).toEqual({ messages: [], nextCursor: last });
  });

  it.each([
    ['after=abc', 'after', 'after must be a cursor returned by the feed'],
    ['topic=crm.secrets.v1', 'topic', 'topic must be one of the following values'],
    ['limit=0', 'limit', 'limit must not be less than 1'],
  ])('answers %s with a 400 naming the field', async (query, field, message) => {
    const response = await running.http().get(`/v1/feed?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ field, message: expect.stringContaining(message) }),
    ]);
  });

  it('regenerates the same messages, ids and sequences on a rebuild', async () => {
    const before = await everything(100);
    await running.http().post('/v1/admin/projections/customers/rebuild').expect(202);
    const deadline = Date.now() + 20_000;
    let generation = 1;
    while (generation === 1 && Date.now() < deadline) {
      const status = await running.http().get('/v1/admin/projections').expect(200);
      generation = status.body.projections[0].generation;
      if (generation === 1) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(generation).toBe(2);
    expect(await everything(100)).toEqual(before);
  });
});
