import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

/**
 * Realistic journeys through HTTP: ingest, then the customer 360, audience lists, stats, the
 * time-driven scheduler and a rebuild, all on the embedded default.
 */
describe('customer read models over HTTP (e2e)', () => {
  let running: RunningApp;
  const affluent = `c-${randomUUID()}`;
  const prospect = `c-${randomUUID()}`;
  const massActive = `c-${randomUUID()}`;
  let position: string;

  const get = (path: string) => running.http().get(path);
  const projectedUpTo = async (target: string) => {
    const response = await get(`/v1/customers?limit=1&minPosition=${target}`);
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    running = await startApp({ READ_YOUR_WRITES_TIMEOUT_MS: '10000' });
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .send({
        touchpoints: [
          touchpoints.prospect(affluent, '2025-01-05T09:00:00Z'),
          touchpoints.productOpened(affluent, 'CUR-1', '2025-01-06T10:00:00Z'),
          touchpoints.balance(affluent, 'CUR-1', '80000000', '2025-01-07T00:00:00Z'),
          touchpoints.rmAssigned(affluent, 'RM-7', '2025-01-08T00:00:00Z'),
          touchpoints.prospect(prospect, '2025-02-01T09:00:00Z'),
          touchpoints.prospect(massActive, '2025-03-01T09:00:00Z'),
          touchpoints.productOpened(massActive, 'CUR-9', '2025-03-02T10:00:00Z'),
          touchpoints.balance(massActive, 'CUR-9', '120000', '2025-03-03T00:00:00Z'),
        ],
      })
      .expect(200);
    expect(response.body.appended).toBe(8);
    position = response.body.position;
  });
  afterAll(() => running.close());

  it('serves the customer 360 once the projection reached the ingest position', async () => {
    const response = await get(`/v1/customers/${affluent}?minPosition=${position}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      customerId: affluent,
      revision: 3,
      lifecycle: { stage: 'onboarding', highestStage: 'onboarding' },
      valueTier: { tier: 'affluent', aumMinor: '80000000' },
      rmCoverage: {
        rmId: 'RM-7',
        status: 'ok',
        requiredIntervalDays: 91,
        nextDueAt: '2025-04-09T00:00:00.000Z',
      },
      products: {
        'CUR-1': { status: 'open', balance: { amountMinor: '80000000', currency: 'CNY' } },
      },
    });
    expect(response.body.lifecycle.history.map((move: { to: string }) => move.to)).toEqual([
      'prospect',
      'onboarding',
    ]);

    const other = await get(`/v1/customers/${prospect}`);
    expect(other.body).toMatchObject({
      lifecycle: { stage: 'prospect' },
      valueTier: { tier: 'mass' },
    });
  });

  it('lists an audience by tier, stage and RM, with cursor pagination', async () => {
    await projectedUpTo(position);
    const affluentOnly = (await get('/v1/customers?tier=affluent')).body.customers;
    expect(affluentOnly.map((customer: { customerId: string }) => customer.customerId)).toEqual([
      affluent,
    ]);
    expect(affluentOnly[0]).toMatchObject({
      stage: 'onboarding',
      rmId: 'RM-7',
      coverageStatus: 'ok',
    });

    expect((await get('/v1/customers?stage=prospect')).body.customers).toHaveLength(1);
    expect((await get('/v1/customers?rm=RM-7&coverage=ok')).body.customers).toHaveLength(1);
    expect((await get('/v1/customers?minChurnRisk=90')).body.customers).toHaveLength(0);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (
        await get(`/v1/customers?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).body;
      seen.push(...page.customers.map((customer: { customerId: string }) => customer.customerId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([affluent, prospect, massActive].sort());
  });

  it('counts the funnel and tiers from indexed queries', async () => {
    await projectedUpTo(position);
    expect((await get('/v1/stats/funnel')).body).toMatchObject({
      stages: { prospect: 1, onboarding: 2, active: 0 },
      total: 3,
    });
    expect((await get('/v1/stats/tiers')).body).toMatchObject({
      tiers: { mass: 2, affluent: 1 },
      total: 3,
    });
  });

  it('refuses invalid filters with 400 naming the parameter and rule', async () => {
    const cases: [string, string, string][] = [
      ['/v1/customers?stage=vip', 'stage', 'isIn'],
      ['/v1/customers?limit=0', 'limit', 'min'],
      ['/v1/customers?limit=abc', 'limit', 'isInt'],
      ['/v1/customers?minChurnRisk=80&maxChurnRisk=20', 'minChurnRisk', 'isRange'],
      ['/v1/customers?sort=age', 'sort', 'isIn'],
      ['/v1/customers?colour=red', 'colour', 'unknownField'],
      ['/v1/customers?marketingConsent=maybe', 'marketingConsent', 'isIn'],
      ['/v1/customers?minPosition=-1', 'minPosition', 'matches'],
      ['/v1/stats/transitions?from=2025-01-01T00:00:00Z', 'to', 'isIso8601'],
      ['/v1/stats/transitions?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'to', 'isAfter'],
    ];
    for (const [path, field, rule] of cases) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
    }
    const badCursor = await get('/v1/customers?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
  });

  it('answers 404 for an unknown customer and 400 for a position nothing was recorded at', async () => {
    expect((await get(`/v1/customers/c-${randomUUID()}`)).status).toBe(404);
    const quick = await startApp({ READ_YOUR_WRITES_TIMEOUT_MS: '200' });
    try {
      // Never recorded, so never to be reached: the client's mistake, not a lag to retry.
      const response = await quick.http().get('/v1/customers/c-1?minPosition=99999999999999999');
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        expect.objectContaining({ field: 'minPosition', rule: 'isRecordedPosition' }),
      ]);
    } finally {
      await quick.close();
    }
  });

  it('the scheduler appends inactivity and RM-overdue events once; stages, coverage and transitions follow', async () => {
    await projectedUpTo(position);
    const first = await running.http().post('/v1/admin/scheduler/run').expect(200);
    expect(first.body.eventsAppended).toBeGreaterThan(0);
    const again = await running.http().post('/v1/admin/scheduler/run').expect(200);
    expect(again.body.eventsAppended).toBe(0);

    const history = (await get(`/v1/customers/${affluent}/events`).set('X-Purpose', 'TEST-AUDIT-1'))
      .body.events;
    const systemTypes = history.filter(
      (event: { metadata: { sourceSystem?: string } }) =>
        event.metadata.sourceSystem === 'scheduler',
    );
    expect(systemTypes.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['InactivityThresholdReached', 'RmContactOverdue']),
    );
    const head = systemTypes[systemTypes.length - 1].position;

    const customer = (await get(`/v1/customers/${affluent}?minPosition=${head}`)).body;
    expect(customer.lifecycle.stage).toBe('dormant');
    expect(customer.rmCoverage.status).toBe('overdue');

    const coverage = (await get('/v1/stats/coverage')).body;
    expect(coverage.byRelationshipManager).toContainEqual({
      rmId: 'RM-7',
      ok: 0,
      due: 0,
      overdue: 1,
      coveragePercent: 0,
    });

    const moves = (
      await get('/v1/stats/transitions?from=2025-01-01T00:00:00Z&to=2027-01-01T00:00:00Z')
    ).body;
    expect(moves.entered['at-risk']).toBeGreaterThanOrEqual(1);
    expect(moves.entered.dormant).toBeGreaterThanOrEqual(1);
  });

  it('rebuilds into a fresh generation and switches over with identical documents', async () => {
    const before = await Promise.all(
      [affluent, prospect, massActive].map(async (id) => (await get(`/v1/customers/${id}`)).text),
    );
    const started = await running
      .http()
      .post('/v1/admin/projections/customers/rebuild')
      .expect(202);
    const generation = started.body.rebuild.generation;
    let status;
    for (let i = 0; i < 200; i++) {
      status = (await get('/v1/admin/projections')).body.projections[0];
      if (status.generation === generation && status.rebuild?.state === 'switched') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toMatchObject({
      name: 'customers',
      generation,
      lagEvents: 0,
      rebuild: { state: 'switched' },
    });
    const after = await Promise.all(
      [affluent, prospect, massActive].map(async (id) => (await get(`/v1/customers/${id}`)).text),
    );
    expect(after).toEqual(before);
    expect((await running.http().post('/v1/admin/projections/nope/rebuild')).status).toBe(404);
  });
});
