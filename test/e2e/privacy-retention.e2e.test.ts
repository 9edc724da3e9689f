import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../../src/security/api-keys';
import { RunningApp, startApp } from '../support/app';
import { touchpointBody, touchpoints } from '../support/touchpoints';

const KEYS = {
  gateway: `k-${randomUUID()}`,
  marketing: `k-${randomUUID()}`,
  auditor: `k-${randomUUID()}`,
  operator: `k-${randomUUID()}`,
};
const PURPOSE = 'AML-CASE-2026-0113';

/**
 * Issue 10, items 5 and 7 through HTTP: anti-money-laundering retention beats erasure visibly
 * (restricted, then erased by the scheduler when the window ends, postponed by a legal hold), and
 * every read of personal data and every privileged action leaves an access record.
 */
describe('AML retention, legal hold and access audit (e2e)', () => {
  let running: RunningApp;
  const as = (key: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[key]}` });
  const post = (body: object) =>
    running.http().post('/v1/touchpoints').set(as('gateway')).send(body);
  const customer360 = async (customerId: string, minPosition?: string) =>
    (
      await running
        .http()
        .get(`/v1/customers/${customerId}${minPosition ? `?minPosition=${minPosition}` : ''}`)
        .set(as('marketing'))
        .expect(200)
    ).body;
  const eventsOf = async (customerId: string) =>
    (
      await running
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set(as('auditor'))
        .set('X-Purpose', PURPOSE)
        .expect(200)
    ).body.events as { type: string; eventId: string; data: Record<string, unknown> }[];
  const accessLog = async (query: string) =>
    (await running.http().get(`/v1/audit/access?${query}`).set(as('auditor')).expect(200)).body;
  const request = (customerId: string, occurredAt: string) => ({
    ...touchpointBody(customerId, 'PersonalDataErasureRequested', occurredAt, {
      requestId: `DSR-${customerId.slice(2, 10)}`,
      channel: 'web',
    }),
    metadata: { sourceSystem: 'privacy-desk' },
  });
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    running = await startApp({
      API_KEYS: [
        `crm-gateway:ingest:${hashApiKey(KEYS.gateway)}`,
        `marketing:read:${hashApiKey(KEYS.marketing)}`,
        `auditor-1:audit+read:${hashApiKey(KEYS.auditor)}`,
        `operator:admin:${hashApiKey(KEYS.operator)}`,
      ].join(','),
      READ_YOUR_WRITES_TIMEOUT_MS: '10000',
      // The test runs the scheduler itself, at the moments it checks.
      SCHEDULER_INTERVAL_MS: '3600000',
    });
  });
  afterAll(() => running.close());

  it('erases at once a customer who never held a product: no AML evidence to keep', async () => {
    const customerId = `c-${randomUUID()}`;
    await post(touchpoints.prospect(customerId, '2026-01-05T09:00:00Z')).expect(201);
    const asked = request(customerId, '2026-02-01T09:00:00Z');
    const answer = await post(asked).expect(201);
    expect(answer.body.status).toBe('appended');
    const events = await eventsOf(customerId);
    const erasure = events.find((event) => event.type === 'PersonalDataErased')!;
    expect(answer.body.erasedBy).toBe(erasure.eventId);
    expect(erasure.data).toEqual({ requestId: asked.data.requestId, reason: 'customer-request' });
    expect(events[0].data.fullName).toEqual({ erased: true, erasedBy: erasure.eventId });
    const view = await until(
      () => customer360(customerId),
      (body) => body.privacy.state === 'erased',
    );
    expect(view.privacy).toEqual({
      state: 'erased',
      erasedAt: '2026-02-01T09:00:00.000Z',
      erasedBy: erasure.eventId,
    });
    const { records } = await accessLog(`customerId=${customerId}`);
    expect(records.map((r: { action: string }) => r.action)).toEqual([
      'erasure-request',
      'erasure',
      'read-personal-data',
    ]);
    expect(records[1]).toMatchObject({
      keyName: 'crm-gateway',
      customerId,
      details: { eventId: erasure.eventId },
    });
    // A resend of the request is a duplicate: nothing is appended twice.
    expect((await post(asked).expect(200)).body.status).toBe('duplicate');
  });

  it('restricts a customer inside the AML window, holds, and lets the scheduler erase when the hold is lifted', async () => {
    const customerId = `c-${randomUUID()}`;
    const grant = touchpoints.consent(customerId, 'marketing-email', true, '2019-01-05T10:00:00Z');
    const batch = await post({
      touchpoints: [
        touchpoints.prospect(customerId, '2019-01-05T09:00:00Z'),
        grant,
        touchpoints.productOpened(customerId, 'CUR-1', '2019-01-10T10:00:00Z'),
        touchpoints.productClosed(customerId, 'CUR-1', '2020-06-01T10:00:00Z'),
      ],
    }).expect(200);
    expect(batch.body.appended).toBe(4);
    // Sent as done inside the window (evidence kept until 2025-06-01): refused, naming the rule.
    const tooEarly = await post({
      eventId: randomUUID(),
      customerId,
      type: 'PersonalDataErased',
      occurredAt: '2024-01-01T09:00:00Z',
      data: { requestId: 'DSR-EARLY', reason: 'customer-request' },
    }).expect(422);
    expect(tooEarly.body).toMatchObject({ status: 'rejected', rule: 'aml-retention' });
    expect(tooEarly.body.message).toContain('2025-06-01');

    const asked = request(customerId, '2024-01-01T09:00:00Z');
    const recorded = await post(asked).expect(201);
    const restricted = await customer360(customerId, recorded.body.position);
    expect(restricted.privacy).toEqual({
      state: 'restricted-until',
      until: '2025-06-01T10:00:00.000Z',
      requestedAt: '2024-01-01T09:00:00.000Z',
      requestedBy: asked.eventId,
      legalHold: false,
    });
    // Consent was granted, but a restricted customer is not marketed to.
    expect(restricted.contactablePurposes).toEqual([]);
    // The auditor sees the AML evidence (the name), not the rest (the phone).
    const [prospect] = await eventsOf(customerId);
    expect(prospect.data.fullName).toBe('Li Wei');
    expect(prospect.data.phone).toEqual({ restricted: true, restrictedBy: asked.eventId });

    const hold = await running
      .http()
      .put(`/v1/admin/customers/${customerId}/legal-hold`)
      .set(as('operator'))
      .send({ held: true, reference: 'LIT-2026-7' })
      .expect(200);
    expect(hold.body).toMatchObject({ customerId, held: true, reference: 'LIT-2026-7' });
    expect((await customer360(customerId, hold.body.position)).privacy.legalHold).toBe(true);
    await running.http().post('/v1/admin/scheduler/run').set(as('operator')).expect(200);
    expect((await eventsOf(customerId)).map((event) => event.type)).not.toContain(
      'PersonalDataErased',
    );

    const lifted = await running
      .http()
      .put(`/v1/admin/customers/${customerId}/legal-hold`)
      .set(as('operator'))
      .send({ held: false, reference: 'LIT-2026-7' })
      .expect(200);
    await customer360(customerId, lifted.body.position);
    await running.http().post('/v1/admin/scheduler/run').set(as('operator')).expect(200);
    const events = await eventsOf(customerId);
    const erasure = events.find((event) => event.type === 'PersonalDataErased')!;
    expect(erasure.data).toEqual({
      requestId: asked.data.requestId,
      reason: 'retention-expired',
    });
    expect(events[0].data.fullName).toEqual({ erased: true, erasedBy: erasure.eventId });
    const erased = await until(
      () => customer360(customerId),
      (body) => body.privacy.state === 'erased',
    );
    expect(erased.privacy).toMatchObject({ state: 'erased', erasedBy: erasure.eventId });
    // The scheduler is idempotent: a second run appends nothing more.
    const again = await running.http().post('/v1/admin/scheduler/run').set(as('operator'));
    expect(again.body.eventsAppended).toBe(0);

    const { records } = await accessLog(`customerId=${customerId}&limit=1000`);
    expect(records.map((r: { action: string }) => r.action)).toEqual([
      'erasure-request',
      'read-personal-data',
      'legal-hold',
      'read-personal-data',
      'legal-hold',
      'erasure',
      'read-personal-data',
    ]);
    expect(records[0]).toMatchObject({ keyName: 'crm-gateway', role: 'ingest', outcome: 'done' });
    expect(records[2]).toMatchObject({
      keyName: 'operator',
      role: 'admin',
      route: 'PUT /v1/admin/customers/:customerId/legal-hold',
      details: { held: true, reference: 'LIT-2026-7' },
      outcome: 'done',
      status: 200,
    });
    expect(records[5]).toMatchObject({
      keyName: 'scheduler',
      details: { eventId: erasure.eventId, reason: 'retention-expired' },
    });
  });

  it('keeps a customer with an open product restricted with no end date yet', async () => {
    const customerId = `c-${randomUUID()}`;
    await post({
      touchpoints: [
        touchpoints.prospect(customerId, '2025-01-05T09:00:00Z'),
        touchpoints.productOpened(customerId, 'CUR-9', '2025-01-10T10:00:00Z'),
      ],
    }).expect(200);
    const recorded = await post(request(customerId, '2026-01-01T09:00:00Z')).expect(201);
    const view = await customer360(customerId, recorded.body.position);
    expect(view.privacy).toMatchObject({ state: 'restricted-until', until: null });
    const second = await post(request(customerId, '2026-01-02T09:00:00Z')).expect(422);
    expect(second.body.rule).toBe('erasure-already-requested');
  });

  it('refuses an audit read without a purpose (400) and records every read, without personal data', async () => {
    const customerId = `c-${randomUUID()}`;
    await post(touchpoints.prospect(customerId)).expect(201);
    const refused = await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set(as('auditor'))
      .expect(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: 'X-Purpose', rule: 'isPresent' }),
    ]);
    await running
      .http()
      .get(`/v1/customers/${customerId}/replay`)
      .set(as('auditor'))
      .set('X-Purpose', 'Li Wei <li@example.com>')
      .expect(400);
    await eventsOf(customerId);
    await running
      .http()
      .get(`/v1/customers/${customerId}/replay`)
      .set(as('auditor'))
      .set('X-Purpose', PURPOSE)
      .expect(200);

    const all = await accessLog(`customerId=${customerId}`);
    expect(
      all.records.map((r: { route: string; outcome: string; status: number; purpose: string }) => [
        r.route,
        r.outcome,
        r.status,
        r.purpose,
      ]),
    ).toEqual([
      ['GET /v1/customers/:customerId/events', 'refused', 400, null],
      ['GET /v1/customers/:customerId/replay', 'refused', 400, null],
      ['GET /v1/customers/:customerId/events', 'done', 200, PURPOSE],
      ['GET /v1/customers/:customerId/replay', 'done', 200, PURPOSE],
    ]);
    expect(all.records[2]).toMatchObject({
      keyName: 'auditor-1',
      role: 'audit',
      action: 'read-personal-data',
      customerId,
    });
    expect(JSON.stringify(all)).not.toMatch(/Li Wei|\+862155550101|example\.com/);

    // Paged by cursor, oldest first; bounded by time.
    const first = await accessLog(`customerId=${customerId}&limit=3`);
    const rest = await accessLog(`customerId=${customerId}&limit=3&after=${first.nextCursor}`);
    expect([...first.records, ...rest.records]).toEqual(all.records);
    expect(rest.nextCursor).toBeUndefined();
    const later = await accessLog(`customerId=${customerId}&from=${all.records[2].at}`);
    expect(later.records).toEqual(all.records.slice(2));
    expect((await accessLog(`customerId=${customerId}&to=${all.records[0].at}`)).records).toEqual(
      [],
    );
    const bad = await running
      .http()
      .get('/v1/audit/access?after=not-a-cursor')
      .set(as('auditor'))
      .expect(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'after' });
    // Marketing holds no audit role.
    await running.http().get('/v1/audit/access').set(as('marketing')).expect(403);
  });
});
