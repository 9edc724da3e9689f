import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';

/** Every class of bad input gets a clear 4xx naming the field and rule, and changes nothing. */
describe('POST /v1/touchpoints with bad input (e2e over HTTP)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ INGEST_MAX_BATCH: '3', INGEST_MAX_BODY_BYTES: '4096' });
  });
  afterAll(() => running.close());

  const post = () => running.http().post('/v1/touchpoints');
  const storedFor = async (customerId: string) =>
    (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
    ).status;

  it('malformed JSON: 400 saying so', async () => {
    const response = await post().set('Content-Type', 'application/json').send('{"eventId": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message).toMatch(/not valid JSON/);
  });

  it('wrong content type: 415', async () => {
    const response = await post().set('Content-Type', 'text/plain').send('hello');
    expect(response.status).toBe(415);
    expect(response.body.message).toBe('Content-Type must be application/json');
  });

  it('no content type at all: 415', async () => {
    const response = await post().send(Buffer.from('{}'));
    expect(response.status).toBe(415);
  });

  it('oversized body: 413', async () => {
    const response = await post()
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(5000) }));
    expect(response.status).toBe(413);
    expect(response.body.message).toMatch(/exceeds 4096 bytes/);
  });

  it('a JSON array or scalar instead of an object: 400', async () => {
    for (const body of ['[]', '42', '"text"', 'null']) {
      const response = await post().set('Content-Type', 'application/json').send(body);
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ rule: 'isObject' });
    }
  });

  it('unknown touchpoint type: 400 naming field "type" and rule "isIn"', async () => {
    const customerId = `c-${randomUUID()}`;
    const response = await post().send({
      eventId: randomUUID(),
      customerId,
      type: 'MoonLanding',
      occurredAt: '2026-01-01T00:00:00Z',
      data: {},
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ field: 'type', rule: 'isIn' }),
    );
    expect(await storedFor(customerId)).toBe(404);
  });

  it('missing and malformed envelope fields: 400 with one entry per broken rule', async () => {
    const response = await post().send({
      eventId: 'not-a-uuid',
      customerId: 'has spaces',
      occurredAt: '2026-13-45',
      data: 'nope',
      version: 0,
    });
    expect(response.status).toBe(400);
    const broken = response.body.errors.map(
      (error: { field: string; rule: string }) => `${error.field}:${error.rule}`,
    );
    expect(broken).toEqual(
      expect.arrayContaining([
        'eventId:isUuid',
        'customerId:matches',
        'type:isIn',
        'occurredAt:isIso8601',
        'data:isObject',
        'version:min',
      ]),
    );
  });

  it('a time without zone: 400 naming occurredAt', async () => {
    const response = await post().send({
      eventId: randomUUID(),
      customerId: 'c-1',
      type: 'ProspectCaptured',
      occurredAt: '2026-01-01T00:00:00',
      data: {},
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ field: 'occurredAt', rule: 'matches' }),
    );
  });

  it('unknown envelope field: 400 naming it', async () => {
    const response = await post().send({
      eventId: randomUUID(),
      customerId: 'c-1',
      type: 'ProspectCaptured',
      occurredAt: '2026-01-01T00:00:00Z',
      data: {},
      sneaky: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ field: 'sneaky', rule: 'unknownField' }),
    );
  });

  it('batch shape: empty, not an array, too many, extra keys', async () => {
    const empty = await post().send({ touchpoints: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0]).toMatchObject({ field: 'touchpoints', rule: 'arrayNotEmpty' });

    const notArray = await post().send({ touchpoints: {} });
    expect(notArray.body.errors[0]).toMatchObject({ field: 'touchpoints', rule: 'isArray' });

    const tooMany = await post().send({ touchpoints: [{}, {}, {}, {}] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0]).toMatchObject({ field: 'touchpoints', rule: 'arrayMaxSize' });

    const extra = await post().send({ touchpoints: [{}], dryRun: true });
    expect(extra.body.errors[0]).toMatchObject({ field: 'dryRun', rule: 'unknownField' });
  });

  it('history read-back: bad customer id and bad paging are 400, unknown customer 404', async () => {
    const badId = await running
      .http()
      .get('/v1/customers/has%20space/events')
      .set('X-Purpose', 'TEST-AUDIT-1');
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0]).toMatchObject({ field: 'customerId', rule: 'matches' });
    const badLimit = await running
      .http()
      .get('/v1/customers/c-1/events?limit=-3')
      .set('X-Purpose', 'TEST-AUDIT-1');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.errors[0]).toMatchObject({ field: 'limit', rule: 'isInt' });
    const unknown = await running
      .http()
      .get(`/v1/customers/c-${randomUUID()}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1');
    expect(unknown.status).toBe(404);
  });

  it('unknown route: 404 in the same error shape', async () => {
    const response = await running.http().get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
