import Ajv from 'ajv';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import retailBankV1 from '../../policy/retail-bank.v1.json';
import { hashApiKey } from '../../src/security/api-keys';
import { buildService } from '../crash/service-process';
import { RunningApp, startApp } from '../support/app';
import { runBuiltCli } from '../support/cli';
import { touchpoints } from '../support/touchpoints';

const KEYS = {
  auditor: `cle_${randomUUID()}`,
  marketing: `cle_${randomUUID()}`,
  gateway: `cle_${randomUUID()}`,
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * The bundled policy with tier bands moved (emerging-affluent from 50,000.00 down to 20,000.00
 * CNY, affluent from 500,000.00 up to 1,000,000.00), closures weighing 25 points instead of 10,
 * and at-risk from a churn score of 20 instead of 60.
 */
const CANDIDATE = {
  ...retailBankV1,
  policyVersion: 'retail-bank.v2-candidate',
  valueTier: {
    ...retailBankV1.valueTier,
    bands: retailBankV1.valueTier.bands.map((band) => ({
      ...band,
      minAumMinor:
        { 'emerging-affluent': '2000000', affluent: '100000000' }[band.tier as string] ??
        band.minAumMinor,
    })),
  },
  churnRisk: {
    ...retailBankV1.churnRisk,
    atRiskScore: 20,
    closures: { ...retailBankV1.churnRisk.closures, pointsEach: 25 },
  },
};

/** Customer ids sort in this order, so the affected list's order is known. */
const ID = { rich: 'WI-1', covered: 'WI-2', closer: 'WI-3', prospect: 'WI-4', saver: 'WI-5' };

/**
 * An auditor asks what a candidate policy would change: every customer is replayed under it
 * beside the policy in force, and the differences are counted and listed; nothing is written.
 */
describe('what-if replay under a candidate policy (e2e)', () => {
  let running: RunningApp;
  let ajv: Ajv;
  const auditor = () => ({ ...bearer(KEYS.auditor) });

  const start = (body: unknown) =>
    running
      .http()
      .post('/v1/audit/what-if')
      .set(auditor())
      .send(body as object);
  const job = (id: string, query = '') =>
    running.http().get(`/v1/audit/what-if/${id}${query}`).set(auditor());

  async function finished(id: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await job(id).expect(200);
      if (body.job.state !== 'running') return body;
      if (Date.now() > deadline) throw new Error(`what-if still running: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The answer matches the schema the OpenAPI document declares for it, strictly. */
  async function conforms(body: unknown) {
    const document = (await running.http().get('/docs-json').expect(200)).body;
    ajv ??= new Ajv({ strict: false, validateFormats: false, allErrors: true }).addSchema(
      { components: document.components },
      'doc',
    );
    const validate = ajv.getSchema('doc#/components/schemas/WhatIfAnswer')!;
    if (!validate(body)) throw new Error(ajv.errorsText(validate.errors));
  }

  /** Everything the read models answer, to compare before and after. */
  async function readModels() {
    const read = (path: string) =>
      running
        .http()
        .get(path)
        .set(auditor())
        .expect(200)
        .then(({ body }) => body);
    return {
      customers: await read('/v1/customers?limit=100'),
      funnel: await read('/v1/stats/funnel'),
      tiers: await read('/v1/stats/tiers'),
      coverage: await read('/v1/stats/coverage'),
      feed: await read('/v1/feed?limit=1000'),
    };
  }

  beforeAll(async () => {
    running = await startApp({
      API_KEYS: [
        `auditor:audit+read:${hashApiKey(KEYS.auditor)}`,
        `marketing:read:${hashApiKey(KEYS.marketing)}`,
        `crm-gateway:ingest:${hashApiKey(KEYS.gateway)}`,
      ].join(','),
      // No threshold events beside the ones sent: the scheduler keeps to itself.
      SCHEDULER_INTERVAL_MS: '86400000',
      READ_YOUR_WRITES_TIMEOUT_MS: '10000',
    });
    const { body } = await running
      .http()
      .post('/v1/touchpoints')
      .set(bearer(KEYS.gateway))
      .send({
        touchpoints: [
          // Affluent today (800,000.00 CNY), emerging-affluent under the candidate; no RM.
          touchpoints.prospect(ID.rich, '2025-01-05T09:00:00Z'),
          touchpoints.productOpened(ID.rich, 'CUR-1', '2025-01-06T10:00:00Z'),
          touchpoints.balance(ID.rich, 'CUR-1', '80000000', '2025-01-07T00:00:00Z'),
          // The same, with RM-7: contact due within 91 days today (due soon on 2025-03-25),
          // within 365 under the candidate (ok).
          touchpoints.prospect(ID.covered, '2025-01-01T09:00:00Z'),
          touchpoints.productOpened(ID.covered, 'CUR-1', '2025-01-01T10:00:00Z'),
          touchpoints.rmAssigned(ID.covered, 'RM-7', '2025-01-01T11:00:00Z'),
          touchpoints.balance(ID.covered, 'CUR-1', '80000000', '2025-01-02T00:00:00Z'),
          touchpoints.interaction(ID.covered, '2025-03-25T00:00:00Z'),
          // A closure: 10 churn points today, 25 under the candidate, where 20 makes her at-risk.
          touchpoints.prospect(ID.closer, '2025-02-01T09:00:00Z'),
          touchpoints.productOpened(ID.closer, 'CUR-1', '2025-02-02T10:00:00Z'),
          touchpoints.productOpened(ID.closer, 'SAV-1', '2025-02-02T10:05:00Z', 'savings'),
          touchpoints.productClosed(ID.closer, 'SAV-1', '2025-02-20T10:00:00Z'),
          // Unaffected.
          touchpoints.prospect(ID.prospect, '2025-02-01T09:00:00Z'),
          // Mass today (30,000.00 CNY), emerging-affluent under the candidate, which needs an RM.
          touchpoints.prospect(ID.saver, '2025-01-05T09:00:00Z'),
          touchpoints.productOpened(ID.saver, 'CUR-1', '2025-01-06T10:00:00Z'),
          touchpoints.balance(ID.saver, 'CUR-1', '3000000', '2025-01-07T00:00:00Z'),
        ],
      })
      .expect(200);
    expect(body.appended).toBe(16);
    const position = body.results.at(-1).position;
    await running.http().get(`/v1/stats/funnel?minPosition=${position}`).set(auditor()).expect(200);
  });
  afterAll(() => running.close());

  it('counts who would move stage, tier, churn score and coverage, and lists them with both answers', async () => {
    const before = await readModels();
    const started = await start(CANDIDATE).expect(202);
    await conforms(started.body);
    expect(started.body.job).toMatchObject({
      state: 'running',
      policies: { current: 'retail-bank.v1', candidate: 'retail-bank.v2-candidate' },
    });
    expect(started.body.result).toBeUndefined();
    // The position it replays up to is known from the start.
    expect(started.body.job.asOfPosition).toMatch(/^\d+$/);

    const done = await finished(started.body.job.id);
    await conforms(done);
    expect(done.job).toMatchObject({
      state: 'finished',
      progress: { customersDone: 5, customersTotal: 5, eventsFolded: 16, affected: 4 },
    });
    expect(done.job.asOfPosition).toBe(started.body.job.asOfPosition);
    expect(done.result).toEqual({
      customers: 5,
      affected: 4,
      listed: 4,
      listTruncated: false,
      stage: {
        changed: 1,
        unchanged: 4,
        moves: [{ from: 'onboarding', to: 'at-risk', customers: 1 }],
      },
      tier: {
        changed: 3,
        unchanged: 2,
        moves: [
          { from: 'mass', to: 'emerging-affluent', customers: 1 },
          { from: 'affluent', to: 'emerging-affluent', customers: 2 },
        ],
      },
      churnScore: {
        increased: 1,
        decreased: 0,
        unchanged: 4,
        histogram: [
          { shift: 0, customers: 4 },
          { shift: 15, customers: 1 },
        ],
      },
      coverage: {
        changed: 2,
        unchanged: 3,
        byRelationshipManager: [
          {
            rmId: null,
            customers: 4,
            changed: 1,
            moves: [{ from: 'not-required', to: 'unassigned', customers: 1 }],
            coveragePercent: { current: null, candidate: null },
          },
          {
            rmId: 'RM-7',
            customers: 1,
            changed: 1,
            moves: [{ from: 'due', to: 'ok', customers: 1 }],
            coveragePercent: { current: 100, candidate: 100 },
          },
        ],
      },
    });
    expect(done.affectedCustomers).toEqual({
      customers: [
        {
          customerId: ID.rich,
          rmId: null,
          changed: ['tier'],
          current: {
            stage: 'onboarding',
            tier: 'affluent',
            churnScore: 0,
            coverageStatus: 'unassigned',
          },
          candidate: {
            stage: 'onboarding',
            tier: 'emerging-affluent',
            churnScore: 0,
            coverageStatus: 'unassigned',
          },
        },
        {
          customerId: ID.covered,
          rmId: 'RM-7',
          changed: ['tier', 'coverageStatus'],
          current: { stage: 'onboarding', tier: 'affluent', churnScore: 0, coverageStatus: 'due' },
          candidate: {
            stage: 'onboarding',
            tier: 'emerging-affluent',
            churnScore: 0,
            coverageStatus: 'ok',
          },
        },
        {
          customerId: ID.closer,
          rmId: null,
          changed: ['stage', 'churnScore'],
          current: {
            stage: 'onboarding',
            tier: 'mass',
            churnScore: 10,
            coverageStatus: 'not-required',
          },
          candidate: {
            stage: 'at-risk',
            tier: 'mass',
            churnScore: 25,
            coverageStatus: 'not-required',
          },
        },
        {
          customerId: ID.saver,
          rmId: null,
          changed: ['tier', 'coverageStatus'],
          current: {
            stage: 'onboarding',
            tier: 'mass',
            churnScore: 0,
            coverageStatus: 'not-required',
          },
          candidate: {
            stage: 'onboarding',
            tier: 'emerging-affluent',
            churnScore: 0,
            coverageStatus: 'unassigned',
          },
        },
      ],
    });

    // The answers under the policy in force are the read models' own.
    for (const { customerId, current } of done.affectedCustomers.customers) {
      const { body } = await running.http().get(`/v1/customers/${customerId}`).set(auditor());
      expect({
        stage: body.lifecycle.stage,
        tier: body.valueTier.tier,
        churnScore: body.churnRisk.score,
        coverageStatus: body.rmCoverage.status,
      }).toEqual(current);
    }
    // And nothing was written to them.
    expect(await readModels()).toEqual(before);

    // The start is in the access log, with who, the route and the job.
    const { body: log } = await running
      .http()
      .get('/v1/audit/access?limit=1000')
      .set(auditor())
      .expect(200);
    expect(
      log.records.filter((record: { route: string }) => record.route === 'POST /v1/audit/what-if'),
    ).toEqual([
      expect.objectContaining({
        keyName: 'auditor',
        role: 'audit',
        outcome: 'done',
        status: 202,
        customerId: null,
        details: { whatIfJob: started.body.job.id, candidatePolicy: 'retail-bank.v2-candidate' },
      }),
    ]);
  });

  it('pages the affected customers by id, and filters them by what changed', async () => {
    const { id } = (await start(CANDIDATE).expect(202)).body.job;
    await finished(id);
    const ids = (body: { affectedCustomers: { customers: { customerId: string }[] } }) =>
      body.affectedCustomers.customers.map((customer) => customer.customerId);

    const first = (await job(id, '?limit=2').expect(200)).body;
    expect(ids(first)).toEqual([ID.rich, ID.covered]);
    expect(first.affectedCustomers.nextCursor).toBe(ID.covered);
    const second = (
      await job(id, `?limit=2&after=${first.affectedCustomers.nextCursor}`).expect(200)
    ).body;
    expect(ids(second)).toEqual([ID.closer, ID.saver]);
    expect(second.affectedCustomers.nextCursor).toBeUndefined();
    // The counts stay whole on every page.
    expect(second.result.affected).toBe(4);

    expect(ids((await job(id, '?changed=coverageStatus').expect(200)).body)).toEqual([
      ID.covered,
      ID.saver,
    ]);
    expect(ids((await job(id, '?changed=stage').expect(200)).body)).toEqual([ID.closer]);

    const bad = await job(id, '?limit=0&changed=mood').expect(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'changed',
      'limit',
    ]);
  });

  it('refuses an invalid candidate with a 400 naming the field and rule, and starts nothing', async () => {
    const bands = CANDIDATE.valueTier.bands.map((band) =>
      band.tier === 'high-net-worth' ? { ...band, minAumMinor: '90000000' } : band,
    );
    const invalid = await start({
      ...CANDIDATE,
      valueTier: { ...CANDIDATE.valueTier, bands },
    }).expect(400);
    expect(invalid.body.errors).toEqual([
      {
        field: 'valueTier.bands[2].minAumMinor',
        rule: 'isAscending',
        message: 'valueTier.bands[2].minAumMinor must be greater than the band below',
      },
    ]);
    const missing = await start({ ...CANDIDATE, rmCoverage: undefined }).expect(400);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ field: 'rmCoverage', rule: 'isObject' }),
    ]);
    const notObject = await start([CANDIDATE]).expect(400);
    expect(notObject.body.errors).toEqual([
      expect.objectContaining({ field: '(body)', rule: 'isObject' }),
    ]);
    await running
      .http()
      .post('/v1/audit/what-if')
      .set(auditor())
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(CANDIDATE))
      .expect(415);

    // Refusals are in the access log too, and none of them started a job.
    const { body: log } = await running
      .http()
      .get('/v1/audit/access?limit=1000')
      .set(auditor())
      .expect(200);
    const refused = log.records.filter(
      (record: { route: string; outcome: string }) =>
        record.route === 'POST /v1/audit/what-if' && record.outcome === 'refused',
    );
    expect(refused.map((record: { status: number }) => record.status)).toEqual([
      400, 400, 400, 415,
    ]);
    expect(
      refused.every((record: { details: object }) => Object.keys(record.details).length === 0),
    ).toBe(true);
  });

  it('answers an unknown job with a 404', async () => {
    const unknown = await job(randomUUID()).expect(404);
    expect(unknown.body.message).toContain('what-if');
  });

  it('needs an API key holding the audit role', async () => {
    await running.http().post('/v1/audit/what-if').send(CANDIDATE).expect(401);
    await running.http().get(`/v1/audit/what-if/${randomUUID()}`).expect(401);
    const forbidden = await running
      .http()
      .post('/v1/audit/what-if')
      .set(bearer(KEYS.marketing))
      .send(CANDIDATE)
      .expect(403);
    expect(forbidden.body.message).toContain('audit');
    await running
      .http()
      .get(`/v1/audit/what-if/${randomUUID()}`)
      .set(bearer(KEYS.marketing))
      .expect(403);
  });

  describe('npm run what-if', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cle-what-if-cli-'));
    const file = (name: string, content: unknown) => {
      writeFileSync(join(folder, name), JSON.stringify(content));
      return join(folder, name);
    };
    const cli = (args: string[], key = KEYS.auditor) =>
      runBuiltCli('what-if', args, { CLE_API_KEY: key });
    const url = () =>
      `http://127.0.0.1:${(running.app.getHttpServer().address() as AddressInfo).port}`;

    beforeAll(() => buildService(), 120_000);

    it('follows a what-if to its end and prints the matrices, exit 0', async () => {
      const run = await cli(['--policy', file('candidate.json', CANDIDATE), '--url', url()]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const lines = run.stdout.split('\n');
      for (const expected of [
        '5 customers replayed (16 events, ',
        'stage: 1 would change, 4 would not',
        'value tier: 3 would change, 2 would not',
        '  current \\ candidate  emerging-affluent',
        '  mass                                 1',
        '  affluent                             2',
        'churn score (candidate - current): 1 up, 0 down, 4 unchanged',
        'RM coverage status: 2 would change, 3 would not',
      ]) {
        expect([expected, lines.some((line) => line.startsWith(expected))]).toEqual([
          expected,
          true,
        ]);
      }
    });

    it('exits 1 with the field and rule when the service refuses the candidate, or with the role it lacks', async () => {
      const invalid = await cli([
        '--policy',
        file('invalid.json', {
          ...CANDIDATE,
          churnRisk: { ...CANDIDATE.churnRisk, atRiskScore: 0 },
        }),
        '--url',
        url(),
      ]);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('churnRisk.atRiskScore (isInt): ');
      const forbidden = await cli(
        ['--policy', file('candidate.json', CANDIDATE), '--url', url()],
        KEYS.marketing,
      );
      expect(forbidden.code).toBe(1);
      expect(forbidden.stderr).toContain('answered 403');
    });

    it('exits 2 on a bad command line, before asking the service', async () => {
      expect(await cli(['--url', url()])).toMatchObject({ code: 2 });
      const unreadable = await cli(['--policy', join(folder, 'absent.json')]);
      expect(unreadable.code).toBe(2);
      expect(unreadable.stderr).toContain('absent.json');
    });
  });
});
