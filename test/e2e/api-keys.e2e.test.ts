import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../../src/security/api-keys';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

const KEYS = {
  gateway: `cle_${randomUUID()}`,
  marketing: `cle_${randomUUID()}`,
  auditor: `cle_${randomUUID()}`,
  operator: `cle_${randomUUID()}`,
};

/** With API_KEYS set, each route needs a key holding its role; only hashes are configured. */
describe('API keys and roles (e2e)', () => {
  let running: RunningApp;
  const customerId = `c-${randomUUID()}`;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    running = await startApp({
      API_KEYS: [
        `crm-gateway:ingest:${hashApiKey(KEYS.gateway)}`,
        `marketing:read:${hashApiKey(KEYS.marketing)}`,
        `auditor:audit+read:${hashApiKey(KEYS.auditor)}`,
        `operator:admin:${hashApiKey(KEYS.operator)}`,
      ].join(','),
    });
  });
  afterAll(() => running.close());

  it('refuses a request without a key, or with an unknown one, with a 401 and stores nothing', async () => {
    const touchpoint = touchpoints.prospect(customerId);
    const missing = await running.http().post('/v1/touchpoints').send(touchpoint).expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(missing.body.message).toContain('Authorization: Bearer');

    await running
      .http()
      .post('/v1/touchpoints')
      .set(bearer(`${KEYS.gateway}x`))
      .send(touchpoint)
      .expect(401);
    await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .set(bearer(KEYS.auditor))
      .expect(404);
  });

  it('lets each key do what its roles allow, by Bearer or X-API-Key, and refuses the rest with a 403 naming the role', async () => {
    const ingest = await running
      .http()
      .post('/v1/touchpoints')
      .set(bearer(KEYS.gateway))
      .send(touchpoints.prospect(customerId))
      .expect(201);
    await running
      .http()
      .get(`/v1/customers/${customerId}?minPosition=${ingest.body.position}`)
      .set('x-api-key', KEYS.marketing)
      .expect(200);

    const forbidden = await running
      .http()
      .get(`/v1/customers/${customerId}`)
      .set(bearer(KEYS.gateway))
      .expect(403);
    expect(forbidden.body).toMatchObject({
      statusCode: 403,
      message: 'this API key lacks the role read',
    });
    // Personal data as sent is for auditors, not for marketing.
    await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .set(bearer(KEYS.marketing))
      .expect(403);
    await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .set(bearer(KEYS.auditor))
      .expect(200);
    await running
      .http()
      .get(`/v1/customers/${customerId}/replay`)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .set(bearer(KEYS.auditor))
      .expect(200);
    await running.http().get('/v1/stats/funnel').set(bearer(KEYS.auditor)).expect(200);

    await running.http().get('/v1/admin/projections').set(bearer(KEYS.auditor)).expect(403);
    await running.http().get('/v1/admin/projections').set(bearer(KEYS.operator)).expect(200);
    await running.http().post('/v1/admin/scheduler/run').set(bearer(KEYS.operator)).expect(200);
    await running.http().get('/v1/feed').set(bearer(KEYS.operator)).expect(403);
  });

  it('keeps health probes and the API docs open', async () => {
    await running.http().get('/health').expect(200);
    const docs = await running.http().get('/docs-json').expect(200);
    expect(docs.body.components.securitySchemes).toHaveProperty('bearer');
    expect(docs.body.paths['/v1/touchpoints'].post.security).toEqual([{ bearer: [] }]);
  });
});
