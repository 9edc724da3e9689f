import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { describeWithServer, POSTGRES } from '../support/servers';
import { touchpoints } from '../support/touchpoints';

describe('POST /v1/touchpoints and GET /v1/customers/:id/events (e2e over HTTP, embedded PGlite)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  const post = (body: object) => running.http().post('/v1/touchpoints').send(body);
  const history = async (customerId: string) =>
    (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
    ).body;

  it('appends a single touchpoint (201) and reads it back as stored, with store position and time', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    const response = await post(prospect);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      index: 0,
      eventId: prospect.eventId,
      status: 'appended',
      revision: 0,
    });
    expect(response.body.position).toMatch(/^\d+$/);

    const { events } = await history(customerId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventId: prospect.eventId,
      type: 'ProspectCaptured',
      version: 1,
      occurredAt: '2026-01-05T09:00:00.000Z',
      revision: 0,
      position: response.body.position,
      data: prospect.data,
      metadata: prospect.metadata,
    });
    expect(Date.parse(events[0].recordedAt)).not.toBeNaN();
  });

  it('answers a repeated eventId as duplicate (200) and stores it once', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    await post(prospect).expect(201);
    const again = await post(prospect);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate', revision: 0 });
    expect((await history(customerId)).events).toHaveLength(1);
  });

  it('answers a batch per item: appended, duplicate, invalid and rejected, storing only the good ones', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    const opened = touchpoints.productOpened(customerId, 'CUR-1');
    const invalid = {
      ...touchpoints.balance(customerId, 'CUR-1', '12.50', '2026-01-07T00:00:00Z'),
    };
    const closesUnknown = touchpoints.productClosed(customerId, 'NEVER-OPENED');
    const balance = touchpoints.balance(customerId, 'CUR-1', '1250000', '2026-01-07T00:00:00Z');

    const response = await post({
      touchpoints: [prospect, opened, invalid, closesUnknown, balance, prospect],
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      appended: 3,
      duplicate: 1,
      invalid: 1,
      rejected: 1,
      conflict: 0,
    });
    const results = response.body.results;
    expect(results.map((result: { status: string }) => result.status)).toEqual([
      'appended',
      'appended',
      'invalid',
      'rejected',
      'appended',
      'duplicate',
    ]);
    expect(results[2].errors).toContainEqual(
      expect.objectContaining({ field: 'data.balanceMinor' }),
    );
    expect(results[3]).toMatchObject({ rule: 'account-unknown', field: 'data.accountId' });
    expect(BigInt(response.body.position)).toBe(BigInt(results[4].position));

    const { events } = await history(customerId);
    expect(events.map((event: { type: string }) => event.type)).toEqual([
      'ProspectCaptured',
      'ProductOpened',
      'BalanceReported',
    ]);
  });

  it('refuses a touchpoint that contradicts history with 422 naming the rule', async () => {
    const customerId = `c-${randomUUID()}`;
    const response = await post(touchpoints.productOpened(customerId, 'CUR-1'));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      status: 'rejected',
      rule: 'customer-unknown',
    });
    expect(
      (
        await running
          .http()
          .get(`/v1/customers/${customerId}/events`)
          .set('X-Purpose', 'TEST-AUDIT-1')
      ).status,
    ).toBe(404);
  });

  it('accepts a late event and stores an older schema version as sent', async () => {
    const customerId = `c-${randomUUID()}`;
    await post(touchpoints.prospect(customerId, '2026-03-01T00:00:00Z')).expect(201);
    await post(touchpoints.interaction(customerId, '2026-03-10T00:00:00Z')).expect(201);
    const late = await post(touchpoints.interaction(customerId, '2026-03-02T00:00:00+08:00', 1));
    expect(late.status).toBe(201);
    const { events } = await history(customerId);
    expect(events[2]).toMatchObject({ version: 1, occurredAt: '2026-03-01T16:00:00.000Z' });
    expect(events[2].data).toEqual({ channel: 'mobile', purpose: 'login' });
  });

  it('pages a long history with fromRevision and limit', async () => {
    const customerId = `c-${randomUUID()}`;
    await post({
      touchpoints: [
        touchpoints.prospect(customerId),
        ...Array.from({ length: 4 }, (_, i) =>
          touchpoints.interaction(customerId, `2026-01-1${i}T00:00:00Z`),
        ),
      ],
    }).expect(200);
    const first = (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events?limit=2`)
        .set('X-Purpose', 'TEST-AUDIT-1')
    ).body;
    expect(first.events.map((event: { revision: number }) => event.revision)).toEqual([0, 1]);
    expect(first.nextFromRevision).toBe(2);
    const rest = (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events?fromRevision=2`)
        .set('X-Purpose', 'TEST-AUDIT-1')
    ).body;
    expect(rest.events.map((event: { revision: number }) => event.revision)).toEqual([2, 3, 4]);
    expect(rest.nextFromRevision).toBeUndefined();
  });

  it('reports health with the kind of each store', async () => {
    const response = await running.http().get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      info: {
        eventStore: { status: 'up', kind: 'pglite' },
        readModels: { status: 'up', kind: 'pglite' },
      },
    });
  });
});

