import Ajv from 'ajv';
import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../../src/security/api-keys';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const KEYS = { gateway: `cle_${randomUUID()}`, auditor: `cle_${randomUUID()}` };
const marketing = `cle_${randomUUID()}`;

interface Fact {
  name: string;
  value: unknown;
  events: { eventId: string; position: string; revision: number }[];
}
const factOf = (facts: Fact[], name: string) => facts.find((item) => item.name === name);

/**
 * An auditor asks why a customer was in her stage, tier, churn risk and RM coverage at a moment:
 * each answer names the rule, the policy's numbers, the facts and the stored events behind them.
 */
describe('explain a customer as known at a moment (e2e)', () => {
  let running: RunningApp;
  const customerId = `c-${randomUUID()}`;
  const sent = [
    touchpoints.prospect(customerId, '2025-01-05T09:00:00Z'),
    {
      eventId: randomUUID(),
      customerId,
      type: 'KycVerified',
      occurredAt: '2025-01-05T10:00:00Z',
      data: {
        method: 'in-branch',
        level: 'standard',
        documentType: 'passport',
        documentNumber: 'E12345678',
        expiresAt: '2030-01-01T00:00:00Z',
      },
    },
    touchpoints.productOpened(customerId, 'CUR-1', '2025-01-06T10:00:00Z'),
    touchpoints.balance(customerId, 'CUR-1', '80000000', '2025-01-07T00:00:00Z'),
    touchpoints.productOpened(customerId, 'SAV-1', '2025-02-01T10:00:00Z', 'savings'),
    touchpoints.interaction(customerId, '2025-02-02T08:00:00Z'),
    touchpoints.rmAssigned(customerId, 'RM-7', '2025-02-03T09:00:00Z'),
    {
      eventId: randomUUID(),
      customerId,
      type: 'ComplaintFiled',
      occurredAt: '2025-02-04T09:00:00Z',
      data: { complaintId: 'CMP-1', category: 'fees', severity: 'high', channel: 'branch' },
    },
  ];
  const [, , openedCurrent, funded, openedSavings, secondChannel, assigned, complaint] = sent;
  const positions: string[] = [];
  const recordedAt: string[] = [];

  const explain = (query = '', key = KEYS.auditor) =>
    running.http().get(`/v1/customers/${customerId}/explain${query}`).set('X-API-Key', key);

  beforeAll(async () => {
    running = await startApp({
      API_KEYS: [
        `crm-gateway:ingest:${hashApiKey(KEYS.gateway)}`,
        `auditor:audit:${hashApiKey(KEYS.auditor)}`,
        `marketing:read:${hashApiKey(marketing)}`,
      ].join(','),
    });
    for (const touchpoint of sent) {
      const response = await running
        .http()
        .post('/v1/touchpoints')
        .set('X-API-Key', KEYS.gateway)
        .send(touchpoint)
        .expect(201);
      positions.push(response.body.position);
      // Recorded a few milliseconds apart, so an instant between two is meaningful.
      await sleep(20);
    }
    const { body } = await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-API-Key', KEYS.auditor)
      .set('X-Purpose', 'TEST-AUDIT-1')
      .expect(200);
    recordedAt.push(...body.events.map((event: { recordedAt: string }) => event.recordedAt));
  });
  afterAll(() => running.close());

  it('names the event, rule and thresholds behind each value, and the events behind each fact', async () => {
    const { body } = await explain().expect(200);
    expect(body).toMatchObject({
      customerId,
      asOf: {},
      knownEvents: 8,
      lastKnown: { position: positions[7], recordedAt: recordedAt[7] },
      policyVersion: 'retail-bank.v1',
    });

    expect(body.stage).toMatchObject({
      value: 'engaged',
      decidedBy: {
        eventId: secondChannel.eventId,
        type: 'ChannelInteraction',
        occurredAt: '2025-02-02T08:00:00.000Z',
        position: positions[5],
        revision: 5,
        policyVersion: 'retail-bank.v1',
      },
      rule: {
        name: 'lifecycle.engaged',
        thresholds: { 'lifecycle.engagedMinProducts': 2, 'lifecycle.engagedMinChannels': 2 },
      },
    });
    const breadth = factOf(body.stage.facts, 'productBreadth');
    expect(breadth?.value).toBe(2);
    expect(breadth?.events).toEqual([
      expect.objectContaining({ eventId: openedCurrent.eventId, position: positions[2] }),
      expect.objectContaining({ eventId: openedSavings.eventId, position: positions[4] }),
    ]);

    expect(body.tier).toMatchObject({
      value: 'affluent',
      decidedBy: { eventId: funded.eventId, position: positions[3], revision: 3 },
      band: { tier: 'affluent', minAumMinor: '50000000', requiredAumMinor: '50000000' },
      rule: { name: 'value-tier.band' },
    });
    expect(body.tier.rule.thresholds['valueTier.bands[1].minAumMinor']).toBe('50000000');
    expect(body.tier.text).toContain('AUM: 800,000.00 CNY');

    expect(body.churnRisk.value).toBe(15);
    expect(body.churnRisk.reasons).toContainEqual(
      expect.objectContaining({ code: 'unresolved-complaints', points: 15, maxPoints: 30 }),
    );
    expect(factOf(body.churnRisk.facts, 'openComplaints')?.events).toEqual([
      expect.objectContaining({ eventId: complaint.eventId, position: positions[7] }),
    ]);

    expect(body.rmCoverage).toMatchObject({
      value: 'ok',
      rmId: 'RM-7',
      requiredIntervalDays: 91,
      decidedBy: { eventId: assigned.eventId, position: positions[6] },
      rule: { thresholds: { 'rmCoverage.contactIntervalDays.affluent': 91 } },
    });

    expect(body.stage.text).toContain(
      `Lifecycle stage: engaged, since 2025-02-02T08:00:00.000Z, set by ChannelInteraction ${secondChannel.eventId} at position ${positions[5]}`,
    );
    expect(body.summary).toContain(
      'lifecycle stage engaged, value tier affluent, churn risk 15 of 100, RM coverage ok.',
    );
    for (const dimension of ['stage', 'tier', 'churnRisk', 'rmCoverage'])
      expect(body.summary).toContain(body[dimension].text);
  });

  it('as of a moment before a change, gives the explanation known then', async () => {
    const atFunding = await explain(`?asOfPosition=${positions[3]}`).expect(200);
    expect(atFunding.body).toMatchObject({
      asOf: { position: positions[3] },
      knownEvents: 4,
      lastKnown: { position: positions[3] },
      stage: {
        value: 'active',
        decidedBy: { eventId: funded.eventId },
        rule: { name: 'lifecycle.active' },
      },
      rmCoverage: { value: 'unassigned', rule: { name: 'rm-coverage.unassigned' } },
      churnRisk: { value: 0 },
    });

    // Recorded after the savings account, before the mobile login: one channel, not yet engaged.
    const beforeMobile = await explain(`?asOf=${encodeURIComponent(recordedAt[4])}`).expect(200);
    expect(beforeMobile.body.asOf).toEqual({ recordedAt: recordedAt[4] });
    expect(beforeMobile.body.knownEvents).toBe(5);
    expect(beforeMobile.body.stage.value).toBe('active');
    expect(factOf(beforeMobile.body.stage.facts, 'channelsUsed')?.value).toBe(1);
    expect(beforeMobile.body.stage.text).toContain('used fewer than 2 channels');

    const before = new Date(Date.parse(recordedAt[0]) - 1).toISOString();
    const none = await explain(`?asOf=${before}`).expect(404);
    expect(none.body.message).toContain('as of then');
  });

  it('tells no personal data, needs no X-Purpose and writes no access record', async () => {
    const { text } = await explain().expect(200);
    for (const personal of ['Li Wei', '+862155550101', 'E12345678'])
      expect(text).not.toContain(personal);
    // Neither the sealed form nor any personal field's name or value comes back.
    for (const field of ['$personal', 'fullName', 'phone', 'nationalId', 'documentNumber', 'email'])
      expect(text).not.toContain(`"${field}"`);

    const { body } = await running
      .http()
      .get(`/v1/audit/access?customerId=${customerId}`)
      .set('X-API-Key', KEYS.auditor)
      .expect(200);
    const routes = body.records.map((record: { route: string }) => record.route);
    expect(routes).toContain('GET /v1/customers/:customerId/events');
    expect(routes.filter((route: string) => route.includes('explain'))).toEqual([]);
  });

  it('answers as its OpenAPI document declares', async () => {
    const document = (await running.http().get('/docs-json').expect(200)).body;
    const declared =
      document.paths['/v1/customers/{customerId}/explain'].get.responses['200'].content[
        'application/json'
      ].schema;
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ components: document.components }, 'doc');
    const validate = ajv.compile(
      JSON.parse(JSON.stringify(declared).replaceAll('"#/components/', '"doc#/components/')),
    );
    const { body } = await explain().expect(200);
    expect([validate(body), ajv.errorsText(validate.errors)]).toEqual([true, 'No errors']);
  });

  it('answers bad input with a 400 naming the field and rule, an unknown customer with a 404', async () => {
    const notInstant = await explain('?asOf=yesterday').expect(400);
    expect(notInstant.body.errors).toEqual([
      expect.objectContaining({ field: 'asOf', rule: 'isIso8601' }),
    ]);
    const both = await explain(`?asOf=2025-01-01T00:00:00Z&asOfPosition=1`).expect(400);
    expect(both.body.errors).toEqual([
      expect.objectContaining({ field: 'asOfPosition', rule: 'exclusive' }),
    ]);
    const notPosition = await explain('?asOfPosition=-3').expect(400);
    expect(notPosition.body.errors).toEqual([expect.objectContaining({ field: 'asOfPosition' })]);
    const unknownParam = await explain('?at=2025-01-01T00:00:00Z').expect(400);
    expect(unknownParam.body.errors).toEqual([
      expect.objectContaining({ field: 'at', rule: 'unknownField' }),
    ]);
    await running
      .http()
      .get('/v1/customers/not%20an%20id/explain')
      .set('X-API-Key', KEYS.auditor)
      .expect(400);

    const unknown = `c-${randomUUID()}`;
    const missing = await running
      .http()
      .get(`/v1/customers/${unknown}/explain`)
      .set('X-API-Key', KEYS.auditor)
      .expect(404);
    expect(missing.body.message).toBe(`customer ${unknown} not found`);
  });

  it('needs an API key holding the audit role', async () => {
    const anonymous = await running.http().get(`/v1/customers/${customerId}/explain`).expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    await explain('', `${KEYS.auditor}x`).expect(401);
    for (const key of [marketing, KEYS.gateway]) {
      const forbidden = await explain('', key).expect(403);
      expect(forbidden.body.message).toBe('this API key lacks the role audit');
    }
  });
});
