import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

type Prospect = Omit<ReturnType<typeof touchpoints.prospect>, 'metadata'> & {
  metadata: Record<string, string>;
};

/**
 * The classes of input that once reached a 500 (issue: bad input never gets a 500), each with a
 * clear 4xx naming the field and the rule, and nothing stored.
 */
describe('hostile input (e2e over HTTP)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ JSON_MAX_DEPTH: '64' });
  });
  afterAll(() => running.close());

  const post = (body: string | object) =>
    running.http().post('/v1/touchpoints').set('Content-Type', 'application/json').send(body);
  const eventsOf = async (customerId: string) => {
    const response = await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1');
    return response.status === 200 ? (response.body.events as unknown[]) : [];
  };
  const prospect = (patch: (touchpoint: Prospect) => void) => {
    const touchpoint: Prospect = touchpoints.prospect(`c-${randomUUID()}`);
    patch(touchpoint);
    return touchpoint;
  };

  it.each([
    [
      'a NUL in a personal field',
      'data.fullName',
      (t: Prospect) => (t.data.fullName = 'Li\u0000Wei'),
    ],
    [
      'a NUL in metadata',
      'metadata.correlationId',
      (t: Prospect) => (t.metadata.correlationId = 'a\u0000'),
    ],
    ['a lone high surrogate', 'data.fullName', (t: Prospect) => (t.data.fullName = 'x\ud800y')],
    ['a lone low surrogate', 'data.branchId', (t: Prospect) => (t.data.branchId = '\udc00')],
  ])('%s: 400 naming the field, nothing stored', async (_case, field, patch) => {
    const touchpoint = prospect(patch);
    const response = await post(JSON.stringify(touchpoint));
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ field, rule: 'isStorableString' }),
    );
    expect(await eventsOf(touchpoint.customerId)).toHaveLength(0);
  });

  it.each(['constructor', '__proto__', 'prototype', 'valueOf', 'toString', 'hasOwnProperty'])(
    'a payload key named %s: 400 naming it, nothing stored',
    async (key) => {
      const touchpoint = prospect(() => undefined);
      const raw = JSON.stringify(touchpoint).replace('"data":{', `"data":{"${key}":{"x":1},`);
      const response = await post(raw);
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual(
        expect.objectContaining({ field: `data.${key}`, rule: 'isSafeKey' }),
      );
      expect(await eventsOf(touchpoint.customerId)).toHaveLength(0);
    },
  );

  it.each([
    ['data', (deep: string) => `"data":${deep}`],
    ['metadata', (deep: string) => `"metadata":${deep}`],
    ['an array', (deep: string) => `"extra":${deep.replace(/\{"a":/g, '[').replace(/\}/g, ']')}`],
  ])('JSON nested 10,000 levels deep in %s: 400 before parsing', async (_where, place) => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const touchpoint = prospect(() => undefined);
    const raw = JSON.stringify(touchpoint).replace(/"data":\{[^}]*\}/, place(deep));
    const response = await post(raw);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: '', rule: 'maxDepth', message: 'JSON must not nest deeper than 64 levels' },
    ]);
  });

  it('events?limit=0 is refused with the range that is accepted; limit=1 pages', async () => {
    const touchpoint = prospect(() => undefined);
    await post(JSON.stringify(touchpoint)).expect(201);
    const refused = await running
      .http()
      .get(`/v1/customers/${touchpoint.customerId}/events?limit=0`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(400);
    expect(refused.body.errors).toEqual([
      { field: 'limit', rule: 'isInt', message: 'limit must be an integer from 1 to 1000' },
    ]);
    await running
      .http()
      .get(`/v1/customers/${touchpoint.customerId}/events?limit=1`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(200);
  });

  it('fromRevision takes every value its message names, and nothing beyond', async () => {
    const touchpoint = prospect(() => undefined);
    await post(JSON.stringify(touchpoint)).expect(201);
    const url = `/v1/customers/${touchpoint.customerId}/events`;
    const top = await running
      .http()
      .get(`${url}?fromRevision=2147483647`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(200);
    expect(top.body.events).toEqual([]);
    const beyond = await running
      .http()
      .get(`${url}?fromRevision=9007199254740991`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(400);
    expect(beyond.body.errors[0].message).toBe(
      'fromRevision must be an integer from 0 to 2147483647',
    );
  });

  it('a NUL in a query parameter or a path segment: 400, never a database error', async () => {
    const query = await running.http().get('/v1/customers?branch=%00').expect(400);
    expect(query.body.errors[0]).toMatchObject({ field: 'query.branch', rule: 'isStorableString' });
    const path = await running.http().get('/v1/customers/a%00b').expect(400);
    expect(path.body.errors[0]).toMatchObject({ rule: 'isStorableString' });
  });

  it('a batch with a valid touchpoint and a NUL one is refused whole: nothing stored, never a 500', async () => {
    const valid = prospect(() => undefined);
    const broken = prospect((t: Prospect) => (t.data.fullName = 'x\u0000'));
    const response = await post(JSON.stringify({ touchpoints: [valid, broken] }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ field: 'touchpoints[1].data.fullName', rule: 'isStorableString' }),
    );
    expect(await eventsOf(valid.customerId)).toHaveLength(0);
  });

  describe('an eventId sent again', () => {
    it('with the same content (even upper-case, other metadata): duplicate', async () => {
      const touchpoint = prospect(() => undefined);
      await post(JSON.stringify(touchpoint)).expect(201);
      const again = {
        ...touchpoint,
        eventId: touchpoint.eventId.toUpperCase(),
        metadata: { sourceSystem: 'retry' },
      };
      const response = await post(JSON.stringify(again)).expect(200);
      expect(response.body).toMatchObject({ status: 'duplicate', revision: 0 });
    });

    it.each([
      ['another body', (t: Prospect) => ({ ...t, data: { ...t.data, fullName: 'Someone Else' } })],
      [
        'another type',
        (t: Prospect) => ({ ...t, type: 'ProfileUpdated', data: { fullName: 'X' } }),
      ],
      ['another occurredAt', (t: Prospect) => ({ ...t, occurredAt: '2026-01-05T09:00:01Z' })],
    ])('with %s: 409 event-id-reused, the stored event untouched', async (_case, change) => {
      const touchpoint = prospect(() => undefined);
      await post(JSON.stringify(touchpoint)).expect(201);
      const response = await post(JSON.stringify(change(touchpoint))).expect(409);
      expect(response.body).toMatchObject({
        status: 'rejected',
        rule: 'event-id-reused',
        field: 'eventId',
      });
      const [stored] = (await eventsOf(touchpoint.customerId)) as { data: unknown }[];
      expect(stored.data).toEqual(touchpoint.data);
      expect(await eventsOf(touchpoint.customerId)).toHaveLength(1);
    });

    it('with another body inside a batch: that item rejected, the others stored', async () => {
      const touchpoint = prospect(() => undefined);
      await post(JSON.stringify(touchpoint)).expect(201);
      const fresh = prospect(() => undefined);
      const response = await post(
        JSON.stringify({
          touchpoints: [
            { ...touchpoint, data: { ...touchpoint.data, phone: '+862155550199' } },
            fresh,
          ],
        }),
      ).expect(200);
      expect(response.body.results.map((result: { status: string }) => result.status)).toEqual([
        'rejected',
        'appended',
      ]);
      expect(response.body.results[0].rule).toBe('event-id-reused');
    });
  });

  it('PUT, PATCH and DELETE on existing paths: 405 with Allow', async () => {
    for (const method of ['put', 'patch', 'delete'] as const) {
      const response = await running.http()[method]('/v1/touchpoints').expect(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
    }
    const customer = await running.http().delete('/v1/customers/c-1').expect(405);
    expect(customer.headers.allow).toBe('GET, HEAD');
    await running.http().get('/v1/no-such-path').expect(404);
  });

  it('a structured CloudEvent: 415, documented, nothing stored', async () => {
    const touchpoint = prospect(() => undefined);
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .set('Content-Type', 'application/cloudevents+json')
      .send(
        JSON.stringify({
          specversion: '1.0',
          id: touchpoint.eventId,
          source: 'branch-crm',
          type: 'ProspectCaptured',
          data: touchpoint.data,
        }),
      );
    expect(response.status).toBe(415);
    expect(response.body.message).toContain('CloudEvents are not taken');
    expect(await eventsOf(touchpoint.customerId)).toHaveLength(0);
  });
});