/**
 * Two service instances on one PostgreSQL server, as in production: each queues its own
 * requests per customer, so races happen between instances and optimistic concurrency settles
 * them. With retries off the losers get 409; with the default budget every request lands.
 */
describeWithServer(
  POSTGRES,
  'two instances writing one customer on a PostgreSQL server (e2e)',
  (url) => {
    const race = async (retries: string | undefined, requests: number) => {
      const environment = {
        DATABASE_URL: url,
        ...(retries ? { INGEST_CONFLICT_RETRIES: retries } : {}),
      };
      const instances = [await startApp(environment), await startApp(environment)];
      try {
        const customerId = `c-${randomUUID()}`;
        await instances[0]
          .http()
          .post('/v1/touchpoints')
          .send(touchpoints.prospect(customerId))
          .expect(201);
        const responses = await Promise.all(
          Array.from({ length: requests }, (_, i) =>
            instances[i % 2]
              .http()
              .post('/v1/touchpoints')
              .send(
                touchpoints.interaction(
                  customerId,
                  `2026-01-10T00:${String(i).padStart(2, '0')}:00Z`,
                ),
              ),
          ),
        );
        const stored = (
          await instances[1]
            .http()
            .get(`/v1/customers/${customerId}/events`)
            .set('X-Purpose', 'TEST-AUDIT-1')
        ).body.events;
        return { responses, stored: stored as { revision: number }[] };
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
    };

    it('with the default retry budget, 40 racing requests all land in one gapless stream', async () => {
      const { responses, stored } = await race(undefined, 40);
      expect(responses.map((response) => response.status)).toEqual(Array(40).fill(201));
      expect(stored.map((event) => event.revision)).toEqual(
        Array.from({ length: 41 }, (_, i) => i),
      );
    });

    it('decides on what the other instance wrote, though each keeps its own view of the customer', async () => {
      const instances = [
        await startApp({ DATABASE_URL: url }),
        await startApp({ DATABASE_URL: url }),
      ];
      try {
        const customerId = `c-${randomUUID()}`;
        const post = (instance: number, touchpoint: object) =>
          instances[instance].http().post('/v1/touchpoints').send(touchpoint);
        // Instance 0 learns the customer and, deciding on a second touchpoint, keeps its view of
        // her; then instance 1 opens an account that view does not hold.
        await post(0, touchpoints.prospect(customerId)).expect(201);
        await post(0, touchpoints.interaction(customerId, '2026-01-05T12:00:00Z')).expect(201);
        const opened = touchpoints.productOpened(customerId, 'CUR-1');
        await post(1, opened).expect(201);

        // Closing it through instance 0 needs the account instance 1 opened.
        await post(0, touchpoints.productClosed(customerId, 'CUR-1')).expect(201);
        // And a resend of instance 1's touchpoint is a duplicate there too, at its revision.
        const resent = await post(0, opened).expect(200);
        expect(resent.body).toMatchObject({ status: 'duplicate', revision: 2 });
        // Closing twice is refused by the history both instances now share.
        const again = await post(
          1,
          touchpoints.productClosed(customerId, 'CUR-1', '2026-02-02T10:00:00Z'),
        );
        expect(again.status).toBe(422);
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
    });

    it('with retries off, losers are answered 409 conflict and only winners are stored', async () => {
      const { responses, stored } = await race('0', 40);
      const statuses = responses.map((response) => response.status);
      expect(statuses).toContain(409);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      expect(responses.find((response) => response.status === 409)!.body).toMatchObject({
        status: 'conflict',
      });
      expect(stored).toHaveLength(1 + statuses.filter((status) => status === 201).length);
    });
  },
);

describe('restart keeps the data (e2e)', () => {
  it('reads back after the app is closed and started again on the same data folder', async () => {
    const first = await startApp();
    const customerId = `c-${randomUUID()}`;
    await first.http().post('/v1/touchpoints').send(touchpoints.prospect(customerId)).expect(201);
    await first.app.close();

    const second = await startApp({}, first.dataDir);
    try {
      const { events } = (
        await second
          .http()
          .get(`/v1/customers/${customerId}/events`)
          .set('X-Purpose', 'TEST-AUDIT-1')
      ).body;
      expect(events).toHaveLength(1);
    } finally {
      await second.close();
      await first.close().catch(() => undefined);
    }
  });
});
